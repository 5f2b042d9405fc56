/* swiglu_avx512.c - AVX-512 variant of mosaic_swiglu (see swiglu.c): 16 lanes, exponentials by
 * the shared polynomial (vexp.h) instead of scalar expf (prefill of 128 rows x 2048: 665 -> ~70 us). */
#include <immintrin.h>

#include "internal.h"
#include "vexp.h"

void mosaic_swiglu_range_avx512(float *out, const float *gate, const float *up, int64_t begin, int64_t end) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int64_t i = begin; i < end; i += 16) {
        const __mmask16 k = end - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (end - i)) - 1);
        const __m512 g = _mm512_maskz_loadu_ps(k, gate + i);
        const __m512 e = mosaic_exp16(_mm512_sub_ps(_mm512_setzero_ps(), g));
        const __m512 s = _mm512_div_ps(g, _mm512_add_ps(one, e));
        _mm512_mask_storeu_ps(out + i, k, _mm512_mul_ps(s, _mm512_maskz_loadu_ps(k, up + i)));
    }
}
