/*
 * vexp.h - e^x on SIMD lanes: Cephes' expf polynomial (about 1 ulp), shared by the kernels that
 * exponentiate (attention's softmax, the sampler's log-sum-exp). Include only from a file compiled
 * for the instruction set it uses.
 */
#ifndef MOSAIC_VEXP_H
#define MOSAIC_VEXP_H

#include <immintrin.h>

/* Cephes' expf: n = round(x log2 e); r = x - n ln 2 (ln 2 split in two for precision);
 * e^r = 1 + r + r^2 (P0 r^5 + P1 r^4 + ... + P5); e^x = 2^n e^r. */
#define MOSAIC_EXP_LOG2E 1.44269504088896341f
#define MOSAIC_EXP_LN2_HI 0.693359375f
#define MOSAIC_EXP_LN2_LO (-2.12194440e-4f)
#define MOSAIC_EXP_P0 1.9875691500e-4f
#define MOSAIC_EXP_P1 1.3981999507e-3f
#define MOSAIC_EXP_P2 8.3334519073e-3f
#define MOSAIC_EXP_P3 4.1665795894e-2f
#define MOSAIC_EXP_P4 1.6666665459e-1f
#define MOSAIC_EXP_P5 5.0000001201e-1f

#ifdef __AVX512F__
/* e^x, 16 lanes; inputs below -87.3 give ~1e-38 instead of underflowing. */
static inline __m512 mosaic_exp16(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.3f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(MOSAIC_EXP_LOG2E)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm512_fnmadd_ps(n, _mm512_set1_ps(MOSAIC_EXP_LN2_HI), x);
    x = _mm512_fnmadd_ps(n, _mm512_set1_ps(MOSAIC_EXP_LN2_LO), x);
    const __m512 z = _mm512_mul_ps(x, x);
    __m512 y = _mm512_set1_ps(MOSAIC_EXP_P0);
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(MOSAIC_EXP_P1));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(MOSAIC_EXP_P2));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(MOSAIC_EXP_P3));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(MOSAIC_EXP_P4));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(MOSAIC_EXP_P5));
    y = _mm512_add_ps(_mm512_fmadd_ps(y, z, x), _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(y, n);
}
#endif

#if defined(__AVX2__) && defined(__FMA__)
/* e^x, 8 lanes, the same polynomial; inputs below -87.3 give ~1e-38, above 88.3 saturate. */
static inline __m256 mosaic_exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(MOSAIC_EXP_LOG2E)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(MOSAIC_EXP_LN2_HI), x);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(MOSAIC_EXP_LN2_LO), x);
    const __m256 z = _mm256_mul_ps(x, x);
    __m256 y = _mm256_set1_ps(MOSAIC_EXP_P0);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(MOSAIC_EXP_P1));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(MOSAIC_EXP_P2));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(MOSAIC_EXP_P3));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(MOSAIC_EXP_P4));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(MOSAIC_EXP_P5));
    y = _mm256_add_ps(_mm256_fmadd_ps(y, z, x), _mm256_set1_ps(1.0f));
    /* 2^n: n + 127 in the exponent field (n is within [-126, 128) after the clamp) */
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}
#endif

#endif
