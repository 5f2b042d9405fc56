/* add.c - residual add and bias add. */
#include "internal.h"

#define GRAIN (1 << 15) /* elements: below this, waking threads costs more than the adds */

struct add_args {
    float *acc;
    const float *x;
};

static void add_range(void *p, int64_t begin, int64_t end) {
    const struct add_args *a = p;
    for (int64_t i = begin; i < end; i++) {
        a->acc[i] += a->x[i];
    }
}

void mosaic_add(float *acc, const float *x, int64_t n, int32_t threads) {
    struct add_args a = {acc, x};
    mosaic_parallel_for(n, GRAIN, threads, add_range, &a);
}

struct bias_args {
    float *x;
    int32_t type;
    const void *bias;
    int64_t cols;
};

static void bias_range(void *p, int64_t r_begin, int64_t r_end) {
    const struct bias_args *a = p;
    const int64_t cols = a->cols;
    for (int64_t r = r_begin; r < r_end; r++) {
        float *xr = a->x + r * cols;
        if (a->type == MOSAIC_TYPE_F32) {
            const float *b = (const float *)a->bias;
            for (int64_t c = 0; c < cols; c++) xr[c] += b[c];
        } else {
            for (int64_t c = 0; c < cols; c++) xr[c] += mosaic_float_elem(a->type, a->bias, c);
        }
    }
}

void mosaic_add_bias(float *x, int32_t bias_type, const void *bias, int64_t rows, int64_t cols, int32_t threads) {
    struct bias_args a = {x, bias_type, bias, cols};
    mosaic_parallel_for(rows, GRAIN / cols + 1, threads, bias_range, &a);
}
