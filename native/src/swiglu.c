/* swiglu.c - the gated activation of llama-style feed-forward blocks. */
#include <math.h>

#include "internal.h"

struct swiglu_args {
    float *out;
    const float *gate, *up;
    int32_t isa;
};

static void swiglu_range(void *p, int64_t begin, int64_t end) {
    const struct swiglu_args *a = p;
    if (a->isa == MOSAIC_ISA_AVX512) {
        mosaic_swiglu_range_avx512(a->out, a->gate, a->up, begin, end);
        return;
    }
    if (a->isa == MOSAIC_ISA_AVX2) {
        mosaic_swiglu_range_avx2(a->out, a->gate, a->up, begin, end);
        return;
    }
    for (int64_t i = begin; i < end; i++) {
        const float g = a->gate[i];
        a->out[i] = g / (1.0f + expf(-g)) * a->up[i];
    }
}

void mosaic_swiglu(float *out, const float *gate, const float *up, int64_t n, int32_t threads) {
    struct swiglu_args a = {out, gate, up, mosaic_isa_active()};
    mosaic_parallel_for(n, 1 << 13, threads, swiglu_range, &a);
}
