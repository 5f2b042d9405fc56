/* swiglu_avx2.c - AVX2 variant of mosaic_swiglu (see swiglu.c): 8 lanes, exponentials by the
 * shared polynomial (vexp.h); the tail takes the scalar path. */
#include <immintrin.h>
#include <math.h>

#include "internal.h"
#include "vexp.h"

void mosaic_swiglu_range_avx2(float *out, const float *gate, const float *up, int64_t begin, int64_t end) {
    const __m256 one = _mm256_set1_ps(1.0f);
    int64_t i = begin;
    for (; i + 8 <= end; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256 e = mosaic_exp8(_mm256_sub_ps(_mm256_setzero_ps(), g));
        const __m256 s = _mm256_div_ps(g, _mm256_add_ps(one, e));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(s, _mm256_loadu_ps(up + i)));
    }
    for (; i < end; i++) {
        const float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}
