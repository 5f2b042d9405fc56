// Embedding gather: out[i] = table[ids[i]], bf16 rows.
#include "common.cuh"

using namespace mosaic;

namespace {
__global__ void embedding(bf16 *out, const bf16 *table, int64_t cols, const int32_t *ids, int64_t n) {
    for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
        const bf16 *row = table + (int64_t) ids[i] * cols;
        bf16 *o = out + i * cols;
        for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
            o[c] = row[c];
        }
    }
}
}  // namespace

extern "C" cudaError_t mosaic_cuda_embedding(void *out, const void *table, int64_t cols, const int32_t *ids, int64_t n,
                                             cudaStream_t stream) {
    unsigned int grid = (unsigned int) (n < 65535 ? n : 65535);
    embedding<<<grid, 256, 0, stream>>>((bf16 *) out, (const bf16 *) table, cols, ids, n);
    return launched();
}
