/*
 * matmul_int8_avx512.c - AVX-512 VNNI variant of the int8-activation matmul (compiled with
 * -mavx512vnni among others; matmul_int8.c calls it only when cpu.c found VNNI at run time).
 *
 * vpdpbusd multiplies unsigned by signed bytes, so activations are stored offset by 128
 * (u = q + 128, in 1..255) and the excess 128 * sum(w), which depends only on the weight block,
 * is subtracted once per block pair by starting the accumulation at -128 * sum(w): the integer
 * sums stay exact. Two 32-element blocks fill one 512-bit register; their activation scales are
 * stored pre-broadcast (8 copies each) so one load gives the 16-lane scale vector.
 */
#include <immintrin.h>

#include "internal.h"

#define TILE_ROWS 8
#define OUT_BLOCK 32
#define INLINE static inline __attribute__((always_inline))

/* Repacked activations, tile-major so that a tile's rows sit at fixed offsets from one pointer:
 * row r = 8 t + i's block pair p has 64 offset bytes at u[((t * pairs + p) * 8 + i) * 64] and 16
 * scales (8 x d of block 2p, 8 x d of block 2p+1, zero for a missing odd block) at
 * s[((t * pairs + p) * 8 + i) * 16]. */
struct packed {
    uint8_t *u;
    float *s;
    int64_t pairs;
};

INLINE int64_t packed_index(const struct packed *x, int64_t r, int64_t p) {
    return ((r / TILE_ROWS) * x->pairs + p) * TILE_ROWS + r % TILE_ROWS;
}

/* Weights of blocks b (and b+1 if two) as 64 signed bytes, and their scales as 8 + 8 lanes. */
INLINE void load_pair(const int type, const uint8_t *row, int64_t b, int two, __m512i *w, __m512 *dw) {
    const int64_t bb = type == MOSAIC_TYPE_Q8_0 ? 34 : 18;
    const uint8_t *b0 = row + b * bb, *b1 = b0 + bb;
    if (type == MOSAIC_TYPE_Q8_0) {
        const __m256i lo = _mm256_loadu_si256((const __m256i *)(b0 + 2));
        const __m256i hi = two ? _mm256_loadu_si256((const __m256i *)(b1 + 2)) : _mm256_setzero_si256();
        *w = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    } else {
        /* low nibbles are elements 0..15, high nibbles 16..31; nibble n means n - 8. Both blocks'
         * 16 bytes unpack at once, then 128-bit lanes go from (lo0 lo1 hi0 hi1) to (lo0 hi0 lo1 hi1). */
        const __m128i q0 = _mm_loadu_si128((const __m128i *)(b0 + 2));
        const __m128i q1 = two ? _mm_loadu_si128((const __m128i *)(b1 + 2)) : _mm_set1_epi8((char)0x88); /* 8 - 8 = 0 for a missing odd block */
        const __m256i q = _mm256_inserti128_si256(_mm256_castsi128_si256(q0), q1, 1);
        const __m256i m = _mm256_set1_epi8(15);
        const __m512i n = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_and_si256(q, m)),
                                             _mm256_and_si256(_mm256_srli_epi16(q, 4), m), 1);
        *w = _mm512_sub_epi8(_mm512_shuffle_i64x2(n, n, _MM_SHUFFLE(3, 1, 2, 0)), _mm512_set1_epi8(8));
    }
    const float d0 = _cvtsh_ss(mosaic_load_u16(b0));
    const float d1 = two ? _cvtsh_ss(mosaic_load_u16(b1)) : 0.0f;
    *dw = _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(d0), _mm512_set1_ps(d1));
}

/* out[r * ldo] = dot(row, x[r0 + r]) for r < NB. Every row runs the same operations whatever NB is.
 * (Two weight rows per tile saved activation loads but interleaved two streams from memory, which
 * halved batch-1 speed on 4 KiB pages: measured, hence one.) */
INLINE void tile(const int type, const int NB, const uint8_t *row, int64_t blocks, const struct packed *x, int64_t r0,
                 float *out, int64_t ldo) {
    __m512 acc[TILE_ROWS];
    for (int r = 0; r < NB; r++) {
        acc[r] = _mm512_setzero_ps();
    }
    const __m512i offset = _mm512_set1_epi8((char)0x80);
    const int64_t pairs = x->pairs;
    const uint8_t *u = x->u + packed_index(x, r0, 0) * 64;
    const float *s = x->s + packed_index(x, r0, 0) * 16;
    for (int64_t p = 0; p < pairs; p++, u += 64 * TILE_ROWS, s += 16 * TILE_ROWS) {
        __m512i w;
        __m512 dw;
        load_pair(type, row, 2 * p, 2 * p + 1 < blocks, &w, &dw);
        const __m512i start = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), offset, w));
        for (int r = 0; r < NB; r++) {
            const __m512i isum = _mm512_dpbusd_epi32(start, _mm512_loadu_si512(u + 64 * r), w);
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(dw, _mm512_loadu_ps(s + 16 * r)), acc[r]);
        }
    }
    for (int r = 0; r < NB; r++) {
        out[r * ldo] = _mm512_reduce_add_ps(acc[r]);
    }
}

