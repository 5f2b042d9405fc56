/*
 * matmul_avx2.c - AVX2 variant of matmul (compiled with -mavx2 -mfma -mf16c; only called when
 * cpu.c found those features at run time). Same scheme as matmul_avx512.c with 8-wide vectors:
 * weights of every type are dequantised in registers and multiplied into a tile of up to 4
 * activation rows (16 ymm registers hold 8 accumulators plus the weights); F32/F16/BF16 weights
 * use register-blocked tiles of several weight rows x several activation rows (ftile, below).
 */
#include <immintrin.h>

#include "internal.h"
#include "kquants.h"

#define TILE_ROWS 4
#define OUT_BLOCK 32
#define INLINE static inline __attribute__((always_inline))

INLINE __m256 load8(const int type, const uint8_t *row, int64_t k) {
    if (type == MOSAIC_TYPE_F32) {
        return _mm256_loadu_ps((const float *)row + k);
    }
    __m128i h = _mm_loadu_si128((const __m128i *)(row + 2 * k));
    if (type == MOSAIC_TYPE_F16) {
        return _mm256_cvtph_ps(h);
    }
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/* 16 dequantised weights of half `half` (0 or 1) of a 32-element Q8_0/Q4_0 block. */
INLINE void load_block_half(const int type, const uint8_t *blk, int half, __m256 *w0, __m256 *w1) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(mosaic_load_u16(blk)));
    __m256i a, b;
    if (type == MOSAIC_TYPE_Q8_0) {
        const uint8_t *q = blk + 2 + 16 * half;
        a = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)q));
        b = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(q + 8)));
    } else {
        const uint8_t *q = blk + 2;
        a = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)q));
        b = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q + 8)));
        if (half == 0) {
            a = _mm256_and_si256(a, _mm256_set1_epi32(0xf));
            b = _mm256_and_si256(b, _mm256_set1_epi32(0xf));
        } else {
            a = _mm256_srli_epi32(a, 4);
            b = _mm256_srli_epi32(b, 4);
        }
        a = _mm256_sub_epi32(a, _mm256_set1_epi32(8));
        b = _mm256_sub_epi32(b, _mm256_set1_epi32(8));
    }
    *w0 = _mm256_mul_ps(_mm256_cvtepi32_ps(a), d);
    *w1 = _mm256_mul_ps(_mm256_cvtepi32_ps(b), d);
}

INLINE float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

