/* softmax.c - row-wise softmax, max-subtracted for stability. */
#include <math.h>

#include "internal.h"

void mosaic_softmax(float *x, int64_t rows, int64_t cols, int32_t threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (rows > 1 && rows * cols >= (1 << 14))
    for (int64_t r = 0; r < rows; r++) {
        float *xr = x + r * cols;
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
