// KV store (rows of K and V to their cache slots) and row gather (the rows that need logits).
#include "common.cuh"

using namespace mosaic;

namespace {
__global__ void kv_store(bf16 *k_cache, bf16 *v_cache, int64_t row_elems, const bf16 *k, const bf16 *v,
                         const int32_t *slots, int64_t rows) {
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        int64_t dst = (int64_t) slots[r] * row_elems;
        for (int64_t c = threadIdx.x; c < row_elems; c += blockDim.x) {
            k_cache[dst + c] = k[r * row_elems + c];
            v_cache[dst + c] = v[r * row_elems + c];
        }
    }
}

template <typename T>
__global__ void gather_rows(T *dst, const T *src, int64_t width, const int32_t *rows, int64_t n) {
    for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
        const T *s = src + (int64_t) rows[i] * width;
        T *d = dst + i * width;
        for (int64_t c = threadIdx.x; c < width; c += blockDim.x) {
            d[c] = s[c];
        }
    }
}
}  // namespace

extern "C" cudaError_t mosaic_cuda_kv_store(void *k_cache, void *v_cache, int64_t row_elems, const void *k, const void *v,
                                            const int32_t *slots, int64_t rows, cudaStream_t stream) {
    unsigned int grid = (unsigned int) (rows < 65535 ? rows : 65535);
    kv_store<<<grid, 128, 0, stream>>>((bf16 *) k_cache, (bf16 *) v_cache, row_elems, (const bf16 *) k, (const bf16 *) v,
                                       slots, rows);
    return launched();
}

extern "C" cudaError_t mosaic_cuda_gather_rows(void *dst, const void *src, int64_t width, int32_t elem_bytes,
                                               const int32_t *rows, int64_t n, cudaStream_t stream) {
    unsigned int grid = (unsigned int) (n < 65535 ? n : 65535);
    if (elem_bytes == 4) {
        gather_rows<float><<<grid, 256, 0, stream>>>((float *) dst, (const float *) src, width, rows, n);
    } else if (elem_bytes == 2) {
        gather_rows<uint16_t><<<grid, 256, 0, stream>>>((uint16_t *) dst, (const uint16_t *) src, width, rows, n);
    } else {
        return cudaErrorInvalidValue;
    }
    return launched();
}