#define TILE_SWITCH(T)                                                                                              \
    switch (nb) {                                                                                                   \
    case 1: tile(T, 1, row, blocks, a->x, r0, orow, w_rows); break;                                                 \
    case 2: tile(T, 2, row, blocks, a->x, r0, orow, w_rows); break;                                                 \
    case 3: tile(T, 3, row, blocks, a->x, r0, orow, w_rows); break;                                                 \
    case 4: tile(T, 4, row, blocks, a->x, r0, orow, w_rows); break;                                                 \
    case 5: tile(T, 5, row, blocks, a->x, r0, orow, w_rows); break;                                                 \
    case 6: tile(T, 6, row, blocks, a->x, r0, orow, w_rows); break;                                                 \
    case 7: tile(T, 7, row, blocks, a->x, r0, orow, w_rows); break;                                                 \
    default: tile(T, 8, row, blocks, a->x, r0, orow, w_rows); break;                                                \
    }

struct matmul_args {
    int32_t type;
    const uint8_t *w;
    int64_t w_rows, cols, rows;
    const struct packed *x;
    float *out;
};

/* Output-row blocks [ob_begin, ob_end): a block's weights stay in L2 while every row tile passes. */
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

struct pack_args {
    const float *x;
    int64_t cols;
    const struct packed *x_packed;
};

/* mosaic_quantize_row_q8 for one 32-element block, vectorised with the same float operations
 * (roundf done as exact truncation plus a comparison of the exact remainder, as there), written
 * offset by 128 with its scale broadcast 8 times. */
INLINE void quantize_block(const float *x, uint8_t *u, float *s) {
    const __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
    const float d = amax / 127;
    const __m512 id = _mm512_set1_ps(d != 0 ? 1.0f / d : 0.0f);
    for (int h = 0; h < 2; h++) {
        const __m512 v = _mm512_mul_ps(h ? x1 : x0, id);
        __m512i i = _mm512_cvttps_epi32(v);
        const __m512 frac = _mm512_sub_ps(v, _mm512_cvtepi32_ps(i));
        i = _mm512_mask_add_epi32(i, _mm512_cmp_ps_mask(frac, _mm512_set1_ps(0.5f), _CMP_GE_OQ), i, _mm512_set1_epi32(1));
        i = _mm512_mask_sub_epi32(i, _mm512_cmp_ps_mask(frac, _mm512_set1_ps(-0.5f), _CMP_LE_OQ), i, _mm512_set1_epi32(1));
        const __mmask16 in_range = _mm512_cmp_ps_mask(v, _mm512_set1_ps(-127.5f), _CMP_GT_OQ)
                                 & _mm512_cmp_ps_mask(v, _mm512_set1_ps(127.5f), _CMP_LT_OQ);
        i = _mm512_maskz_mov_epi32(in_range, i); /* 0 for NaN, as the scalar quantiser */
        _mm_storeu_si128((__m128i *)(u + 16 * h), _mm512_cvtepi32_epi8(_mm512_add_epi32(i, _mm512_set1_epi32(128))));
    }
    _mm256_storeu_ps(s, _mm256_set1_ps(d));
}

static void pack_range(void *p, int64_t r_begin, int64_t r_end) {
    const struct pack_args *a = p;
    const struct packed *xp = a->x_packed;
    const int64_t blocks = a->cols / 32;
    for (int64_t r = r_begin; r < r_end; r++) {
        for (int64_t pr = 0; pr < xp->pairs; pr++) {
            uint8_t *u = xp->u + packed_index(xp, r, pr) * 64;
            float *s = xp->s + packed_index(xp, r, pr) * 16;
            quantize_block(a->x + r * a->cols + 64 * pr, u, s);
            if (2 * pr + 1 < blocks) {
                quantize_block(a->x + r * a->cols + 64 * pr + 32, u + 32, s + 8);
            } else {
                /* offset value 128 means 0, opposite the zero weights of the missing odd block */
                memset(u + 32, 128, 32);
                memset(s + 8, 0, 8 * sizeof(float));
            }
        }
    }
}

void mosaic_matmul_int8_avx512(int32_t type, const void *w, int64_t w_rows, int64_t cols, const float *x, int64_t rows,
                               float *out, int32_t threads, void *scratch) {
    const int64_t pairs = (cols / 32 + 1) / 2, padded_rows = (rows + TILE_ROWS - 1) / TILE_ROWS * TILE_ROWS;
    const struct packed xp = {scratch, (float *)((uint8_t *)scratch + padded_rows * pairs * 64), pairs};
    struct pack_args pa = {x, cols, &xp};
    mosaic_parallel_for(rows, 4, threads, pack_range, &pa);
    struct matmul_args a = {type, w, w_rows, cols, rows, &xp, out};
    mosaic_parallel_for((w_rows + OUT_BLOCK - 1) / OUT_BLOCK, 1, threads, matmul_range, &a);
}
