/*
 * matmul_packed_avx512.c - AVX-512 VNNI kernels over the packed weight layouts of packed.h
 * (compiled with -mavx512vnni among others; matmul_packed.c calls them only when cpu.c found
 * VNNI at run time).
 *
 * A group's block is loaded (and for 4/6-bit types unpacked) once into 8 registers of 4 columns
 * x 16 rows, then every activation row of the tile broadcasts its 4-byte column groups against
 * them: vpdpbusd gives the 16 rows' exact integer sums in one register, in two interleaved chains
 * so that the 5-cycle latency is hidden even for one activation row. One float FMA per 32-element
 * block and row applies the scales; 16 outputs are stored at once.
 */
#include <immintrin.h>

#include "packed.h"

#define TILE_ROWS 8
#define INLINE static inline __attribute__((always_inline))

INLINE __m512i bcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/* Integer dot of 8 column groups w[0..8) with 32 activation bytes at xq, in two chains. */
INLINE __m512i dot32(const __m512i w[8], const int8_t *xq) {
    const __m512i z = _mm512_setzero_si512();
    __m512i s0 = _mm512_dpbusd_epi32(z, w[0], bcast4(xq));
    __m512i s1 = _mm512_dpbusd_epi32(z, w[1], bcast4(xq + 4));
    s0 = _mm512_dpbusd_epi32(s0, w[2], bcast4(xq + 8));
    s1 = _mm512_dpbusd_epi32(s1, w[3], bcast4(xq + 12));
    s0 = _mm512_dpbusd_epi32(s0, w[4], bcast4(xq + 16));
    s1 = _mm512_dpbusd_epi32(s1, w[5], bcast4(xq + 20));
    s0 = _mm512_dpbusd_epi32(s0, w[6], bcast4(xq + 24));
    s1 = _mm512_dpbusd_epi32(s1, w[7], bcast4(xq + 28));
    return _mm512_add_epi32(s0, s1);
}

/* Software prefetch of the weight stream PACK_PREFETCH bytes ahead of the block being read, n
 * cache lines from p + PACK_PREFETCH (the stream is sequential: groups are back to back). */
INLINE void prefetch_ahead(const uint8_t *p, int n) {
    for (int i = 0; i < n; i++) {
        _mm_prefetch((const char *)(p + PACK_PREFETCH + 64 * i), _MM_HINT_T0);
    }
}

INLINE __m512 load_f16x16(const uint8_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }

INLINE __m512 load_u8x16_ps(const uint8_t *p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p)));
}

/* Q8_0 and Q4_0: rows r0 .. r0+NB of x against one group; out[r * ldo + lane] for masked lanes. */
INLINE void tile_q(const int type, const int NB, const uint8_t *gp, int64_t blocks, const struct mosaic_act *x,
                   int64_t r0, float *out, int64_t ldo, __mmask16 mask) {
    const int64_t bb = type == MOSAIC_TYPE_Q8_0 ? PACK_Q8_0_BYTES : PACK_Q4_0_BYTES;
    const int32_t offset = type == MOSAIC_TYPE_Q8_0 ? 128 : 8;
    const __m512i low4 = _mm512_set1_epi8(15);
    __m512 acc[TILE_ROWS];
    for (int r = 0; r < NB; r++) {
        acc[r] = _mm512_setzero_ps();
    }
    const int64_t cols = x->cols;
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *p = gp + b * bb;
        prefetch_ahead(p, type == MOSAIC_TYPE_Q8_0 ? 9 : 5); /* 576 / 320 bytes for 544 / 288 */
        const __m512 dw = load_f16x16(p);
        __m512i w[8];
        if (type == MOSAIC_TYPE_Q8_0) {
            for (int j = 0; j < 8; j++) {
                w[j] = _mm512_loadu_si512(p + 32 + 64 * j);
            }
        } else {
            for (int h = 0; h < 4; h++) {
                const __m512i v = _mm512_loadu_si512(p + 32 + 64 * h);
                w[h] = _mm512_and_si512(v, low4);
                w[h + 4] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
            }
        }
        for (int r = 0; r < NB; r++) {
            const int64_t xi = (r0 + r) * blocks + b;
            const __m512i isum = _mm512_sub_epi32(dot32(w, x->q + (r0 + r) * cols + 32 * b), _mm512_set1_epi32(offset * x->sum[xi]));
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(dw, _mm512_set1_ps(x->d[xi])), acc[r]);
        }
    }
    for (int r = 0; r < NB; r++) {
        _mm512_mask_storeu_ps(out + r * ldo, mask, acc[r]);
    }
}

