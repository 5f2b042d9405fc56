/*
 * internal.h - helpers shared by the kernel files; not part of the ABI.
 */
#ifndef MOSAIC_INTERNAL_H
#define MOSAIC_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "mosaic.h"

#define MOSAIC_INTERNAL __attribute__((visibility("hidden")))

/* The active instruction-set path (cpu.c). */
MOSAIC_INTERNAL int32_t mosaic_isa_active(void);

/* Elements per block and bytes per block of a supported type; 0 for unknown types. */
MOSAIC_INTERNAL int64_t mosaic_block_elems(int32_t type);
MOSAIC_INTERNAL int64_t mosaic_block_bytes(int32_t type);

static inline int64_t mosaic_row_bytes(int32_t type, int64_t cols) {
    return cols / mosaic_block_elems(type) * mosaic_block_bytes(type);
}

/* IEEE half -> float, bit-exact for all inputs (subnormals, inf, nan). */
static inline float mosaic_fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112u) << 23) | (man << 13);
    } else if (man == 0) {
        bits = sign;
    } else {
        /* subnormal half: value = man * 2^-24, exactly representable as a float */
        float f = (float)man * (1.0f / 16777216.0f);
        memcpy(&bits, &f, 4);
        bits |= sign;
    }
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

static inline float mosaic_bf16_to_fp32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

static inline uint16_t mosaic_load_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* Element i of a plain float vector of type F32, F16 or BF16. */
static inline float mosaic_float_elem(int32_t type, const void *p, int64_t i) {
    switch (type) {
    case MOSAIC_TYPE_F16: return mosaic_fp16_to_fp32(mosaic_load_u16((const uint8_t *)p + 2 * i));
    case MOSAIC_TYPE_BF16: return mosaic_bf16_to_fp32(mosaic_load_u16((const uint8_t *)p + 2 * i));
    default: {
        float f;
        memcpy(&f, (const uint8_t *)p + 4 * i, 4);
        return f;
    }
    }
}

/* Dequantises one block (mosaic_block_elems(type) elements) at src into dst (portable C). */
MOSAIC_INTERNAL void mosaic_dequantize_block(int32_t type, const uint8_t *src, float *dst);

/* Per-ISA kernel variants, compiled with their own target flags (matmul_avx2.c, matmul_avx512.c). */
MOSAIC_INTERNAL void mosaic_matmul_avx2(int32_t type, const void *w, int64_t w_rows, int64_t cols,
                                        const float *x, int64_t rows, float *out, int32_t threads);
MOSAIC_INTERNAL void mosaic_matmul_avx512(int32_t type, const void *w, int64_t w_rows, int64_t cols,
                                          const float *x, int64_t rows, float *out, int32_t threads);
MOSAIC_INTERNAL float mosaic_dot_f32_avx2(const float *a, const float *b, int64_t n);
MOSAIC_INTERNAL float mosaic_dot_f32_avx512(const float *a, const float *b, int64_t n);
/* y = y * s + a * x (the online-softmax accumulator update) */
MOSAIC_INTERNAL void mosaic_scale_axpy_avx2(float *y, float s, float a, const float *x, int64_t n);
MOSAIC_INTERNAL void mosaic_scale_axpy_avx512(float *y, float s, float a, const float *x, int64_t n);

#endif
