// Row softmax in place: one block per row, max and sum reduced in float32.
#include "common.cuh"

using namespace mosaic;

namespace {
template <typename T>
__global__ void softmax(T *x, int64_t rows, int64_t cols) {
    __shared__ float shared[33];
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        T *xr = x + r * cols;
        float m = -FLT_MAX;
        for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
            m = fmaxf(m, load(xr, c));
        }
        m = block_max(m, shared);
        float s = 0.0f;
        for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
            s += expf(load(xr, c) - m);
        }
        s = block_sum(s, shared);
        float inv = 1.0f / s;
        for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
            store(xr, c, expf(load(xr, c) - m) * inv);
        }
    }
}
}  // namespace

extern "C" cudaError_t mosaic_cuda_softmax_bf16(void *x, int64_t rows, int64_t cols, cudaStream_t stream) {
    unsigned int grid = (unsigned int) (rows < 65535 ? rows : 65535);
    softmax<bf16><<<grid, 256, 0, stream>>>((bf16 *) x, rows, cols);
    return launched();
}

extern "C" cudaError_t mosaic_cuda_softmax_f32(float *x, int64_t rows, int64_t cols, cudaStream_t stream) {
    unsigned int grid = (unsigned int) (rows < 65535 ? rows : 65535);
    softmax<float><<<grid, 256, 0, stream>>>(x, rows, cols);
    return launched();
}
