/* add.c - residual add and bias add. */
#include "internal.h"

#define PARALLEL_MIN (1 << 16) /* below this, waking threads costs more than the adds */

void mosaic_add(float *acc, const float *x, int64_t n, int32_t threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (n >= PARALLEL_MIN)
    for (int64_t i = 0; i < n; i++) {
        acc[i] += x[i];
    }
}

void mosaic_add_bias(float *x, int32_t bias_type, const void *bias, int64_t rows, int64_t cols, int32_t threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (rows * cols >= PARALLEL_MIN)
    for (int64_t r = 0; r < rows; r++) {
        float *xr = x + r * cols;
        if (bias_type == MOSAIC_TYPE_F32) {
            const float *b = (const float *)bias;
            for (int64_t c = 0; c < cols; c++) xr[c] += b[c];
        } else {
            for (int64_t c = 0; c < cols; c++) xr[c] += mosaic_float_elem(bias_type, bias, c);
        }
    }
}
