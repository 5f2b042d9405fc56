/*
 * matmul_packed_avx2.c - AVX2 kernels over the packed weight layouts of packed.h (compiled with
 * -mavx2 -mfma -mf16c; also used on AVX-512 CPUs without VNNI).
 *
 * A 64-byte chunk is two 256-bit halves (rows 0-7, rows 8-15); each half is a pass of its own
 * over the group's blocks, with 8 row lanes. Without vpdpbusd, u8 x s8 products go through
 * vpmaddubsw (pairs to int16) and vpmaddwd against ones (to int32). vpmaddubsw saturates, which
 * the 4- and 6-bit quants (at most 63 * 127 * 2 < 32767) never reach; Q8_0's stored w + 128 could,
 * so it multiplies |w| by x carrying w's sign instead (at most 128 * 127 * 2), exactly as ggml's
 * AVX2 kernels do, and needs no offset correction.
 */
#include <immintrin.h>

#include "packed.h"

#define TILE_ROWS 4
#define INLINE static inline __attribute__((always_inline))

INLINE __m256i bcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

INLINE __m256i mul4(const int type, __m256i w, __m256i x) {
    const __m256i ones = _mm256_set1_epi16(1);
    if (type == MOSAIC_TYPE_Q8_0) {
        const __m256i ws = _mm256_xor_si256(w, _mm256_set1_epi8((char)0x80));
        return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(ws), _mm256_sign_epi8(x, ws)), ones);
    }
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), ones);
}

/* Integer dot of N column groups w[0..N) with 4 N activation bytes at xq. */
INLINE __m256i dotn(const int type, const int N, const __m256i *w, const int8_t *xq) {
    __m256i s0 = mul4(type, w[0], bcast4(xq));
    __m256i s1 = mul4(type, w[1], bcast4(xq + 4));
    for (int t = 2; t < N; t += 2) {
        s0 = _mm256_add_epi32(s0, mul4(type, w[t], bcast4(xq + 4 * t)));
        s1 = _mm256_add_epi32(s1, mul4(type, w[t + 1], bcast4(xq + 4 * t + 4)));
    }
    return _mm256_add_epi32(s0, s1);
}

/* Software prefetch of the weight stream PACK_PREFETCH bytes ahead, n cache lines from
 * p + PACK_PREFETCH; only in the first half's pass (the second re-reads the group from cache). */
INLINE void prefetch_ahead(const uint8_t *p, int n, int half) {
    if (half == 0) {
        for (int i = 0; i < n; i++) {
            _mm_prefetch((const char *)(p + PACK_PREFETCH + 64 * i), _MM_HINT_T0);
        }
    }
}

