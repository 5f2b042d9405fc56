/*
 * packed_decode.c - batch-1 (or batch-N) timing of mosaic_matmul_packed over the matmuls of one
 * decode step of the ~110M benchmark model (dim 768, FFN 2048, 12 layers, vocab 32000): 85
 * distinct packed matrices (56-140 MB, well above L3), each called once per step in model order,
 * so the weights stream from memory as in decode. Not part of the library or its tests.
 *
 *   cc -O2 -o /tmp/packed_decode native/bench/packed_decode.c -Inative/include -L$LIB -lmosaic
 *   LD_LIBRARY_PATH=$LIB MOSAIC_ISA=avx512 /tmp/packed_decode Q4_K [steps] [rows] [hot]
 *
 * Prints min/median/max microseconds per step over `steps` steps (after 3 warm-up steps), and the
 * weight bytes streamed per step. "hot" times one 2048x768 matrix repeatedly (cache-resident).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mosaic.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next32(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Random raw ggml blocks with small positive f16 scales (0x1c00..0x23ff: about 0.004-0.016). */
static void fill_blocks(int32_t type, uint8_t *w, int64_t rows, int64_t cols) {
    const int64_t nb = rows * cols / (type == MOSAIC_TYPE_Q4_K || type == MOSAIC_TYPE_Q6_K ? 256 : 32);
    const int64_t bs = type == MOSAIC_TYPE_Q4_K ? 144 : type == MOSAIC_TYPE_Q6_K ? 210 : type == MOSAIC_TYPE_Q8_0 ? 34 : 18;
    for (int64_t b = 0; b < nb; b++) {
        uint8_t *p = w + b * bs;
        for (int64_t i = 0; i < bs; i++) p[i] = (uint8_t)next32();
        uint16_t h0 = (uint16_t)(0x1c00 + next32() % 0x800), h1 = (uint16_t)(0x1c00 + next32() % 0x800);
        if (type == MOSAIC_TYPE_Q4_K) {
            memcpy(p, &h0, 2);
            memcpy(p + 2, &h1, 2);
        } else if (type == MOSAIC_TYPE_Q6_K) {
            memcpy(p + 208, &h0, 2);
            for (int j = 0; j < 16; j++) p[192 + j] = (uint8_t)(int8_t)((int)(next32() % 64) - 32);
        } else {
            memcpy(p, &h0, 2);
            if (type == MOSAIC_TYPE_Q8_0) for (int j = 0; j < 32; j++) if (p[2 + j] == 0x80) p[2 + j] = 0x81;
        }
    }
}

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: packed_decode Q4_K|Q6_K|Q4_0|Q8_0 [steps] [rows] [hot]\n");
        return 2;
    }
    const int32_t type = !strcmp(argv[1], "Q4_K") ? MOSAIC_TYPE_Q4_K : !strcmp(argv[1], "Q6_K") ? MOSAIC_TYPE_Q6_K
                       : !strcmp(argv[1], "Q4_0") ? MOSAIC_TYPE_Q4_0 : MOSAIC_TYPE_Q8_0;
    const int steps = argc > 2 ? atoi(argv[2]) : 20;
    const int64_t xrows = argc > 3 ? atoi(argv[3]) : 1;
    const int hot = argc > 4 && !strcmp(argv[4], "hot");
    int64_t shapes[85][2];
    int n = 0;
    if (hot) {
        shapes[n][0] = 2048, shapes[n][1] = 768, n++;
    } else {
        for (int l = 0; l < 12; l++) {
            const int64_t s[7][2] = {{768, 768}, {256, 768}, {256, 768}, {768, 768}, {2048, 768}, {2048, 768}, {768, 2048}};
            for (int i = 0; i < 7; i++) shapes[n][0] = s[i][0], shapes[n][1] = s[i][1], n++;
        }
        shapes[n][0] = 32000, shapes[n][1] = 768, n++;
    }
    void *packed[85];
    int64_t total = 0;
    const int64_t bs = type == MOSAIC_TYPE_Q4_K ? 144 : type == MOSAIC_TYPE_Q6_K ? 210 : type == MOSAIC_TYPE_Q8_0 ? 34 : 18;
    const int64_t be = type == MOSAIC_TYPE_Q4_K || type == MOSAIC_TYPE_Q6_K ? 256 : 32;
    for (int i = 0; i < n; i++) {
        const int64_t r = shapes[i][0], c = shapes[i][1];
        uint8_t *raw = malloc((size_t)(r * c / be * bs));
        fill_blocks(type, raw, r, c);
        const int64_t pb = mosaic_packed_bytes(type, r, c);
        packed[i] = aligned_alloc(64, (size_t)((pb + 63) / 64 * 64));
        if (!mosaic_pack_weights(type, raw, r, c, packed[i], 1)) return 1;
        free(raw);
        total += pb;
    }
    float *x = malloc(sizeof(float) * 2048 * xrows), *out = malloc(sizeof(float) * 32000 * xrows);
    for (int64_t i = 0; i < 2048 * xrows; i++) x[i] = (float)((int)(next32() % 2001) - 1000) / 500.0f;
    const int reps = hot ? 200 : 1;
    double *t = malloc(sizeof(double) * steps);
    double check = 0;
    for (int s = -3; s < steps; s++) {
        const double t0 = now_us();
        for (int k = 0; k < reps; k++)
            for (int i = 0; i < n; i++) mosaic_matmul_packed(type, packed[i], shapes[i][0], shapes[i][1], x, xrows, out, 1);
        const double dt = (now_us() - t0) / reps;
        check += out[0];
        if (s >= 0) t[s] = dt;
    }
    qsort(t, (size_t)steps, sizeof(double), cmp);
    printf("%s isa=%s rows=%lld %s: %.1f MB/step, us/step min %.0f median %.0f max %.0f (%.1f GB/s at median) [%g]\n",
           argv[1], getenv("MOSAIC_ISA") ? getenv("MOSAIC_ISA") : "best", (long long)xrows, hot ? "hot 2048x768" : "model",
           total / 1e6, t[0], t[steps / 2], t[steps - 1], total / t[steps / 2] / 1e3, check);
    return 0;
}
