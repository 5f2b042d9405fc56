/*
 * matmul.c - out = x W^T for float32 activations and weights of any supported type.
 *
 * Dispatch: the AVX-512 and AVX2 variants (matmul_avx512.c, matmul_avx2.c) dequantise in
 * registers (AVX2 K-quants: one super-block into L1) and multiply into a tile of 8 (AVX2: 4)
 * activation rows; the portable path below dequantises one block (or 256 floats) at a time into
 * L1 and dots it with a tile of up to 8 rows. Either way a weight row is read from memory once per
 * tile, not once per activation row, and threads share out the output rows.
 */
#include "internal.h"

#define TILE_ROWS 8
#define CHUNK 256

/* Eight independent partial sums so that -O3 vectorises without reassociation flags. */
static float dot_portable(const float *a, const float *b, int64_t n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int j = 0; j < 8; j++) {
            acc[j] += a[i + j] * b[i + j];
        }
    }
    float tail = 0;
    for (; i < n; i++) {
        tail += a[i] * b[i];
    }
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
}

struct portable_args {
    int32_t type;
    const void *w;
    int64_t w_rows, cols;
    const float *x;
    int64_t rows;
    float *out;
};

static void portable_range(void *p, int64_t o_begin, int64_t o_end) {
    const struct portable_args *a = p;
    const int32_t type = a->type;
    const int64_t cols = a->cols, rows = a->rows, w_rows = a->w_rows;
    const int64_t be = mosaic_block_elems(type);
    const int64_t bb = mosaic_block_bytes(type);
    const int64_t row_bytes = mosaic_row_bytes(type, cols);
    const int64_t chunk = be == 1 ? CHUNK : be;
    float tmp[CHUNK];
    for (int64_t o = o_begin; o < o_end; o++) {
        const uint8_t *row = (const uint8_t *)a->w + o * row_bytes;
        for (int64_t r0 = 0; r0 < rows; r0 += TILE_ROWS) {
            int nb = rows - r0 < TILE_ROWS ? (int)(rows - r0) : TILE_ROWS;
            float acc[TILE_ROWS] = {0};
            for (int64_t k = 0; k < cols; k += chunk) {
                int64_t len = cols - k < chunk ? cols - k : chunk;
                if (be == 1) {
                    mosaic_dequantize(type, row + k * bb, len, tmp);
                } else {
                    mosaic_dequantize_block(type, row + k / be * bb, tmp);
                }
                for (int r = 0; r < nb; r++) {
                    acc[r] += dot_portable(tmp, a->x + (r0 + r) * cols + k, len);
                }
            }
            for (int r = 0; r < nb; r++) {
                a->out[(r0 + r) * w_rows + o] = acc[r];
            }
        }
    }
}

static void matmul_portable(int32_t type, const void *w, int64_t w_rows, int64_t cols, const float *x, int64_t rows,
                            float *out, int32_t threads) {
    struct portable_args a = {type, w, w_rows, cols, x, rows, out};
    mosaic_parallel_for(w_rows, 16, threads, portable_range, &a);
}

void mosaic_matmul(int32_t type, const void *w, int64_t w_rows, int64_t cols, const float *x, int64_t rows, float *out,
                   int32_t threads) {
    if (mosaic_matmul_generic_type(type)) { /* types without their own SIMD kernel: quant_matmul.c */
        mosaic_matmul_generic(type, w, w_rows, cols, x, rows, out, threads);
        return;
    }
    switch (mosaic_isa_active()) {
    case MOSAIC_ISA_AVX512:
        mosaic_matmul_avx512(type, w, w_rows, cols, x, rows, out, threads);
        return;
    case MOSAIC_ISA_AVX2:
        mosaic_matmul_avx2(type, w, w_rows, cols, x, rows, out, threads);
        return;
    default:
        matmul_portable(type, w, w_rows, cols, x, rows, out, threads);
    }
}
