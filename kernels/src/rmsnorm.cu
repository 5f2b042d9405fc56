// RMSNorm: one block per row, sum of squares reduced in float32.
#include "common.cuh"

using namespace mosaic;

namespace {
__global__ void rmsnorm(bf16 *out, const bf16 *x, const float *gamma, int64_t rows, int64_t cols, float eps) {
    __shared__ float shared[33];
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const bf16 *xr = x + r * cols;
        float ss = 0.0f;
        for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
            float v = load(xr, c);
            ss += v * v;
        }
        ss = block_sum(ss, shared);
        float inv = rsqrtf(ss / (float) cols + eps);
        bf16 *o = out + r * cols;
        for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
            store(o, c, load(xr, c) * inv * gamma[c]);
        }
    }
}
}  // namespace

extern "C" cudaError_t mosaic_cuda_rmsnorm(void *out, const void *x, const float *gamma, int64_t rows, int64_t cols,
                                           float eps, cudaStream_t stream) {
    unsigned int grid = (unsigned int) (rows < 65535 ? rows : 65535);
    rmsnorm<<<grid, 256, 0, stream>>>((bf16 *) out, (const bf16 *) x, gamma, rows, cols, eps);
    return launched();
}
