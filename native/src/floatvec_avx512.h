/*
 * floatvec_avx512.h - 16 consecutive F32, F16 or BF16 weights as floats in a zmm register, shared by
 * the AVX-512 float kernels (matmul_avx512.c, matmul_panels_avx512.c). Include only from files
 * compiled with AVX-512 flags.
 */
#ifndef MOSAIC_FLOATVEC_AVX512_H
#define MOSAIC_FLOATVEC_AVX512_H

#include <immintrin.h>
#include <stdint.h>

#include "mosaic.h"

/* Elements k .. k+15 of a row of F32, F16 or BF16 values. */
static inline __attribute__((always_inline)) __m512 mosaic_load16_float(const int type, const uint8_t *row, int64_t k) {
    if (type == MOSAIC_TYPE_F32) {
        return _mm512_loadu_ps((const float *)row + k);
    }
    __m256i h = _mm256_loadu_si256((const __m256i *)(row + 2 * k));
    if (type == MOSAIC_TYPE_F16) {
        return _mm512_cvtph_ps(h);
    }
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* Masked load of the last (< 16) elements; masked-out lanes are never touched in memory. */
static inline __attribute__((always_inline)) __m512 mosaic_load16_float_tail(const int type, const uint8_t *row, int64_t k, __mmask16 m) {
    if (type == MOSAIC_TYPE_F32) {
        return _mm512_maskz_loadu_ps(m, (const float *)row + k);
    }
    __m256i h = _mm256_maskz_loadu_epi16(m, row + 2 * k);
    if (type == MOSAIC_TYPE_F16) {
        return _mm512_cvtph_ps(h);
    }
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

#endif