INLINE __m256 load_f16x8(const uint8_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

INLINE __m256 load_u8x8_ps(const uint8_t *p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}

INLINE __m256i load_half(const uint8_t *chunk, int half) { return _mm256_loadu_si256((const __m256i *)(chunk + 32 * half)); }

/* One half (8 weight rows) of a group against activation rows r0 .. r0+NB; out[r][0..8). */
INLINE void tile(const int type, const int NB, const uint8_t *gp, int64_t blocks, const struct mosaic_act *x,
                 int64_t r0, int half, float out[TILE_ROWS][8]) {
    const __m256i low4 = _mm256_set1_epi8(15), low2 = _mm256_set1_epi8(3);
    const int64_t cols = x->cols, xblocks = x->blocks, bb = mosaic_pack_block_bytes(type);
    __m256 acc[TILE_ROWS], accm[TILE_ROWS];
    for (int r = 0; r < NB; r++) {
        acc[r] = _mm256_setzero_ps();
        accm[r] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *p = gp + b * bb;
        const __m256 dv = load_f16x8(p + 16 * half);
        if (type == MOSAIC_TYPE_Q8_0 || type == MOSAIC_TYPE_Q4_0) {
            prefetch_ahead(p, type == MOSAIC_TYPE_Q8_0 ? 9 : 5, half); /* 576 / 320 bytes for 544 / 288 */
            __m256i w[8];
            for (int h = 0; h < 4; h++) {
                if (type == MOSAIC_TYPE_Q8_0) {
                    w[h] = load_half(p + 32 + 64 * h, half);
                    w[h + 4] = load_half(p + 32 + 64 * (h + 4), half);
                } else {
                    const __m256i v = load_half(p + 32 + 64 * h, half);
                    w[h] = _mm256_and_si256(v, low4);
                    w[h + 4] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
                }
            }
            for (int r = 0; r < NB; r++) {
                const int64_t xi = (r0 + r) * xblocks + b;
                __m256i isum = dotn(type, 8, w, x->q + (r0 + r) * cols + 32 * b);
                if (type == MOSAIC_TYPE_Q4_0) {
                    isum = _mm256_sub_epi32(isum, _mm256_set1_epi32(8 * x->sum[xi]));
                }
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dv, _mm256_set1_ps(x->d[xi])), acc[r]);
            }
        } else if (type == MOSAIC_TYPE_Q4_K) {
            const __m256 dmv = load_f16x8(p + PACK_Q4_K_DMIN + 16 * half);
            for (int j = 0; j < 8; j++) {
                const __m256 a = _mm256_mul_ps(dv, load_u8x8_ps(p + PACK_Q4_K_SC + 16 * j + 8 * half));
                const __m256 m = _mm256_mul_ps(dmv, load_u8x8_ps(p + PACK_Q4_K_M + 16 * j + 8 * half));
                __m256i w[8];
                const uint8_t *qs = p + PACK_Q4_K_QS + 64 * 8 * (j / 2);
                if (!(j & 1)) {
                    prefetch_ahead(p + 576 * (j / 2), j == 6 ? 10 : 9, half); /* 37 lines per super-block */
                }
                for (int t = 0; t < 8; t++) {
                    const __m256i v = load_half(qs + 64 * t, half);
                    w[t] = _mm256_and_si256((j & 1) ? _mm256_srli_epi16(v, 4) : v, low4);
                }
                for (int r = 0; r < NB; r++) {
                    const int64_t xi = (r0 + r) * xblocks + 8 * b + j;
                    const __m256i isum = dotn(type, 8, w, x->q + (r0 + r) * cols + 256 * b + 32 * j);
                    acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(a, _mm256_set1_ps(x->d[xi])), acc[r]);
                    accm[r] = _mm256_fmadd_ps(m, _mm256_set1_ps(x->dsum[xi]), accm[r]);
                }
            }
        } else {
            for (int n = 0; n < 2; n++) {
                for (int q = 0; q < 4; q++) {
                    prefetch_ahead(p + 448 * (4 * n + q), 7, half); /* 8 x 7 lines cover the 3360 bytes */
                    const uint8_t *scp = p + PACK_Q6_K_SC + 16 * (8 * n + 2 * q) + 8 * half;
                    const __m256i sc0 = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)scp));
                    const __m256i sc1 = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(scp + 16)));
                    const uint8_t *ql = p + ((q & 1) ? PACK_Q6_K_B(n, 0) : PACK_Q6_K_A(n, 0));
                    const int64_t ql_step = (q & 1) ? 64 : 128;
                    const uint8_t *qh = p + PACK_Q6_K_H(n, 0);
                    __m256i w[8];
                    for (int t = 0; t < 8; t++) {
                        const __m256i lo = load_half(ql + ql_step * t, half), hi = load_half(qh + 128 * t, half);
                        const __m256i l4 = _mm256_and_si256(q < 2 ? lo : _mm256_srli_epi16(lo, 4), low4);
                        const __m256i h2 = _mm256_and_si256(_mm256_srli_epi16(hi, 2 * q), low2);
                        w[t] = _mm256_or_si256(l4, _mm256_slli_epi16(h2, 4));
                    }
                    for (int r = 0; r < NB; r++) {
                        const int64_t xi = (r0 + r) * xblocks + 8 * b + 4 * n + q;
                        const int8_t *xq = x->q + (r0 + r) * cols + 256 * b + 128 * n + 32 * q;
                        __m256i h0 = dotn(type, 4, w, xq), h1 = dotn(type, 4, w + 4, xq + 16);
                        h0 = _mm256_mullo_epi32(_mm256_sub_epi32(h0, _mm256_set1_epi32(32 * x->sum16[2 * xi])), sc0);
                        h1 = _mm256_mullo_epi32(_mm256_sub_epi32(h1, _mm256_set1_epi32(32 * x->sum16[2 * xi + 1])), sc1);
                        acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(h0, h1)),
                                                 _mm256_mul_ps(dv, _mm256_set1_ps(x->d[xi])), acc[r]);
                    }
                }
            }
        }
    }
    for (int r = 0; r < NB; r++) {
        _mm256_storeu_ps(out[r], type == MOSAIC_TYPE_Q4_K ? _mm256_sub_ps(acc[r], accm[r]) : acc[r]);
    }
}

#define TILE_SWITCH(T)                                                                                             \
    switch (nb) {                                                                                                  \
    case 1: tile(T, 1, gp, blocks, x, r0, half, tmp); break;                                                       \
    case 2: tile(T, 2, gp, blocks, x, r0, half, tmp); break;                                                       \
    case 3: tile(T, 3, gp, blocks, x, r0, half, tmp); break;                                                       \
    default: tile(T, 4, gp, blocks, x, r0, half, tmp); break;                                                      \
    }

void mosaic_packed_groups_avx2(int32_t type, const uint8_t *packed, int64_t w_rows, int64_t cols,
                               const struct mosaic_act *x, int64_t rows, float *out, int64_t g_begin, int64_t g_end) {
    const int64_t bc = mosaic_pack_block_cols(type), blocks = cols / bc, bb = mosaic_pack_block_bytes(type);
    float tmp[TILE_ROWS][8];
    for (int64_t g = g_begin; g < g_end; g++) {
        const uint8_t *gp = packed + g * blocks * bb;
        for (int half = 0; half < 2; half++) {
            const int64_t first = g * PACK_ROWS + 8 * half;
            if (first >= w_rows) {
                break;
            }
            const int64_t n_out = w_rows - first < 8 ? w_rows - first : 8;
            for (int64_t r0 = 0; r0 < rows; r0 += TILE_ROWS) {
                const int nb = rows - r0 < TILE_ROWS ? (int)(rows - r0) : TILE_ROWS;
                switch (type) {
                case MOSAIC_TYPE_Q8_0: TILE_SWITCH(MOSAIC_TYPE_Q8_0); break;
                case MOSAIC_TYPE_Q4_0: TILE_SWITCH(MOSAIC_TYPE_Q4_0); break;
                case MOSAIC_TYPE_Q4_K: TILE_SWITCH(MOSAIC_TYPE_Q4_K); break;
                default: TILE_SWITCH(MOSAIC_TYPE_Q6_K); break;
                }
                for (int r = 0; r < nb; r++) {
                    memcpy(out + (r0 + r) * w_rows + first, tmp[r], (size_t)n_out * sizeof(float));
                }
            }
        }
    }
}