INLINE void tile(const int type, const int NB, const uint8_t *row, int64_t cols, const float *x, float *out,
                 int64_t ldo) {
    __m256 acc0[TILE_ROWS], acc1[TILE_ROWS];
    for (int r = 0; r < NB; r++) {
        acc0[r] = _mm256_setzero_ps();
        acc1[r] = _mm256_setzero_ps();
    }
    float tail[TILE_ROWS] = {0};
    if (type == MOSAIC_TYPE_Q8_0 || type == MOSAIC_TYPE_Q4_0) {
        const int64_t bb = type == MOSAIC_TYPE_Q8_0 ? 34 : 18;
        const int64_t blocks = cols / 32;
        for (int64_t b = 0; b < blocks; b++) {
            const uint8_t *blk = row + b * bb;
            for (int half = 0; half < 2; half++) {
                __m256 w0, w1;
                load_block_half(type, blk, half, &w0, &w1);
                const float *xk = x + b * 32 + half * 16;
                for (int r = 0; r < NB; r++) {
                    acc0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xk + r * cols), acc0[r]);
                    acc1[r] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xk + r * cols + 8), acc1[r]);
                }
            }
        }
    } else if (type == MOSAIC_TYPE_Q4_K) {
        const __m256i low4 = _mm256_set1_epi32(0xf);
        for (int64_t b = 0; b < cols / 256; b++) {
            const uint8_t *blk = row + b * 144;
            const float d = _cvtsh_ss(mosaic_load_u16(blk));
            const float dmin = _cvtsh_ss(mosaic_load_u16(blk + 2));
            for (int c = 0; c < 4; c++) {
                uint8_t sc, m;
                q4k_scale_min(2 * c, blk + 4, &sc, &m);
                const __m256 d1 = _mm256_set1_ps(d * sc), m1 = _mm256_set1_ps(dmin * m);
                q4k_scale_min(2 * c + 1, blk + 4, &sc, &m);
                const __m256 d2 = _mm256_set1_ps(d * sc), m2 = _mm256_set1_ps(dmin * m);
                const uint8_t *q = blk + 16 + 32 * c;
                const float *xc = x + b * 256 + c * 64;
                for (int e = 0; e < 32; e += 8) {
                    /* bytes e..e+7: low nibbles are weights e.., high nibbles weights 32+e.. */
                    const __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q + e)));
                    const __m256 w_lo = _mm256_fmsub_ps(_mm256_cvtepi32_ps(_mm256_and_si256(v, low4)), d1, m1);
                    const __m256 w_hi = _mm256_fmsub_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(v, 4)), d2, m2);
                    for (int r = 0; r < NB; r++) {
                        acc0[r] = _mm256_fmadd_ps(w_lo, _mm256_loadu_ps(xc + r * cols + e), acc0[r]);
                        acc1[r] = _mm256_fmadd_ps(w_hi, _mm256_loadu_ps(xc + r * cols + 32 + e), acc1[r]);
                    }
                }
            }
        }
    } else if (type == MOSAIC_TYPE_Q6_K) {
        /* 8 lanes over l of ggml's dequantize_row_q6_K loop: four 8-weight vectors per step */
        const __m256i low4 = _mm256_set1_epi32(0xf), low2 = _mm256_set1_epi32(3), bias = _mm256_set1_epi32(32);
        for (int64_t b = 0; b < cols / 256; b++) {
            const uint8_t *blk = row + b * 210;
            const int8_t *scales = (const int8_t *)(blk + 192);
            const float d = _cvtsh_ss(mosaic_load_u16(blk + 208));
            for (int n = 0; n < 2; n++) {
                const uint8_t *ql = blk + 64 * n;
                const uint8_t *qh = blk + 128 + 32 * n;
                const int8_t *sc = scales + 8 * n;
                const float *xn = x + b * 256 + 128 * n;
                for (int l = 0; l < 32; l += 8) {
                    const int g = l / 16;
                    const __m256i A = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(ql + l)));
                    const __m256i B = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(ql + 32 + l)));
                    const __m256i H = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(qh + l)));
                    const __m256i q1 = _mm256_or_si256(_mm256_and_si256(A, low4), _mm256_slli_epi32(_mm256_and_si256(H, low2), 4));
                    const __m256i q2 = _mm256_or_si256(_mm256_and_si256(B, low4),
                                                       _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(H, 2), low2), 4));
                    const __m256i q3 = _mm256_or_si256(_mm256_srli_epi32(A, 4),
                                                       _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(H, 4), low2), 4));
                    const __m256i q4 = _mm256_or_si256(_mm256_srli_epi32(B, 4), _mm256_slli_epi32(_mm256_srli_epi32(H, 6), 4));
                    const __m256 w1 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q1, bias)), _mm256_set1_ps(d * sc[g]));
                    const __m256 w2 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q2, bias)), _mm256_set1_ps(d * sc[g + 2]));
                    const __m256 w3 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q3, bias)), _mm256_set1_ps(d * sc[g + 4]));
                    const __m256 w4 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q4, bias)), _mm256_set1_ps(d * sc[g + 6]));
                    for (int r = 0; r < NB; r++) {
                        const float *xr = xn + r * cols + l;
                        acc0[r] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xr), acc0[r]);
                        acc1[r] = _mm256_fmadd_ps(w2, _mm256_loadu_ps(xr + 32), acc1[r]);
                        acc0[r] = _mm256_fmadd_ps(w3, _mm256_loadu_ps(xr + 64), acc0[r]);
                        acc1[r] = _mm256_fmadd_ps(w4, _mm256_loadu_ps(xr + 96), acc1[r]);
                    }
                }
            }
        }
    }
    for (int r = 0; r < NB; r++) {
        out[r * ldo] = hsum(_mm256_add_ps(acc0[r], acc1[r])) + tail[r];
    }
}

#define TILE_SWITCH(T)                                                                                              \
    switch (nb) {                                                                                                   \
    case 1: tile(T, 1, row, cols, xr, orow, w_rows); break;                                                         \
    case 2: tile(T, 2, row, cols, xr, orow, w_rows); break;                                                         \
    case 3: tile(T, 3, row, cols, xr, orow, w_rows); break;                                                         \
    default: tile(T, 4, row, cols, xr, orow, w_rows); break;                                                        \
    }

