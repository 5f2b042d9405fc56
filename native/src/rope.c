/* rope.c - rotary position embedding, interleaved or half-split pairs. */
#include <math.h>

#include "internal.h"

void mosaic_rope(float *x, int64_t rows, int32_t heads, int32_t head_dim, const int32_t *positions,
                 const double *inv_freq, int32_t layout, int32_t threads) {
    const int32_t half = head_dim / 2;
    const int64_t width = (int64_t)heads * head_dim;
#pragma omp parallel for num_threads(threads) schedule(static) if (rows > 1)
    for (int64_t r = 0; r < rows; r++) {
        float cs[MOSAIC_MAX_HEAD_DIM / 2], sn[MOSAIC_MAX_HEAD_DIM / 2];
        for (int32_t i = 0; i < half; i++) {
            /* double: positions times frequencies lose too many bits in float at long contexts */
            const double angle = (double)positions[r] * inv_freq[i];
            cs[i] = (float)cos(angle);
            sn[i] = (float)sin(angle);
        }
        for (int32_t h = 0; h < heads; h++) {
            float *v = x + r * width + (int64_t)h * head_dim;
            if (layout == MOSAIC_ROPE_INTERLEAVED) {
                for (int32_t i = 0; i < half; i++) {
                    const float a = v[2 * i], b = v[2 * i + 1];
                    v[2 * i] = a * cs[i] - b * sn[i];
                    v[2 * i + 1] = a * sn[i] + b * cs[i];
                }
            } else {
                for (int32_t i = 0; i < half; i++) {
                    const float a = v[i], b = v[i + half];
                    v[i] = a * cs[i] - b * sn[i];
                    v[i + half] = a * sn[i] + b * cs[i];
                }
            }
        }
    }
}
