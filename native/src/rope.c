/* rope.c - rotary position embedding, interleaved or half-split pairs. */
#include <math.h>

#include "internal.h"

struct rope_args {
    float *x;
    int32_t heads, head_dim;
    const int32_t *positions;
    const double *inv_freq;
    int32_t layout;
};

static void rope_range(void *p, int64_t r_begin, int64_t r_end) {
    const struct rope_args *a = p;
    const int32_t half = a->head_dim / 2;
    const int64_t width = (int64_t)a->heads * a->head_dim;
    float cs[MOSAIC_MAX_HEAD_DIM / 2], sn[MOSAIC_MAX_HEAD_DIM / 2];
    for (int64_t r = r_begin; r < r_end; r++) {
        for (int32_t i = 0; i < half; i++) {
            /* double: positions times frequencies lose too many bits in float at long contexts */
            const double angle = (double)a->positions[r] * a->inv_freq[i];
            cs[i] = (float)cos(angle);
            sn[i] = (float)sin(angle);
        }
        for (int32_t h = 0; h < a->heads; h++) {
            float *v = a->x + r * width + (int64_t)h * a->head_dim;
            if (a->layout == MOSAIC_ROPE_INTERLEAVED) {
                for (int32_t i = 0; i < half; i++) {
                    const float x0 = v[2 * i], x1 = v[2 * i + 1];
                    v[2 * i] = x0 * cs[i] - x1 * sn[i];
                    v[2 * i + 1] = x0 * sn[i] + x1 * cs[i];
                }
            } else {
                for (int32_t i = 0; i < half; i++) {
                    const float x0 = v[i], x1 = v[i + half];
                    v[i] = x0 * cs[i] - x1 * sn[i];
                    v[i + half] = x0 * sn[i] + x1 * cs[i];
                }
            }
        }
    }
}

void mosaic_rope(float *x, int64_t rows, int32_t heads, int32_t head_dim, const int32_t *positions,
                 const double *inv_freq, int32_t layout, int32_t threads) {
    struct rope_args a = {x, heads, head_dim, positions, inv_freq, layout};
    mosaic_parallel_for(rows, 4, threads, rope_range, &a);
}