struct matmul_args {
    int32_t type;
    const void *w;
    int64_t w_rows, cols;
    const float *x;
    int64_t rows;
    float *out;
};

/* Output-row blocks [ob_begin, ob_end). */
static void matmul_range(void *p, int64_t ob_begin, int64_t ob_end) {
    const struct matmul_args *a = p;
    const int32_t type = a->type;
    const int64_t w_rows = a->w_rows, cols = a->cols, rows = a->rows;
    const int64_t row_bytes = mosaic_row_bytes(type, cols);
    for (int64_t ob = ob_begin; ob < ob_end; ob++) {
        const int64_t o_end = (ob + 1) * OUT_BLOCK < w_rows ? (ob + 1) * OUT_BLOCK : w_rows;
        for (int64_t r0 = 0; r0 < rows; r0 += TILE_ROWS) {
            const int nb = rows - r0 < TILE_ROWS ? (int)(rows - r0) : TILE_ROWS;
            const float *xr = a->x + r0 * cols;
            for (int64_t o = ob * OUT_BLOCK; o < o_end; o++) {
                const uint8_t *row = (const uint8_t *)a->w + o * row_bytes;
                float *orow = a->out + r0 * w_rows + o;
                switch (type) {
                case MOSAIC_TYPE_Q8_0: TILE_SWITCH(MOSAIC_TYPE_Q8_0); break;
                case MOSAIC_TYPE_Q4_0: TILE_SWITCH(MOSAIC_TYPE_Q4_0); break;
                case MOSAIC_TYPE_Q4_K: TILE_SWITCH(MOSAIC_TYPE_Q4_K); break;
                default: TILE_SWITCH(MOSAIC_TYPE_Q6_K); break;
                }
            }
        }
    }
}

/*
 * F32, F16 and BF16 weights: register-blocked tiles of NO weight rows x NB activation rows, one
 * accumulator per (output, activation row) pair, as in matmul_avx512.c: 3 x 4 (12 accumulators,
 * 3 weights and 1 activation vector fill the 16 ymm registers), 4 x 1-2 for decode. Every dot
 * product is the same sequence whatever the tile shape: acc = 0; acc = fma(w[k, k+8), x[k, k+8),
 * acc) for k = 0, 8, ...; the last partial step from zero-padded copies; then hsum. So a row's
 * results do not depend on its batch, its place in a tile or the thread split. The first
 * activation tile of a block prefetches the next tile's weight rows.
 */
#define FT_NO 3      /* weight rows per tile for 3-4 activation rows */
#define FT_NO_WIDE 4 /* weight rows per tile for 1-2 activation rows */
#define FT_NB 4      /* activation rows per tile */
#define FT_OUT_BLOCK 24

INLINE void ftile(const int type, const int NO, const int NB, const uint8_t *w, int64_t row_bytes, int64_t cols,
                  const float *x, float *out, int64_t ldo, int pf) {
    __m256 acc[FT_NO_WIDE][FT_NB];
    for (int o = 0; o < NO; o++) {
        for (int r = 0; r < NB; r++) {
            acc[o][r] = _mm256_setzero_ps();
        }
    }
    const int64_t esize = type == MOSAIC_TYPE_F32 ? 4 : 2;
    int64_t k = 0;
    for (; k + 8 <= cols; k += 8) {
        if (pf && ((esize * k) & 63) == 0) {
            for (int o = 0; o < NO; o++) {
                _mm_prefetch((const char *)w + (NO + o) * row_bytes + esize * k, _MM_HINT_T0);
            }
        }
        __m256 wv[FT_NO_WIDE];
        for (int o = 0; o < NO; o++) {
            wv[o] = load8(type, w + o * row_bytes, k);
        }
        for (int r = 0; r < NB; r++) {
            const __m256 xv = _mm256_loadu_ps(x + r * cols + k);
            for (int o = 0; o < NO; o++) {
                acc[o][r] = _mm256_fmadd_ps(wv[o], xv, acc[o][r]);
            }
        }
    }
    if (k < cols) {
        float buf[8];
        __m256 wv[FT_NO_WIDE];
        for (int o = 0; o < NO; o++) {
            for (int j = 0; j < 8; j++) {
                buf[j] = k + j < cols ? mosaic_float_elem(type, w + o * row_bytes, k + j) : 0.0f;
            }
            wv[o] = _mm256_loadu_ps(buf);
        }
        for (int r = 0; r < NB; r++) {
            for (int j = 0; j < 8; j++) {
                buf[j] = k + j < cols ? x[r * cols + k + j] : 0.0f;
            }
            const __m256 xv = _mm256_loadu_ps(buf);
            for (int o = 0; o < NO; o++) {
                acc[o][r] = _mm256_fmadd_ps(wv[o], xv, acc[o][r]);
            }
        }
    }
    for (int o = 0; o < NO; o++) {
        for (int r = 0; r < NB; r++) {
            out[r * ldo + o] = hsum(acc[o][r]);
        }
    }
}

