/*
 * quant_matmul.c - matmul for the weight types that have no hand-written SIMD kernel of their own
 * (Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q5_K, IQ4_NL).
 *
 * Threads share out blocks of 4 output rows. For each block, the columns are walked in chunks of
 * KC: the 4 weight rows' chunk is dequantised with the bit-exact dequantiser of types.c into a
 * 16 KiB buffer (L1), then every activation row is dotted with all 4 rows at once (the activation
 * chunk loaded once per 4 weight rows), on the active ISA path (quant_matmul_avx2.c,
 * quant_matmul_avx512.c, or the portable loop here). The sum of chunk dots is added in chunk order,
 * so a result does not depend on the number of rows or threads.
 */
#include "internal.h"

#define OUT_ROWS 4
#define KC 1024

int32_t mosaic_matmul_generic_type(int32_t type) {
    switch (type) {
    case MOSAIC_TYPE_Q4_1: case MOSAIC_TYPE_Q5_0: case MOSAIC_TYPE_Q5_1: case MOSAIC_TYPE_Q2_K:
    case MOSAIC_TYPE_Q3_K: case MOSAIC_TYPE_Q5_K: case MOSAIC_TYPE_IQ4_NL:
        return 1;
    default:
        return 0;
    }
}

/* Eight independent partial sums so that -O3 vectorises without reassociation flags. */
static void dot4_portable(const float *w, int64_t n, const float *x, int nw, float *out) {
    for (int j = 0; j < nw; j++) {
        const float *a = w + j * n;
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int64_t i = 0; i < n; i += 8) {
            for (int l = 0; l < 8; l++) {
                acc[l] += a[i + l] * x[i + l];
            }
        }
        out[j] = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    }
}

struct generic_args {
    int32_t type, isa;
    const uint8_t *w;
    int64_t w_rows, cols;
    const float *x;
    int64_t rows;
    float *out;
};

static void generic_range(void *p, int64_t ob_begin, int64_t ob_end) {
    const struct generic_args *a = p;
    const struct mosaic_type_info *t = mosaic_type_info(a->type);
    const int64_t cols = a->cols, w_rows = a->w_rows;
    const int64_t row_bytes = cols / t->block_elems * t->block_bytes;
    _Alignas(64) float buf[OUT_ROWS * KC];
    for (int64_t ob = ob_begin; ob < ob_end; ob++) {
        const int64_t o0 = ob * OUT_ROWS;
        const int nw = w_rows - o0 < OUT_ROWS ? (int)(w_rows - o0) : OUT_ROWS;
        for (int64_t k = 0; k < cols; k += KC) {
            const int64_t len = cols - k < KC ? cols - k : KC;
            for (int j = 0; j < nw; j++) {
                const uint8_t *src = a->w + (o0 + j) * row_bytes + k / t->block_elems * t->block_bytes;
                for (int64_t e = 0; e < len; e += t->block_elems) {
                    t->dequant(src + e / t->block_elems * t->block_bytes, buf + j * len + e);
                }
            }
            for (int64_t r = 0; r < a->rows; r++) {
                float part[OUT_ROWS];
                const float *xr = a->x + r * cols + k;
                switch (a->isa) {
                case MOSAIC_ISA_AVX512: mosaic_dot4_f32_avx512(buf, len, xr, nw, part); break;
                case MOSAIC_ISA_AVX2: mosaic_dot4_f32_avx2(buf, len, xr, nw, part); break;
                default: dot4_portable(buf, len, xr, nw, part); break;
                }
                float *o = a->out + r * w_rows + o0;
                for (int j = 0; j < nw; j++) {
                    o[j] = k == 0 ? part[j] : o[j] + part[j];
                }
            }
        }
    }
}

void mosaic_matmul_generic(int32_t type, const void *w, int64_t w_rows, int64_t cols, const float *x, int64_t rows,
                           float *out, int32_t threads) {
    struct generic_args a = {type, mosaic_isa_active(), w, w_rows, cols, x, rows, out};
    mosaic_parallel_for((w_rows + OUT_ROWS - 1) / OUT_ROWS, 4, threads, generic_range, &a);
}
