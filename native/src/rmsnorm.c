/* rmsnorm.c - RMS normalisation with a F32/F16/BF16 gain vector. */
#include <math.h>

#include "internal.h"

struct rmsnorm_args {
    float *out;
    const float *x;
    int32_t gamma_type;
    const void *gamma;
    int64_t cols;
    float eps;
};

static void rmsnorm_range(void *p, int64_t r_begin, int64_t r_end) {
    const struct rmsnorm_args *a = p;
    const int64_t cols = a->cols;
    for (int64_t r = r_begin; r < r_end; r++) {
        const float *xr = a->x + r * cols;
        float *yr = a->out + r * cols;
        double ss = 0;
        for (int64_t c = 0; c < cols; c++) {
            ss += (double)xr[c] * xr[c];
        }
        const float inv = (float)(1.0 / sqrt(ss / (double)cols + (double)a->eps));
        if (a->gamma_type == MOSAIC_TYPE_F32) {
            const float *g = (const float *)a->gamma;
            for (int64_t c = 0; c < cols; c++) yr[c] = xr[c] * inv * g[c];
        } else {
            for (int64_t c = 0; c < cols; c++) yr[c] = xr[c] * inv * mosaic_float_elem(a->gamma_type, a->gamma, c);
        }
    }
}

void mosaic_rmsnorm(float *out, const float *x, int32_t gamma_type, const void *gamma, int64_t rows, int64_t cols,
                    float eps, int32_t threads) {
    struct rmsnorm_args a = {out, x, gamma_type, gamma, cols, eps};
    mosaic_parallel_for(rows, (1 << 13) / cols + 1, threads, rmsnorm_range, &a);
}