INLINE void tile_q4k(const int NB, const uint8_t *gp, int64_t sblocks, const struct mosaic_act *x, int64_t r0,
                     float *out, int64_t ldo, __mmask16 mask) {
    const __m512i low4 = _mm512_set1_epi8(15);
    const int64_t cols = x->cols, blocks = x->blocks;
    __m512 acc[TILE_ROWS], accm[TILE_ROWS];
    for (int r = 0; r < NB; r++) {
        acc[r] = _mm512_setzero_ps();
        accm[r] = _mm512_setzero_ps();
    }
    for (int64_t sb = 0; sb < sblocks; sb++) {
        const uint8_t *p = gp + sb * PACK_Q4_K_BYTES;
        const __m512 dv = load_f16x16(p), dmv = load_f16x16(p + PACK_Q4_K_DMIN);
        for (int j = 0; j < 8; j++) {
            const __m512 a = _mm512_mul_ps(dv, load_u8x16_ps(p + PACK_Q4_K_SC + 16 * j));
            const __m512 m = _mm512_mul_ps(dmv, load_u8x16_ps(p + PACK_Q4_K_M + 16 * j));
            __m512i w[8];
            const uint8_t *qs = p + PACK_Q4_K_QS + 64 * 8 * (j / 2);
            if (!(j & 1)) {
                prefetch_ahead(p + 576 * (j / 2), j == 6 ? 10 : 9); /* 37 lines per super-block */
            }
            for (int t = 0; t < 8; t++) {
                const __m512i v = _mm512_loadu_si512(qs + 64 * t);
                w[t] = _mm512_and_si512((j & 1) ? _mm512_srli_epi16(v, 4) : v, low4);
            }
            for (int r = 0; r < NB; r++) {
                const int64_t xi = (r0 + r) * blocks + 8 * sb + j;
                const __m512i isum = dot32(w, x->q + (r0 + r) * cols + 256 * sb + 32 * j);
                acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(a, _mm512_set1_ps(x->d[xi])), acc[r]);
                accm[r] = _mm512_fmadd_ps(m, _mm512_set1_ps(x->dsum[xi]), accm[r]);
            }
        }
    }
    for (int r = 0; r < NB; r++) {
        _mm512_mask_storeu_ps(out + r * ldo, mask, _mm512_sub_ps(acc[r], accm[r]));
    }
}

