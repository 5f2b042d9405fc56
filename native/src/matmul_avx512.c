/*
 * matmul_avx512.c - AVX-512 variant of matmul (compiled with -mavx512f -mavx512bw -mavx512vl
 * -mfma -mf16c; only called when cpu.c found those features at run time).
 *
 * Weights of every type are dequantised in registers, 32 at a time (Q4_0 and Q4_K through a
 * 16-entry table and a permute), and each dequantised vector is multiplied into a tile of up to 8
 * activation rows, so a weight row is read once per tile. Output rows are processed in blocks of
 * OUT_BLOCK so that, for prefill-sized batches, the block's weights stay in L2 while all
 * activation tiles pass over them. F32/F16/BF16 weights use register-blocked tiles of several
 * weight rows x several activation rows instead (ftile, below).
 */
#include <immintrin.h>

#include "internal.h"
#include "floatvec_avx512.h"
#include "kquants.h"

#define TILE_ROWS 8
#define OUT_BLOCK 32
#define INLINE static inline __attribute__((always_inline))

/* out[r * ldo] = dot(row, x[r]) for r < NB; x rows are cols floats apart. */
INLINE void tile(const int type, const int NB, const uint8_t *row, int64_t cols, const float *x, float *out,
                 int64_t ldo) {
    __m512 acc0[TILE_ROWS], acc1[TILE_ROWS];
    for (int r = 0; r < NB; r++) {
        acc0[r] = _mm512_setzero_ps();
        acc1[r] = _mm512_setzero_ps();
    }
    if (type == MOSAIC_TYPE_Q8_0 || type == MOSAIC_TYPE_Q4_0) {
        const int64_t bb = type == MOSAIC_TYPE_Q8_0 ? 34 : 18;
        const int64_t blocks = cols / 32;
        /* Q4_0 nibble n means n - 8: a permute through this table converts 16 nibbles at once */
        const __m512 q4_values = _mm512_setr_ps(-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7);
        for (int64_t b = 0; b < blocks; b++) {
            const uint8_t *blk = row + b * bb;
            const __m512 d = _mm512_set1_ps(_cvtsh_ss(mosaic_load_u16(blk)));
            const float *xk = x + b * 32;
            __m512 w0, w1;
            if (type == MOSAIC_TYPE_Q8_0) {
                w0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(blk + 2))));
                w1 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(blk + 18))));
            } else {
                const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(blk + 2)));
                const __m512 table = NB == 1 ? q4_values : _mm512_mul_ps(q4_values, d);
                w0 = _mm512_permutexvar_ps(_mm512_and_si512(v, _mm512_set1_epi32(0xf)), table);
                w1 = _mm512_permutexvar_ps(_mm512_srli_epi32(v, 4), table);
            }
            if (NB == 1) {
                /* one row: scale the block's partial dot product instead of the weights */
                __m512 t = _mm512_mul_ps(w0, _mm512_loadu_ps(xk));
                t = _mm512_fmadd_ps(w1, _mm512_loadu_ps(xk + 16), t);
                if (b & 1) {
                    acc1[0] = _mm512_fmadd_ps(d, t, acc1[0]);
                } else {
                    acc0[0] = _mm512_fmadd_ps(d, t, acc0[0]);
                }
                continue;
            }
            if (type == MOSAIC_TYPE_Q8_0) {
                w0 = _mm512_mul_ps(w0, d);
                w1 = _mm512_mul_ps(w1, d);
            }
            for (int r = 0; r < NB; r++) {
                acc0[r] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(xk + r * cols), acc0[r]);
                acc1[r] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(xk + r * cols + 16), acc1[r]);
            }
        }
    } else if (type == MOSAIC_TYPE_Q4_K) {
        /* each 32-element sub-block maps nibble q to d*sc*q - dmin*m: a 16-entry table in one
         * register, so a permute turns 16 nibbles into 16 weights */
        const __m512 iota = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512i low4 = _mm512_set1_epi32(0xf);
        for (int64_t b = 0; b < cols / 256; b++) {
            const uint8_t *blk = row + b * 144;
            const float d = _cvtsh_ss(mosaic_load_u16(blk));
            const float dmin = _cvtsh_ss(mosaic_load_u16(blk + 2));
            for (int c = 0; c < 4; c++) {
                uint8_t sc, m;
                q4k_scale_min(2 * c, blk + 4, &sc, &m);
                const __m512 table_lo = _mm512_fmsub_ps(_mm512_set1_ps(d * sc), iota, _mm512_set1_ps(dmin * m));
                q4k_scale_min(2 * c + 1, blk + 4, &sc, &m);
                const __m512 table_hi = _mm512_fmsub_ps(_mm512_set1_ps(d * sc), iota, _mm512_set1_ps(dmin * m));
                const float *xc = x + b * 256 + c * 64;
                for (int h = 0; h < 2; h++) {
                    const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(blk + 16 + 32 * c + 16 * h)));
                    const __m512 w_lo = _mm512_permutexvar_ps(_mm512_and_si512(v, low4), table_lo);
                    const __m512 w_hi = _mm512_permutexvar_ps(_mm512_srli_epi32(v, 4), table_hi);
                    for (int r = 0; r < NB; r++) {
                        acc0[r] = _mm512_fmadd_ps(w_lo, _mm512_loadu_ps(xc + r * cols + 16 * h), acc0[r]);
                        acc1[r] = _mm512_fmadd_ps(w_hi, _mm512_loadu_ps(xc + r * cols + 32 + 16 * h), acc1[r]);
                    }
                }
            }
        }
    } else if (type == MOSAIC_TYPE_Q6_K) {
        /* 16 lanes over l of ggml's dequantize_row_q6_K loop: four 16-weight vectors per step */
        const __m512i low4 = _mm512_set1_epi32(0xf), low2 = _mm512_set1_epi32(3);
        for (int64_t b = 0; b < cols / 256; b++) {
            const uint8_t *blk = row + b * 210;
            const int8_t *scales = (const int8_t *)(blk + 192);
            const float d = _cvtsh_ss(mosaic_load_u16(blk + 208));
            for (int n = 0; n < 2; n++) {
                const uint8_t *ql = blk + 64 * n;
                const uint8_t *qh = blk + 128 + 32 * n;
                const int8_t *sc = scales + 8 * n;
                const float *xn = x + b * 256 + 128 * n;
                for (int h = 0; h < 2; h++) {
                    const __m512i A = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(ql + 16 * h)));
                    const __m512i B = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(ql + 32 + 16 * h)));
                    const __m512i H = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(qh + 16 * h)));
                    const __m512i q1 = _mm512_or_si512(_mm512_and_si512(A, low4), _mm512_slli_epi32(_mm512_and_si512(H, low2), 4));
                    const __m512i q2 = _mm512_or_si512(_mm512_and_si512(B, low4),
                                                       _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(H, 2), low2), 4));
                    const __m512i q3 = _mm512_or_si512(_mm512_srli_epi32(A, 4),
                                                       _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(H, 4), low2), 4));
                    const __m512i q4 = _mm512_or_si512(_mm512_srli_epi32(B, 4), _mm512_slli_epi32(_mm512_srli_epi32(H, 6), 4));
                    const __m512i bias = _mm512_set1_epi32(32);
                    const __m512 w1 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(q1, bias)), _mm512_set1_ps(d * sc[h]));
                    const __m512 w2 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(q2, bias)), _mm512_set1_ps(d * sc[h + 2]));
                    const __m512 w3 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(q3, bias)), _mm512_set1_ps(d * sc[h + 4]));
                    const __m512 w4 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(q4, bias)), _mm512_set1_ps(d * sc[h + 6]));
                    for (int r = 0; r < NB; r++) {
                        const float *xr = xn + r * cols + 16 * h;
                        acc0[r] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(xr), acc0[r]);
                        acc1[r] = _mm512_fmadd_ps(w2, _mm512_loadu_ps(xr + 32), acc1[r]);
                        acc0[r] = _mm512_fmadd_ps(w3, _mm512_loadu_ps(xr + 64), acc0[r]);
                        acc1[r] = _mm512_fmadd_ps(w4, _mm512_loadu_ps(xr + 96), acc1[r]);
                    }
                }
            }
        }
    }
    for (int r = 0; r < NB; r++) {
        out[r * ldo] = _mm512_reduce_add_ps(_mm512_add_ps(acc0[r], acc1[r]));
    }
}

