/*
 * quant_matmul_avx2.c - the AVX2 dot of quant_matmul.c (compiled with -mavx2 -mfma; only called
 * when cpu.c found those features at run time).
 */
#include <immintrin.h>

#include "internal.h"

static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

void mosaic_dot4_f32_avx2(const float *w, int64_t n, const float *x, int nw, float *out) {
    __m256 acc0[4], acc1[4];
    for (int j = 0; j < 4; j++) {
        acc0[j] = _mm256_setzero_ps();
        acc1[j] = _mm256_setzero_ps();
    }
    for (int64_t i = 0; i < n; i += 16) {
        const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
        for (int j = 0; j < 4; j++) {
            if (j < nw) {
                acc0[j] = _mm256_fmadd_ps(_mm256_load_ps(w + j * n + i), x0, acc0[j]);
                acc1[j] = _mm256_fmadd_ps(_mm256_load_ps(w + j * n + i + 8), x1, acc1[j]);
            }
        }
    }
    for (int j = 0; j < nw; j++) {
        out[j] = hsum8(_mm256_add_ps(acc0[j], acc1[j]));
    }
}
