/* logits_avx2.c - AVX2 variant of mosaic_logits_max_lse (see logits.c). */
#include <immintrin.h>
#include <math.h>

#include "internal.h"
#include "vexp.h"

int64_t mosaic_logits_max_lse_avx2(const float *x, int64_t n, double *lse) {
    const int64_t body = n & ~(int64_t)7;
    __m256 vm = _mm256_set1_ps(-INFINITY);
    __m256 nan = _mm256_setzero_ps();
    for (int64_t i = 0; i < body; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        vm = _mm256_max_ps(vm, v);
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, vm);
    float m = lanes[0];
    for (int j = 1; j < 8; j++) {
        m = lanes[j] > m ? lanes[j] : m;
    }
    int bad = _mm256_movemask_ps(nan) != 0;
    for (int64_t i = body; i < n; i++) {
        bad |= isnan(x[i]);
        m = x[i] > m ? x[i] : m;
    }
    if (bad || isinf(m)) {
        return -1;
    }
    int64_t best = -1;
    const __m256 vmax = _mm256_set1_ps(m);
    for (int64_t i = 0; i < body && best < 0; i += 8) {
        const int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), vmax, _CMP_EQ_OQ));
        if (hit) {
            best = i + __builtin_ctz((unsigned)hit);
        }
    }
    for (int64_t i = body; i < n && best < 0; i++) {
        if (x[i] == m) {
            best = i;
        }
    }
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    for (int64_t i = 0; i < body; i += 8) {
        const __m256 e = mosaic_exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double part[4];
    _mm256_storeu_pd(part, _mm256_add_pd(s0, s1));
    double s = (part[0] + part[1]) + (part[2] + part[3]);
    for (int64_t i = body; i < n; i++) {
        s += expf(x[i] - m);
    }
    *lse = (double)m + log(s);
    return best;
}