INLINE void tile_q6k(const int NB, const uint8_t *gp, int64_t sblocks, const struct mosaic_act *x, int64_t r0,
                     float *out, int64_t ldo, __mmask16 mask) {
    const __m512i low4 = _mm512_set1_epi8(15), low2 = _mm512_set1_epi8(3);
    const int64_t cols = x->cols, blocks = x->blocks;
    __m512 acc[TILE_ROWS];
    for (int r = 0; r < NB; r++) {
        acc[r] = _mm512_setzero_ps();
    }
    for (int64_t sb = 0; sb < sblocks; sb++) {
        const uint8_t *p = gp + sb * PACK_Q6_K_BYTES;
        const __m512 dv = load_f16x16(p);
        for (int n = 0; n < 2; n++) {
            for (int q = 0; q < 4; q++) {
                prefetch_ahead(p + 448 * (4 * n + q), 7); /* 8 x 7 lines cover the 3360 bytes */
                const uint8_t *scp = p + PACK_Q6_K_SC + 16 * (8 * n + 2 * q);
                const __m512i sc0 = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)scp));
                const __m512i sc1 = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(scp + 16)));
                const uint8_t *ql = p + ((q & 1) ? PACK_Q6_K_B(n, 0) : PACK_Q6_K_A(n, 0));
                const int64_t ql_step = (q & 1) ? 64 : 128;
                const uint8_t *qh = p + PACK_Q6_K_H(n, 0);
                __m512i w[8];
                for (int t = 0; t < 8; t++) {
                    const __m512i lo = _mm512_loadu_si512(ql + ql_step * t), hi = _mm512_loadu_si512(qh + 128 * t);
                    const __m512i l4 = _mm512_and_si512(q < 2 ? lo : _mm512_srli_epi16(lo, 4), low4);
                    const __m512i h2 = _mm512_and_si512(_mm512_srli_epi16(hi, 2 * q), low2);
                    w[t] = _mm512_or_si512(l4, _mm512_slli_epi16(h2, 4));
                }
                for (int r = 0; r < NB; r++) {
                    const int64_t xi = (r0 + r) * blocks + 8 * sb + 4 * n + q;
                    const int8_t *xq = x->q + (r0 + r) * cols + 256 * sb + 128 * n + 32 * q;
                    const __m512i z = _mm512_setzero_si512();
                    __m512i h0 = _mm512_dpbusd_epi32(z, w[0], bcast4(xq));
                    __m512i h1 = _mm512_dpbusd_epi32(z, w[4], bcast4(xq + 16));
                    h0 = _mm512_dpbusd_epi32(h0, w[1], bcast4(xq + 4));
                    h1 = _mm512_dpbusd_epi32(h1, w[5], bcast4(xq + 20));
                    h0 = _mm512_dpbusd_epi32(h0, w[2], bcast4(xq + 8));
                    h1 = _mm512_dpbusd_epi32(h1, w[6], bcast4(xq + 24));
                    h0 = _mm512_dpbusd_epi32(h0, w[3], bcast4(xq + 12));
                    h1 = _mm512_dpbusd_epi32(h1, w[7], bcast4(xq + 28));
                    h0 = _mm512_mullo_epi32(_mm512_sub_epi32(h0, _mm512_set1_epi32(32 * x->sum16[2 * xi])), sc0);
                    h1 = _mm512_mullo_epi32(_mm512_sub_epi32(h1, _mm512_set1_epi32(32 * x->sum16[2 * xi + 1])), sc1);
                    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(h0, h1)),
                                             _mm512_mul_ps(dv, _mm512_set1_ps(x->d[xi])), acc[r]);
                }
            }
        }
    }
    for (int r = 0; r < NB; r++) {
        _mm512_mask_storeu_ps(out + r * ldo, mask, acc[r]);
    }
}

#define TILE_SWITCH(CALL)                                                                                          \
    switch (nb) {                                                                                                  \
    case 1: CALL(1); break;                                                                                        \
    case 2: CALL(2); break;                                                                                        \
    case 3: CALL(3); break;                                                                                        \
    case 4: CALL(4); break;                                                                                        \
    case 5: CALL(5); break;                                                                                        \
    case 6: CALL(6); break;                                                                                        \
    case 7: CALL(7); break;                                                                                        \
    default: CALL(8); break;                                                                                       \
    }

