/* softmax.c - row-wise softmax, max-subtracted for stability. */
#include <math.h>

#include "internal.h"

struct softmax_args {
    float *x;
    int64_t cols;
};

static void softmax_range(void *p, int64_t r_begin, int64_t r_end) {
    const struct softmax_args *a = p;
    const int64_t cols = a->cols;
    for (int64_t r = r_begin; r < r_end; r++) {
        float *xr = a->x + r * cols;
        float m = xr[0];
        for (int64_t c = 1; c < cols; c++) {
            m = xr[c] > m ? xr[c] : m;
        }
        double sum = 0;
        for (int64_t c = 0; c < cols; c++) {
            xr[c] = expf(xr[c] - m);
            sum += xr[c];
        }
        const float inv = (float)(1.0 / sum);
        for (int64_t c = 0; c < cols; c++) {
            xr[c] *= inv;
        }
    }
}

void mosaic_softmax(float *x, int64_t rows, int64_t cols, int32_t threads) {
    struct softmax_args a = {x, cols};
    mosaic_parallel_for(rows, (1 << 13) / cols + 1, threads, softmax_range, &a);
}
