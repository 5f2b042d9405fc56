/*
 * logits.c - what the sampler reads from a row of logits: the first index of its maximum and
 * log(sum(exp(x))), for the chosen token's log-probability.
 *
 * Why native: the engine samples every sequence every step, and for a 32k vocabulary the Java
 * loop with Math.exp took about 140 us per row (measured), a tenth of a batch-8 decode step of a
 * 110M model. Vectorised (the same Cephes polynomial as attention's softmax, sums in double) it
 * is a few microseconds.
 */
#include <math.h>

#include "internal.h"

static int64_t max_lse_portable(const float *x, int64_t n, double *lse) {
    int64_t best = 0;
    float m = x[0];
    for (int64_t i = 0; i < n; i++) {
        if (isnan(x[i])) {
            return -1;
        }
        if (x[i] > m) {
            m = x[i];
            best = i;
        }
    }
    if (isinf(m)) {
        return -1;
    }
    double s = 0;
    for (int64_t i = 0; i < n; i++) {
        s += expf(x[i] - m);
    }
    *lse = (double)m + log(s);
    return best;
}

int64_t mosaic_logits_max_lse(const float *x, int64_t n, double *lse) {
    if (n <= 0) {
        return -1;
    }
    const int32_t isa = mosaic_isa_active();
    if (isa == MOSAIC_ISA_AVX512) {
        return mosaic_logits_max_lse_avx512(x, n, lse);
    }
    if (isa == MOSAIC_ISA_AVX2) {
        return mosaic_logits_max_lse_avx2(x, n, lse);
    }
    return max_lse_portable(x, n, lse);
}
