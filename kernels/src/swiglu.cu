// SwiGLU: out = silu(gate) * up.
#include "common.cuh"

using namespace mosaic;

namespace {
__global__ void swiglu(bf16 *out, const bf16 *gate, const bf16 *up, int64_t n) {
    for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < n; i += (int64_t) gridDim.x * blockDim.x) {
        float g = load(gate, i);
        store(out, i, g / (1.0f + expf(-g)) * load(up, i));
    }
}
}  // namespace

extern "C" cudaError_t mosaic_cuda_swiglu(void *out, const void *gate, const void *up, int64_t n, cudaStream_t stream) {
    swiglu<<<blocks_for(n, 256), 256, 0, stream>>>((bf16 *) out, (const bf16 *) gate, (const bf16 *) up, n);
    return launched();
}
