// RoPE: rotates pairs of each head; INTERLEAVED pairs (2i, 2i+1) (llama GGUF), HALVES pairs
// (i, i + head_dim/2) (HF / NeoX). The angle is computed in double, as the CPU backend does,
// so long positions lose no accuracy.
#include "common.cuh"

using namespace mosaic;

namespace {
__global__ void rope(bf16 *x, int64_t rows, int32_t heads, int32_t head_dim, const int32_t *positions,
                     const double *inv_freq, int32_t layout) {
    int32_t half = head_dim / 2;
    int64_t pairs = rows * heads * half;
    for (int64_t t = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; t < pairs; t += (int64_t) gridDim.x * blockDim.x) {
        int32_t i = (int32_t) (t % half);
        int64_t rh = t / half;
        int64_t r = rh / heads;
        bf16 *base = x + rh * head_dim;
        int32_t a = layout == MOSAIC_CUDA_ROPE_INTERLEAVED ? 2 * i : i;
        int32_t b = layout == MOSAIC_CUDA_ROPE_INTERLEAVED ? 2 * i + 1 : i + half;
        double theta = (double) positions[r] * inv_freq[i];
        double s, c;
        sincos(theta, &s, &c);
        float xa = load(base, a);
        float xb = load(base, b);
        store(base, a, (float) (xa * c - xb * s));
        store(base, b, (float) (xa * s + xb * c));
    }
}
}  // namespace

extern "C" cudaError_t mosaic_cuda_rope(void *x, int64_t rows, int32_t heads, int32_t head_dim, const int32_t *positions,
                                        const double *inv_freq, int32_t layout, cudaStream_t stream) {
    int64_t pairs = rows * heads * (head_dim / 2);
    rope<<<blocks_for(pairs, 256), 256, 0, stream>>>((bf16 *) x, rows, heads, head_dim, positions, inv_freq, layout);
    return launched();
}
