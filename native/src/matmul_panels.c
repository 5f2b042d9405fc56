/*
 * matmul_panels.c - out = x W^T for F32/F16/BF16 weights repacked at load into 16-row panels:
 * panel p holds rows 16p .. 16p+15 column by column ([cols][16] elements of the weight's own
 * type; rows past w_rows are zero). A kernel then broadcasts one activation and multiplies it into
 * 16 outputs at once (an outer product per column), so no dot product needs a horizontal sum at
 * the end, which cost the row-major tiles about a sixth of their time in prefill.
 *
 * Every output is one chain of fused multiply-adds over the columns in order: acc = 0; acc =
 * fmaf(w[o][k], x[r][k], acc) for k = 0 .. cols-1. That is what each SIMD lane computes, so the
 * AVX-512 kernel (matmul_panels_avx512.c) and the portable loop here give bit-identical results,
 * whatever the batch, the tile, the thread split or the ISA.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

#define PANEL 16

static int64_t elem_bytes(int32_t type) {
    switch (type) {
    case MOSAIC_TYPE_F32: return 4;
    case MOSAIC_TYPE_F16:
    case MOSAIC_TYPE_BF16: return 2;
    default: return 0;
    }
}

int64_t mosaic_panel_bytes(int32_t type, int64_t w_rows, int64_t cols) {
    const int64_t e = elem_bytes(type);
    if (e == 0 || w_rows <= 0 || cols <= 0) {
        return 0;
    }
    return (w_rows + PANEL - 1) / PANEL * cols * PANEL * e;
}

struct pack_args {
    int32_t type;
    const uint8_t *w;
    int64_t w_rows, cols;
    uint8_t *dst;
};

static void pack_range(void *p, int64_t begin, int64_t end) {
    const struct pack_args *a = p;
    const int64_t e = elem_bytes(a->type);
    for (int64_t pn = begin; pn < end; pn++) {
        uint8_t *out = a->dst + pn * a->cols * PANEL * e;
        for (int i = 0; i < PANEL; i++) {
            const int64_t row = pn * PANEL + i;
            if (row >= a->w_rows) {
                for (int64_t k = 0; k < a->cols; k++) {
                    memset(out + (k * PANEL + i) * e, 0, (size_t)e);
                }
                continue;
            }
            const uint8_t *src = a->w + row * a->cols * e;
            for (int64_t k = 0; k < a->cols; k++) {
                memcpy(out + (k * PANEL + i) * e, src + k * e, (size_t)e);
            }
        }
    }
}

int32_t mosaic_pack_panels(int32_t type, const void *w, int64_t w_rows, int64_t cols, void *dst, int32_t threads) {
    if (mosaic_panel_bytes(type, w_rows, cols) == 0) {
        return 0;
    }
    struct pack_args a = {type, w, w_rows, cols, dst};
    mosaic_parallel_for((w_rows + PANEL - 1) / PANEL, 1, threads, pack_range, &a);
    return 1;
}

static void portable_range(void *p, int64_t begin, int64_t end) {
    const struct mosaic_panel_args *a = p;
    const int64_t e = elem_bytes(a->type);
    for (int64_t pn = begin; pn < end; pn++) {
        const uint8_t *panel = a->pw + pn * a->cols * PANEL * e;
        for (int64_t r = 0; r < a->rows; r++) {
            const float *xr = a->x + r * a->cols;
            for (int i = 0; i < PANEL && pn * PANEL + i < a->w_rows; i++) {
                float acc = 0;
                for (int64_t k = 0; k < a->cols; k++) {
                    acc = fmaf(mosaic_float_elem(a->type, panel, k * PANEL + i), xr[k], acc);
                }
                a->out[r * a->w_rows + pn * PANEL + i] = acc;
            }
        }
    }
}

int32_t mosaic_matmul_panels(int32_t type, const void *panels, int64_t w_rows, int64_t cols, const float *x, int64_t rows,
                             float *out, int32_t threads) {
    if (mosaic_panel_bytes(type, w_rows, cols) == 0 || rows < 0) {
        return 0;
    }
    if (rows == 0) {
        return 1;
    }
    if (mosaic_isa_active() == MOSAIC_ISA_AVX512) {
        mosaic_matmul_panels_avx512(type, panels, w_rows, cols, x, rows, out, threads);
        return 1;
    }
    struct mosaic_panel_args a = {type, panels, w_rows, cols, x, rows, out};
    mosaic_parallel_for((w_rows + PANEL - 1) / PANEL, 1, threads, portable_range, &a);
    return 1;
}
