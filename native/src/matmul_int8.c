/*
 * matmul_int8.c - out = x W^T for Q8_0/Q4_0 weights with the activations quantised to int8.
 *
 * Why: dequantising every weight to float costs more than reading it, so for 8-bit and 4-bit
 * weights the float kernels are compute-bound. Quantising each activation row once per call into
 * ggml-style q8_0 blocks (per 32 values d = amax/127, q = round(x/d)) turns each block's dot
 * product into an exact integer sum, done 32 or 64 products per instruction (matmul_int8_avx512.c
 * with VNNI, matmul_int8_avx2.c with maddubs), scaled by d_w * d_x and accumulated in float.
 *
 * Determinism: a row's result never depends on how many rows are in the call, which tile it falls
 * in or how threads split the work - every row takes the same sequence of float operations - so
 * batched and unbatched runs agree bit for bit on a given path (unless the scratch allocation
 * fails and a call falls back to the float kernels).
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

#define TILE_ROWS 8
#define OUT_BLOCK 32

/* roundf(v) (halves away from zero) for |v| < 127.5, without the libm call that gcc emits for
 * roundf at baseline x86-64 (it made quantising cost as much as a small matmul); the quantiser
 * keeps |v| <= 127 + rounding, so the bound below is never hit by finite input. The truncation
 * is exact and so is v - trunc(v), so this gives roundf's result bit for bit. NaN (only from a NaN
 * or infinite activation) gives 0 rather than undefined behaviour. */
static inline int8_t round_to_int8(float v) {
    if (!(v > -127.5f && v < 127.5f)) {
        return 0;
    }
    int i = (int)v;
    const float frac = v - (float)i;
    i += (frac >= 0.5f) - (frac <= -0.5f);
    return (int8_t)i;
}

/* ggml's quantize_row_q8_0_ref, except that the scale stays float32 instead of f16. */
void mosaic_quantize_row_q8(const float *x, int64_t cols, int8_t *q, float *d) {
    for (int64_t b = 0; b < cols / 32; b++) {
        const float *xb = x + 32 * b;
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            const float a = fabsf(xb[j]);
            amax = a > amax ? a : amax;
        }
        const float db = amax / 127;
        const float id = db != 0 ? 1.0f / db : 0.0f;
        d[b] = db;
        for (int j = 0; j < 32; j++) {
            q[32 * b + j] = round_to_int8(xb[j] * id);
        }
    }
}

struct quantize_args {
    const float *x;
    int64_t cols;
    struct mosaic_q8_rows *xq;
};

static void quantize_range(void *p, int64_t r_begin, int64_t r_end) {
    const struct quantize_args *a = p;
    for (int64_t r = r_begin; r < r_end; r++) {
        mosaic_quantize_row_q8(a->x + r * a->cols, a->cols, a->xq->q + r * a->xq->q_stride, a->xq->d + r * a->xq->d_stride);
    }
}

void mosaic_quantize_rows_q8(const float *x, int64_t rows, int64_t cols, struct mosaic_q8_rows *xq, int32_t threads) {
    struct quantize_args a = {x, cols, xq};
    mosaic_parallel_for(rows, 4, threads, quantize_range, &a);
}

static inline int8_t q4_weight(const uint8_t *blk, int j) {
    /* element j < 16 is the low nibble of byte j, element j + 16 its high nibble; n means n - 8 */
    const uint8_t byte = blk[2 + (j & 15)];
    return (int8_t)((j < 16 ? byte & 15 : byte >> 4) - 8);
}

struct portable_args {
    int32_t type;
    const uint8_t *w;
    int64_t w_rows, cols, rows;
    const struct mosaic_q8_rows *xq;
    float *out;
};