/* One instantiation per (type, NO, NB), keyed NO * 8 + NB. */
#define FTILE_SWITCH(T)                                                                                             \
    switch (no * 8 + nb) {                                                                                          \
    case 9: ftile(T, 1, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 17: ftile(T, 2, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 25: ftile(T, 3, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 33: ftile(T, 4, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 10: ftile(T, 1, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 18: ftile(T, 2, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 26: ftile(T, 3, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 34: ftile(T, 4, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 11: ftile(T, 1, 3, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 19: ftile(T, 2, 3, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 27: ftile(T, 3, 3, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 12: ftile(T, 1, 4, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 20: ftile(T, 2, 4, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 28: ftile(T, 3, 4, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    default: break;                                                                                                 \
    }

static void float_range(void *p, int64_t ob_begin, int64_t ob_end) {
    const struct matmul_args *a = p;
    const int32_t type = a->type;
    const int64_t w_rows = a->w_rows, cols = a->cols, rows = a->rows;
    const int64_t row_bytes = mosaic_row_bytes(type, cols);
    for (int64_t ob = ob_begin; ob < ob_end; ob++) {
        const int64_t o_end = (ob + 1) * FT_OUT_BLOCK < w_rows ? (ob + 1) * FT_OUT_BLOCK : w_rows;
        for (int64_t r0 = 0; r0 < rows; r0 += FT_NB) {
            const int nb = rows - r0 < FT_NB ? (int)(rows - r0) : FT_NB;
            const int wide = nb <= 2 ? FT_NO_WIDE : FT_NO;
            const int pf = r0 == 0;
            const float *xr = a->x + r0 * cols;
            for (int64_t o = ob * FT_OUT_BLOCK; o < o_end; o += wide) {
                const int no = o_end - o < wide ? (int)(o_end - o) : wide;
                const uint8_t *wr = (const uint8_t *)a->w + o * row_bytes;
                float *orow = a->out + r0 * w_rows + o;
                switch (type) {
                case MOSAIC_TYPE_F32: FTILE_SWITCH(MOSAIC_TYPE_F32); break;
                case MOSAIC_TYPE_F16: FTILE_SWITCH(MOSAIC_TYPE_F16); break;
                default: FTILE_SWITCH(MOSAIC_TYPE_BF16); break;
                }
            }
        }
    }
}

void mosaic_matmul_avx2(int32_t type, const void *w, int64_t w_rows, int64_t cols, const float *x, int64_t rows,
                        float *out, int32_t threads) {
    struct matmul_args a = {type, w, w_rows, cols, x, rows, out};
    if (type == MOSAIC_TYPE_F32 || type == MOSAIC_TYPE_F16 || type == MOSAIC_TYPE_BF16) {
        mosaic_parallel_for((w_rows + FT_OUT_BLOCK - 1) / FT_OUT_BLOCK, 1, threads, float_range, &a);
        return;
    }
    mosaic_parallel_for((w_rows + OUT_BLOCK - 1) / OUT_BLOCK, 1, threads, matmul_range, &a);
}

float mosaic_dot_f32_avx2(const float *a, const float *b, int64_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    float tail = 0;
    for (; i < n; i++) {
        tail += a[i] * b[i];
    }
    return hsum(_mm256_add_ps(acc0, acc1)) + tail;
}

void mosaic_scale_axpy_avx2(float *y, float s, float a, const float *x, int64_t n) {
    const __m256 vs = _mm256_set1_ps(s), va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_mul_ps(_mm256_loadu_ps(y + i), vs)));
    }
    for (; i < n; i++) {
        y[i] = y[i] * s + a * x[i];
    }
}
