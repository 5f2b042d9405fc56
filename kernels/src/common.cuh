// Shared helpers of the MOSAIC CUDA kernels: bf16 loads/stores, warp and block reductions,
// grid sizing. Header-only; every .cu file includes it.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <float.h>
#include <stdint.h>
#include "mosaic_cuda.h"

namespace mosaic {

typedef __nv_bfloat16 bf16;

__device__ __forceinline__ float load(const bf16 *p, int64_t i) { return __bfloat162float(p[i]); }
__device__ __forceinline__ void store(bf16 *p, int64_t i, float v) { p[i] = __float2bfloat16_rn(v); }
__device__ __forceinline__ float load(const float *p, int64_t i) { return p[i]; }
__device__ __forceinline__ void store(float *p, int64_t i, float v) { p[i] = v; }

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    }
    return v;
}

// Block-wide reductions for blockDim.x a multiple of 32 (<= 1024); every thread gets the result.
// `shared` holds at least 33 floats; the call synchronises the block twice.
__device__ __forceinline__ float block_sum(float v, float *shared) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    v = warp_sum(v);
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    float t = lane < warps ? shared[lane] : 0.0f;
    t = warp_sum(t);
    if (threadIdx.x == 0) shared[32] = t;
    __syncthreads();
    float r = shared[32];
    __syncthreads();
    return r;
}

__device__ __forceinline__ float block_max(float v, float *shared) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    v = warp_max(v);
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    float t = lane < warps ? shared[lane] : -FLT_MAX;
    t = warp_max(t);
    if (threadIdx.x == 0) shared[32] = t;
    __syncthreads();
    float r = shared[32];
    __syncthreads();
    return r;
}

// Blocks for an elementwise kernel over n items, capped so the grid stays within limits;
// kernels loop grid-stride over the rest.
inline unsigned int blocks_for(int64_t n, int threads) {
    int64_t b = (n + threads - 1) / threads;
    if (b < 1) b = 1;
    if (b > 65535LL * 16) b = 65535LL * 16;
    return (unsigned int) b;
}

// The error of the launch just made (not of earlier asynchronous work).
inline cudaError_t launched() { return cudaGetLastError(); }

}  // namespace mosaic
