/*
 * quant_matmul_avx512.c - the AVX-512 dot of quant_matmul.c (compiled with -mavx512f -mfma; only
 * called when cpu.c found those features at run time).
 */
#include <immintrin.h>

#include "internal.h"

void mosaic_dot4_f32_avx512(const float *w, int64_t n, const float *x, int nw, float *out) {
    __m512 acc0[4], acc1[4];
    for (int j = 0; j < 4; j++) {
        acc0[j] = _mm512_setzero_ps();
        acc1[j] = _mm512_setzero_ps();
    }
    for (int64_t i = 0; i < n; i += 32) {
        const __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
        for (int j = 0; j < 4; j++) {
            if (j < nw) {
                acc0[j] = _mm512_fmadd_ps(_mm512_load_ps(w + j * n + i), x0, acc0[j]);
                acc1[j] = _mm512_fmadd_ps(_mm512_load_ps(w + j * n + i + 16), x1, acc1[j]);
            }
        }
    }
    for (int j = 0; j < nw; j++) {
        out[j] = _mm512_reduce_add_ps(_mm512_add_ps(acc0[j], acc1[j]));
    }
}
