/* swiglu.c - the gated activation of llama-style feed-forward blocks. */
#include <math.h>

#include "internal.h"

void mosaic_swiglu(float *out, const float *gate, const float *up, int64_t n, int32_t threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (n >= (1 << 14))
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}
