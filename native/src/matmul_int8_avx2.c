/*
 * matmul_int8_avx2.c - AVX2 variant of the int8-activation matmul (compiled with -mavx2 -mfma
 * -mf16c). One 32-element block per 256-bit register; vpmaddubsw multiplies unsigned by signed
 * bytes into saturating 16-bit pair sums, so (as in ggml) it gets |w| and x * sign(w): with
 * |x| <= 127 (the quantiser's range) and |w| <= 128 a pair sum is at most 32512 and never saturates.
 */
#include <immintrin.h>

#include "internal.h"

#define TILE_ROWS 4
#define OUT_BLOCK 32
#define INLINE static inline __attribute__((always_inline))

INLINE __m256i load_block(const int type, const uint8_t *blk) {
    if (type == MOSAIC_TYPE_Q8_0) {
        return _mm256_loadu_si256((const __m256i *)(blk + 2));
    }
    /* low nibbles are elements 0..15, high nibbles 16..31; nibble n means n - 8 */
    const __m128i q = _mm_loadu_si128((const __m128i *)(blk + 2)), m = _mm_set1_epi8(15);
    const __m256i n = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), m), _mm_and_si128(q, m));
    return _mm256_sub_epi8(n, _mm256_set1_epi8(8));
}

/* out[r * ldo] = dot(row, x[r]) for r < NB. Every row runs the same operations whatever NB is. */
INLINE void tile(const int type, const int NB, const uint8_t *row, int64_t blocks, const struct mosaic_q8_rows *x,
                 int64_t r0, float *out, int64_t ldo) {
    __m256 acc[TILE_ROWS];
    for (int r = 0; r < NB; r++) {
        acc[r] = _mm256_setzero_ps();
    }
    const int64_t bb = type == MOSAIC_TYPE_Q8_0 ? 34 : 18;
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *blk = row + b * bb;
        const __m256i w = load_block(type, blk);
        const __m256i aw = _mm256_sign_epi8(w, w);
        const float dw = _cvtsh_ss(mosaic_load_u16(blk));
        for (int r = 0; r < NB; r++) {
            const __m256i xv = _mm256_loadu_si256((const __m256i *)(x->q + (r0 + r) * x->q_stride + 32 * b));
            const __m256i p16 = _mm256_maddubs_epi16(aw, _mm256_sign_epi8(xv, w));
            const __m256i isum = _mm256_madd_epi16(p16, ones);
            const __m256 s = _mm256_set1_ps(dw * x->d[(r0 + r) * x->d_stride + b]);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), s, acc[r]);
        }
    }
    for (int r = 0; r < NB; r++) {
        __m128 v = _mm_add_ps(_mm256_castps256_ps128(acc[r]), _mm256_extractf128_ps(acc[r], 1));
        v = _mm_add_ps(v, _mm_movehl_ps(v, v));
        v = _mm_add_ss(v, _mm_movehdup_ps(v));
        out[r * ldo] = _mm_cvtss_f32(v);
    }
}

#define TILE_SWITCH(T)                                                                                              \
    switch (nb) {                                                                                                   \
    case 1: tile(T, 1, row, blocks, a->x, r0, orow, w_rows); break;                                                 \
    case 2: tile(T, 2, row, blocks, a->x, r0, orow, w_rows); break;                                                 \
    case 3: tile(T, 3, row, blocks, a->x, r0, orow, w_rows); break;                                                 \
    default: tile(T, 4, row, blocks, a->x, r0, orow, w_rows); break;                                                \
    }

struct matmul_args {
    int32_t type;
    const uint8_t *w;
    int64_t w_rows, cols, rows;
    const struct mosaic_q8_rows *x;
    float *out;
};

static void matmul_range(void *p, int64_t ob_begin, int64_t ob_end) {
    const struct matmul_args *a = p;
    const int64_t w_rows = a->w_rows, blocks = a->cols / 32;
    const int64_t row_bytes = blocks * (a->type == MOSAIC_TYPE_Q8_0 ? 34 : 18);
    for (int64_t ob = ob_begin; ob < ob_end; ob++) {
        const int64_t o_end = (ob + 1) * OUT_BLOCK < w_rows ? (ob + 1) * OUT_BLOCK : w_rows;
        for (int64_t r0 = 0; r0 < a->rows; r0 += TILE_ROWS) {
            const int nb = a->rows - r0 < TILE_ROWS ? (int)(a->rows - r0) : TILE_ROWS;
            for (int64_t o = ob * OUT_BLOCK; o < o_end; o++) {
                const uint8_t *row = a->w + o * row_bytes;
                float *orow = a->out + r0 * w_rows + o;
                if (a->type == MOSAIC_TYPE_Q8_0) {
                    TILE_SWITCH(MOSAIC_TYPE_Q8_0);
                } else {
                    TILE_SWITCH(MOSAIC_TYPE_Q4_0);
                }
            }
        }
    }
}

void mosaic_matmul_int8_avx2(int32_t type, const void *w, int64_t w_rows, int64_t cols, const float *x, int64_t rows,
                             float *out, int32_t threads, void *scratch) {
    const int64_t blocks = cols / 32;
    struct mosaic_q8_rows xq = {scratch, (float *)((int8_t *)scratch + rows * cols), cols, blocks};
    mosaic_quantize_rows_q8(x, rows, cols, &xq, threads);
    struct matmul_args a = {type, w, w_rows, cols, rows, &xq, out};
    mosaic_parallel_for((w_rows + OUT_BLOCK - 1) / OUT_BLOCK, 1, threads, matmul_range, &a);
}
