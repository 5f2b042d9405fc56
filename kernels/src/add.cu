// Residual add and bias add, bf16 in place with float32 arithmetic.
#include "common.cuh"

using namespace mosaic;

namespace {
__global__ void add(bf16 *acc, const bf16 *x, int64_t n) {
    for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < n; i += (int64_t) gridDim.x * blockDim.x) {
        store(acc, i, load(acc, i) + load(x, i));
    }
}
__global__ void add_bias(bf16 *x, const float *bias, int64_t rows, int64_t cols) {
    int64_t n = rows * cols;
    for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < n; i += (int64_t) gridDim.x * blockDim.x) {
        store(x, i, load(x, i) + bias[i % cols]);
    }
}
}  // namespace

extern "C" cudaError_t mosaic_cuda_add(void *acc, const void *x, int64_t n, cudaStream_t stream) {
    add<<<blocks_for(n, 256), 256, 0, stream>>>((bf16 *) acc, (const bf16 *) x, n);
    return launched();
}

extern "C" cudaError_t mosaic_cuda_add_bias(void *x, const float *bias, int64_t rows, int64_t cols, cudaStream_t stream) {
    add_bias<<<blocks_for(rows * cols, 256), 256, 0, stream>>>((bf16 *) x, bias, rows, cols);
    return launched();
}
