/* rmsnorm.c - RMS normalisation with a F32/F16/BF16 gain vector. */
#include <math.h>

#include "internal.h"

void mosaic_rmsnorm(float *out, const float *x, int32_t gamma_type, const void *gamma, int64_t rows, int64_t cols,
                    float eps, int32_t threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (rows > 1)
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = out + r * cols;
        double ss = 0;
        for (int64_t c = 0; c < cols; c++) {
            ss += (double)xr[c] * xr[c];
        }
        const float inv = (float)(1.0 / sqrt(ss / (double)cols + (double)eps));
        switch (gamma_type) {
        case MOSAIC_TYPE_F32: {
            const float *g = (const float *)gamma;
            for (int64_t c = 0; c < cols; c++) yr[c] = xr[c] * inv * g[c];
            break;
        }
        default:
            for (int64_t c = 0; c < cols; c++) yr[c] = xr[c] * inv * mosaic_float_elem(gamma_type, gamma, c);
            break;
        }
    }
}
