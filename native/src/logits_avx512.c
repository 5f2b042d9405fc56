/* logits_avx512.c - AVX-512 variant of mosaic_logits_max_lse (see logits.c). */
#include <immintrin.h>
#include <math.h>

#include "internal.h"
#include "vexp.h"

static inline __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}

int64_t mosaic_logits_max_lse_avx512(const float *x, int64_t n, double *lse) {
    __m512 vm = _mm512_set1_ps(-INFINITY);
    __mmask16 nan = 0;
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = tail_mask(n - i);
        const __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), k, x + i);
        nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        vm = _mm512_max_ps(vm, v);
    }
    const float m = _mm512_reduce_max_ps(vm);
    if (nan || isinf(m)) {
        return -1;
    }
    int64_t best = -1;
    const __m512 vmax = _mm512_set1_ps(m);
    for (int64_t i = 0; i < n && best < 0; i += 16) {
        const __mmask16 hit = _mm512_mask_cmp_ps_mask(tail_mask(n - i), _mm512_maskz_loadu_ps(tail_mask(n - i), x + i), vmax, _CMP_EQ_OQ);
        if (hit) {
            best = i + __builtin_ctz(hit);
        }
    }
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = tail_mask(n - i);
        const __m512 e = _mm512_maskz_mov_ps(k, mosaic_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), vmax)));
        s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
        s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
    }
    *lse = (double)m + log(_mm512_reduce_add_pd(_mm512_add_pd(s0, s1)));
    return best;
}
