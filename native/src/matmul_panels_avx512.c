/*
 * matmul_panels_avx512.c - AVX-512 kernel of mosaic_matmul_panels (see matmul_panels.c for the
 * layout and why results are bit-identical to the portable loop). A tile is NP panels (16 outputs
 * each) x NR activation rows, NP * NR accumulators in registers: each column loads NP panel
 * vectors (F16/BF16 widened in the register) and broadcasts NR activations for NP * NR FMAs.
 * Work items are groups of 4 panels (64 outputs), whose weights stay in L2 while every block of
 * 6 activation rows passes over them.
 */
#include <immintrin.h>

#include "floatvec_avx512.h"
#include "internal.h"

#define PANEL 16
#define GROUP 4 /* panels per work item and per full tile */
#define ROWS 6  /* activation rows per full tile */
#define INLINE static inline __attribute__((always_inline))

/* out[r * ldo + 16 q + i] for q < NP, r < NR, i < 16 (lanes at or past `valid` outputs of the
 * last panel are not stored). */
INLINE void tile(const int type, const int NP, const int NR, const uint8_t *pw, int64_t panel_bytes, int64_t cols,
                 const float *x, float *out, int64_t ldo, int64_t valid) {
    __m512 acc[GROUP][ROWS];
    for (int q = 0; q < NP; q++) {
        for (int r = 0; r < NR; r++) {
            acc[q][r] = _mm512_setzero_ps();
        }
    }
    for (int64_t k = 0; k < cols; k++) {
        __m512 w[GROUP];
        for (int q = 0; q < NP; q++) {
            w[q] = mosaic_load16_float(type, pw + q * panel_bytes, k * PANEL);
        }
        for (int r = 0; r < NR; r++) {
            const __m512 xv = _mm512_set1_ps(x[r * cols + k]);
            for (int q = 0; q < NP; q++) {
                acc[q][r] = _mm512_fmadd_ps(w[q], xv, acc[q][r]);
            }
        }
    }
    for (int q = 0; q < NP; q++) {
        const int64_t left = valid - (int64_t)q * PANEL;
        const __mmask16 m = left >= PANEL ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        for (int r = 0; r < NR; r++) {
            _mm512_mask_storeu_ps(out + r * ldo + q * PANEL, m, acc[q][r]);
        }
    }
}

#define TILE_CASE(T, P, R) case P * 8 + R: tile(T, P, R, pw, panel_bytes, cols, xr, orow, w_rows, valid); break;
#define TILE_ROWS(T, P) TILE_CASE(T, P, 1) TILE_CASE(T, P, 2) TILE_CASE(T, P, 3) TILE_CASE(T, P, 4) \
    TILE_CASE(T, P, 5) TILE_CASE(T, P, 6)
#define TILE_SWITCH(T) switch (np * 8 + nr) { TILE_ROWS(T, 1) TILE_ROWS(T, 2) TILE_ROWS(T, 3) TILE_ROWS(T, 4) default: break; }

static void panel_range(void *p, int64_t begin, int64_t end) {
    const struct mosaic_panel_args *a = p;
    const int32_t type = a->type;
    const int64_t w_rows = a->w_rows, cols = a->cols;
    const int64_t panel_bytes = cols * PANEL * (type == MOSAIC_TYPE_F32 ? 4 : 2);
    const int64_t panels = (w_rows + PANEL - 1) / PANEL;
    for (int64_t g = begin; g < end; g++) {
        const int64_t p0 = g * GROUP;
        const int np = panels - p0 < GROUP ? (int)(panels - p0) : GROUP;
        const int64_t valid = w_rows - p0 * PANEL;
        const uint8_t *pw = a->pw + p0 * panel_bytes;
        for (int64_t r0 = 0; r0 < a->rows; r0 += ROWS) {
            const int nr = a->rows - r0 < ROWS ? (int)(a->rows - r0) : ROWS;
            const float *xr = a->x + r0 * cols;
            float *orow = a->out + r0 * w_rows + p0 * PANEL;
            switch (type) {
            case MOSAIC_TYPE_F32: TILE_SWITCH(MOSAIC_TYPE_F32); break;
            case MOSAIC_TYPE_F16: TILE_SWITCH(MOSAIC_TYPE_F16); break;
            default: TILE_SWITCH(MOSAIC_TYPE_BF16); break;
            }
        }
    }
}

void mosaic_matmul_panels_avx512(int32_t type, const void *panels, int64_t w_rows, int64_t cols, const float *x,
                                 int64_t rows, float *out, int32_t threads) {
    struct mosaic_panel_args a = {type, panels, w_rows, cols, x, rows, out};
    const int64_t groups = ((w_rows + PANEL - 1) / PANEL + GROUP - 1) / GROUP;
    mosaic_parallel_for(groups, 1, threads, panel_range, &a);
}
