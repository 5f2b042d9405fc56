// dtype conversions: weights at upload (f32/f16 -> bf16) and host copies of activations.
#include "common.cuh"

using namespace mosaic;

namespace {
__global__ void f32_to_bf16(bf16 *dst, const float *src, int64_t n) {
    for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < n; i += (int64_t) gridDim.x * blockDim.x) {
        dst[i] = __float2bfloat16_rn(src[i]);
    }
}
__global__ void bf16_to_f32(float *dst, const bf16 *src, int64_t n) {
    for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < n; i += (int64_t) gridDim.x * blockDim.x) {
        dst[i] = __bfloat162float(src[i]);
    }
}
__global__ void f16_to_bf16(bf16 *dst, const __half *src, int64_t n) {
    for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < n; i += (int64_t) gridDim.x * blockDim.x) {
        dst[i] = __float2bfloat16_rn(__half2float(src[i]));
    }
}
__global__ void f16_to_f32(float *dst, const __half *src, int64_t n) {
    for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < n; i += (int64_t) gridDim.x * blockDim.x) {
        dst[i] = __half2float(src[i]);
    }
}
}  // namespace

extern "C" cudaError_t mosaic_cuda_f32_to_bf16(void *dst, const float *src, int64_t n, cudaStream_t stream) {
    f32_to_bf16<<<blocks_for(n, 256), 256, 0, stream>>>((bf16 *) dst, src, n);
    return launched();
}

extern "C" cudaError_t mosaic_cuda_bf16_to_f32(float *dst, const void *src, int64_t n, cudaStream_t stream) {
    bf16_to_f32<<<blocks_for(n, 256), 256, 0, stream>>>(dst, (const bf16 *) src, n);
    return launched();
}

extern "C" cudaError_t mosaic_cuda_f16_to_bf16(void *dst, const void *src, int64_t n, cudaStream_t stream) {
    f16_to_bf16<<<blocks_for(n, 256), 256, 0, stream>>>((bf16 *) dst, (const __half *) src, n);
    return launched();
}

extern "C" cudaError_t mosaic_cuda_f16_to_f32(float *dst, const void *src, int64_t n, cudaStream_t stream) {
    f16_to_f32<<<blocks_for(n, 256), 256, 0, stream>>>(dst, (const __half *) src, n);
    return launched();
}