/* One instantiation per (type, tile height) so that the accumulators live in registers. */
#define TILE_SWITCH(T)                                                                                              \
    switch (nb) {                                                                                                   \
    case 1: tile(T, 1, row, cols, xr, orow, w_rows); break;                                                         \
    case 2: tile(T, 2, row, cols, xr, orow, w_rows); break;                                                         \
    case 3: tile(T, 3, row, cols, xr, orow, w_rows); break;                                                         \
    case 4: tile(T, 4, row, cols, xr, orow, w_rows); break;                                                         \
    case 5: tile(T, 5, row, cols, xr, orow, w_rows); break;                                                         \
    case 6: tile(T, 6, row, cols, xr, orow, w_rows); break;                                                         \
    case 7: tile(T, 7, row, cols, xr, orow, w_rows); break;                                                         \
    default: tile(T, 8, row, cols, xr, orow, w_rows); break;                                                        \
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
 * accumulator per (output, activation row) pair. Each 16-column step loads NO weight vectors
 * (F16/BF16 converted in the register) and NB activation vectors for NO * NB FMAs, so the kernel
 * is bound by the FMAs rather than the loads; with one or two activation rows (decode) 8 weight
 * rows give 8-16 independent FMA chains. Weights stay in their own type in memory.
 *
 * Every dot product is the same sequence of operations whatever the tile shape: acc = 0;
 * acc = fma(w[k, k+16), x[k, k+16), acc) for k = 0, 16, ...; the last partial step masked (zeros
 * in both operands); then _mm512_reduce_add_ps. So a row's results do not depend on the batch it
 * is in, its position inside a tile, the weight-row tail or the thread split.
 *
 * While the first activation tile of a block passes over its weights (they come from memory: in
 * decode always), the next tile's weight rows (NO rows further on) are prefetched.
 */
#define FT_NO 4      /* weight rows per tile for 3-6 activation rows */
#ifndef FT_NO_WIDE
#define FT_NO_WIDE 8 /* weight rows per tile for 1-2 activation rows */
#endif
#ifndef FT_PF_TILES
#define FT_PF_TILES 1 /* prefetch distance in tiles (0: none) */
#endif
#define FT_NB 6      /* activation rows per tile */
#define FT_OUT_BLOCK 32

INLINE void ftile(const int type, const int NO, const int NB, const uint8_t *w, int64_t row_bytes, int64_t cols,
                  const float *x, float *out, int64_t ldo, int pf) {
    __m512 acc[FT_NO_WIDE][FT_NB];
    for (int o = 0; o < NO; o++) {
        for (int r = 0; r < NB; r++) {
            acc[o][r] = _mm512_setzero_ps();
        }
    }
    const int64_t esize = type == MOSAIC_TYPE_F32 ? 4 : 2;
    int64_t k = 0;
    for (; k + 16 <= cols; k += 16) {
        if (FT_PF_TILES && pf && (esize == 4 || (k & 31) == 0)) {
            for (int o = 0; o < NO; o++) {
                _mm_prefetch((const char *)w + (FT_PF_TILES * NO + o) * row_bytes + esize * k, _MM_HINT_T0);
            }
        }
        __m512 wv[FT_NO_WIDE];
        for (int o = 0; o < NO; o++) {
            wv[o] = mosaic_load16_float(type, w + o * row_bytes, k);
        }
        for (int r = 0; r < NB; r++) {
            const __m512 xv = _mm512_loadu_ps(x + r * cols + k);
            for (int o = 0; o < NO; o++) {
                acc[o][r] = _mm512_fmadd_ps(wv[o], xv, acc[o][r]);
            }
        }
    }
    if (k < cols) {
        const __mmask16 m = (__mmask16)((1u << (cols - k)) - 1);
        __m512 wv[FT_NO_WIDE];
        for (int o = 0; o < NO; o++) {
            wv[o] = mosaic_load16_float_tail(type, w + o * row_bytes, k, m);
        }
        for (int r = 0; r < NB; r++) {
            const __m512 xv = _mm512_maskz_loadu_ps(m, x + r * cols + k);
            for (int o = 0; o < NO; o++) {
                acc[o][r] = _mm512_fmadd_ps(wv[o], xv, acc[o][r]);
            }
        }
    }
    for (int o = 0; o < NO; o++) {
        for (int r = 0; r < NB; r++) {
            out[r * ldo + o] = _mm512_reduce_add_ps(acc[o][r]);
        }
    }
}

/* One instantiation per (type, NO, NB), keyed NO * 8 + NB, so that the accumulators live in registers. */
#define FTILE_SWITCH(T)                                                                                             \
    switch (no * 8 + nb) {                                                                                          \
    case 9: ftile(T, 1, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 17: ftile(T, 2, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 25: ftile(T, 3, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 33: ftile(T, 4, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 41: ftile(T, 5, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 49: ftile(T, 6, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 57: ftile(T, 7, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 65: ftile(T, 8, 1, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 10: ftile(T, 1, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 18: ftile(T, 2, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 26: ftile(T, 3, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 34: ftile(T, 4, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 42: ftile(T, 5, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 50: ftile(T, 6, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 58: ftile(T, 7, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 66: ftile(T, 8, 2, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 11: ftile(T, 1, 3, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 19: ftile(T, 2, 3, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 27: ftile(T, 3, 3, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 35: ftile(T, 4, 3, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 12: ftile(T, 1, 4, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 20: ftile(T, 2, 4, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 28: ftile(T, 3, 4, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 36: ftile(T, 4, 4, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 13: ftile(T, 1, 5, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 21: ftile(T, 2, 5, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 29: ftile(T, 3, 5, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 37: ftile(T, 4, 5, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 14: ftile(T, 1, 6, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 22: ftile(T, 2, 6, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 30: ftile(T, 3, 6, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
    case 38: ftile(T, 4, 6, wr, row_bytes, cols, xr, orow, w_rows, pf); break;                    \
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
            /* 8 rows only while their span stays short: 8 x 4 KiB rows (F16, 2048 columns) ran
             * 1.25x slower than 4 (native/bench/float_matmul.c, batch 1) */
            const int wide = nb <= 2 && FT_NO_WIDE * row_bytes <= 16384 ? FT_NO_WIDE : FT_NO;
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

void mosaic_matmul_avx512(int32_t type, const void *w, int64_t w_rows, int64_t cols, const float *x, int64_t rows,
                        float *out, int32_t threads) {
    struct matmul_args a = {type, w, w_rows, cols, x, rows, out};
    if (type == MOSAIC_TYPE_F32 || type == MOSAIC_TYPE_F16 || type == MOSAIC_TYPE_BF16) {
        mosaic_parallel_for((w_rows + FT_OUT_BLOCK - 1) / FT_OUT_BLOCK, 1, threads, float_range, &a);
        return;
    }
    mosaic_parallel_for((w_rows + OUT_BLOCK - 1) / OUT_BLOCK, 1, threads, matmul_range, &a);
}