static void portable_range(void *p, int64_t ob_begin, int64_t ob_end) {
    const struct portable_args *a = p;
    const int64_t blocks = a->cols / 32, bb = a->type == MOSAIC_TYPE_Q8_0 ? 34 : 18;
    const int64_t o_end = ob_end * OUT_BLOCK < a->w_rows ? ob_end * OUT_BLOCK : a->w_rows;
    for (int64_t o = ob_begin * OUT_BLOCK; o < o_end; o++) {
        const uint8_t *row = a->w + o * blocks * bb;
        for (int64_t r0 = 0; r0 < a->rows; r0 += TILE_ROWS) {
            const int nb = a->rows - r0 < TILE_ROWS ? (int)(a->rows - r0) : TILE_ROWS;
            float acc[TILE_ROWS] = {0};
            for (int64_t b = 0; b < blocks; b++) {
                const uint8_t *blk = row + b * bb;
                const float dw = mosaic_fp16_to_fp32(mosaic_load_u16(blk));
                int8_t wq[32];
                for (int j = 0; j < 32; j++) {
                    wq[j] = a->type == MOSAIC_TYPE_Q8_0 ? (int8_t)blk[2 + j] : q4_weight(blk, j);
                }
                for (int r = 0; r < nb; r++) {
                    const int8_t *xq = a->xq->q + (r0 + r) * a->xq->q_stride + 32 * b;
                    int32_t isum = 0;
                    for (int j = 0; j < 32; j++) {
                        isum += wq[j] * xq[j];
                    }
                    acc[r] += (float)isum * (dw * a->xq->d[(r0 + r) * a->xq->d_stride + b]);
                }
            }
            for (int r = 0; r < nb; r++) {
                a->out[(r0 + r) * a->w_rows + o] = acc[r];
            }
        }
    }
}

static void matmul_int8_portable(int32_t type, const void *w, int64_t w_rows, int64_t cols, const float *x, int64_t rows,
                                 float *out, int32_t threads, void *scratch) {
    const int64_t blocks = cols / 32;
    struct mosaic_q8_rows xq = {scratch, (float *)((int8_t *)scratch + rows * cols), cols, blocks};
    mosaic_quantize_rows_q8(x, rows, cols, &xq, threads);
    struct portable_args a = {type, w, w_rows, cols, rows, &xq, out};
    mosaic_parallel_for((w_rows + OUT_BLOCK - 1) / OUT_BLOCK, 1, threads, portable_range, &a);
}

/* Scratch bytes each path needs for the quantised activations (layouts: struct mosaic_q8_rows in
 * internal.h; AVX-512: struct packed in matmul_int8_avx512.c). */
static int64_t scratch_bytes(int path, int64_t rows, int64_t cols) {
    const int64_t blocks = cols / 32, pairs = (blocks + 1) / 2;
    switch (path) {
    case MOSAIC_ISA_AVX512: return (rows + 7) / 8 * 8 * (pairs * 64 + pairs * 16 * 4); /* whole 8-row tiles */
    default: return rows * (cols + blocks * 4);
    }
}

void mosaic_matmul_int8(int32_t type, const void *w, int64_t w_rows, int64_t cols, const float *x, int64_t rows,
                        float *out, int32_t threads) {
    int path = mosaic_isa_active();
    if (path == MOSAIC_ISA_AVX512 && !mosaic_cpu_has_vnni()) {
        path = MOSAIC_ISA_AVX2; /* AVX-512 without VNNI (Skylake-X): the maddubs kernel */
    }
    /* 64-byte alignment for the SIMD loads; the size rounded up as aligned_alloc requires */
    const int64_t bytes = (scratch_bytes(path, rows, cols) + 63) / 64 * 64;
    void *scratch = aligned_alloc(64, (size_t)bytes);
    if (scratch == NULL) {
        /* out of memory for a buffer the size of the activations: the float path needs none */
        mosaic_matmul(type, w, w_rows, cols, x, rows, out, threads);
        return;
    }
    switch (path) {
    case MOSAIC_ISA_AVX512:
        mosaic_matmul_int8_avx512(type, w, w_rows, cols, x, rows, out, threads, scratch);
        break;
    case MOSAIC_ISA_AVX2:
        mosaic_matmul_int8_avx2(type, w, w_rows, cols, x, rows, out, threads, scratch);
        break;
    default:
        matmul_int8_portable(type, w, w_rows, cols, x, rows, out, threads, scratch);
    }
    free(scratch);
}