void mosaic_packed_groups_avx512(int32_t type, const uint8_t *packed, int64_t w_rows, int64_t cols,
                                 const struct mosaic_act *x, int64_t rows, float *out, int64_t g_begin, int64_t g_end) {
    const int64_t bc = mosaic_pack_block_cols(type), blocks = cols / bc, bb = mosaic_pack_block_bytes(type);
    for (int64_t g = g_begin; g < g_end; g++) {
        const uint8_t *gp = packed + g * blocks * bb;
        const int64_t left = w_rows - g * PACK_ROWS;
        const __mmask16 mask = left >= PACK_ROWS ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        for (int64_t r0 = 0; r0 < rows; r0 += TILE_ROWS) {
            const int nb = rows - r0 < TILE_ROWS ? (int)(rows - r0) : TILE_ROWS;
            float *o = out + r0 * w_rows + g * PACK_ROWS;
#define Q8(N) tile_q(MOSAIC_TYPE_Q8_0, N, gp, blocks, x, r0, o, w_rows, mask)
#define Q4(N) tile_q(MOSAIC_TYPE_Q4_0, N, gp, blocks, x, r0, o, w_rows, mask)
#define Q4K(N) tile_q4k(N, gp, blocks, x, r0, o, w_rows, mask)
#define Q6K(N) tile_q6k(N, gp, blocks, x, r0, o, w_rows, mask)
            switch (type) {
            case MOSAIC_TYPE_Q8_0: TILE_SWITCH(Q8); break;
            case MOSAIC_TYPE_Q4_0: TILE_SWITCH(Q4); break;
            case MOSAIC_TYPE_Q4_K: TILE_SWITCH(Q4K); break;
            default: TILE_SWITCH(Q6K); break;
            }
#undef Q8
#undef Q4
#undef Q4K
#undef Q6K
        }
    }
}

/* The portable quantiser's float operations (matmul_int8.c), 16 lanes at a time, plus the sums. */
void mosaic_quantize_act_avx512(const float *x, const struct mosaic_act *xa, int64_t r_begin, int64_t r_end) {
    for (int64_t r = r_begin; r < r_end; r++) {
        for (int64_t b = 0; b < xa->blocks; b++) {
            const float *xb = x + r * xa->cols + 32 * b;
            const int64_t i0 = r * xa->blocks + b;
            const __m512 x0 = _mm512_loadu_ps(xb), x1 = _mm512_loadu_ps(xb + 16);
            const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
            const float d = amax / 127;
            const __m512 id = _mm512_set1_ps(d != 0 ? 1.0f / d : 0.0f);
            int32_t s[2];
            for (int h = 0; h < 2; h++) {
                const __m512 v = _mm512_mul_ps(h ? x1 : x0, id);
                __m512i i = _mm512_cvttps_epi32(v);
                const __m512 frac = _mm512_sub_ps(v, _mm512_cvtepi32_ps(i));
                i = _mm512_mask_add_epi32(i, _mm512_cmp_ps_mask(frac, _mm512_set1_ps(0.5f), _CMP_GE_OQ), i, _mm512_set1_epi32(1));
                i = _mm512_mask_sub_epi32(i, _mm512_cmp_ps_mask(frac, _mm512_set1_ps(-0.5f), _CMP_LE_OQ), i, _mm512_set1_epi32(1));
                const __mmask16 in_range = _mm512_cmp_ps_mask(v, _mm512_set1_ps(-127.5f), _CMP_GT_OQ)
                                         & _mm512_cmp_ps_mask(v, _mm512_set1_ps(127.5f), _CMP_LT_OQ);
                i = _mm512_maskz_mov_epi32(in_range, i); /* 0 for NaN, as the scalar quantiser */
                _mm_storeu_si128((__m128i *)(xa->q + r * xa->cols + 32 * b + 16 * h), _mm512_cvtepi32_epi8(i));
                s[h] = _mm512_reduce_add_epi32(i);
            }
            xa->d[i0] = d;
            xa->sum16[2 * i0] = s[0];
            xa->sum16[2 * i0 + 1] = s[1];
            xa->sum[i0] = s[0] + s[1];
            xa->dsum[i0] = d * (float)(s[0] + s[1]);
        }
    }
}
