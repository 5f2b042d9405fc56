/*
 * float_matmul.c - mosaic_matmul with F16, F32 or BF16 weights, two builds of libmosaic side by
 * side in one process (dlopen), interleaved: for each shape and batch, rep i times build A then
 * build B. Also checks that both builds agree to a relative 1e-4 and that every row's result in
 * the batch is bit-identical to the same row computed alone (build B). Not part of the library.
 *
 *   cc -O2 -mf16c -o /tmp/float_matmul native/bench/float_matmul.c -Inative/include -ldl -lm
 *   MOSAIC_ISA=avx512 /tmp/float_matmul OLD/libmosaic.so NEW/libmosaic.so [F16|F32|BF16] [reps] [threads]
 *
 * Shapes (out x cols): 768x768, 2048x768, 768x2048, 32000x768; rows 1, 8, 128. Weights are
 * allocated per shape (the 32000x768 one, 49 MB in F16, streams from memory; the small ones stay
 * in L2/L3 between reps, as in prefill). Prints min/median/max microseconds per call.
 */
#include <dlfcn.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "mosaic.h"

typedef void (*matmul_fn)(int32_t, const void *, int64_t, int64_t, const float *, int64_t, float *, int32_t);

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next32(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
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

static matmul_fn load(const char *path) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        exit(1);
    }
    return (matmul_fn)dlsym(h, "mosaic_matmul");
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: float_matmul OLD.so NEW.so [F16|F32|BF16] [reps] [threads]\n");
        return 2;
    }
    matmul_fn fn[2] = {load(argv[1]), load(argv[2])};
    const char *tname = argc > 3 ? argv[3] : "F16";
    const int32_t type = !strcmp(tname, "F32") ? MOSAIC_TYPE_F32 : !strcmp(tname, "BF16") ? MOSAIC_TYPE_BF16 : MOSAIC_TYPE_F16;
    const int reps = argc > 4 ? atoi(argv[4]) : 15;
    const int threads = argc > 5 ? atoi(argv[5]) : 1;
    const int64_t esize = type == MOSAIC_TYPE_F32 ? 4 : 2;
    const int64_t shapes[4][2] = {{768, 768}, {2048, 768}, {768, 2048}, {32000, 768}};
    const int64_t batches[3] = {1, 8, 128};
    printf("%s isa=%s threads=%d reps=%d; us per call min / median / max\n", tname,
           getenv("MOSAIC_ISA") ? getenv("MOSAIC_ISA") : "best", threads, reps);
    printf("| shape | rows | A (old) | B (new) | A/B median |\n|---|---|---|---|---|\n");
    int bad = 0;
    for (int s = 0; s < 4; s++) {
        const int64_t wr = shapes[s][0], cols = shapes[s][1];
        /* FM_SMALL_PAGES=1: 4 KiB pages, as for weights mmapped from a GGUF file */
        const size_t wbytes = (size_t)((wr * cols * esize + 4095) / 4096 * 4096);
        uint8_t *w = getenv("FM_SMALL_PAGES") ? mmap(NULL, wbytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                                              : aligned_alloc(4096, wbytes);
        if (getenv("FM_SMALL_PAGES")) madvise(w, wbytes, MADV_NOHUGEPAGE);
        for (int64_t i = 0; i < wr * cols; i++) {
            const float v = (float)((int)(next32() % 2001) - 1000) / 8000.0f;
            if (type == MOSAIC_TYPE_F32) {
                memcpy(w + 4 * i, &v, 4);
            } else if (type == MOSAIC_TYPE_F16) {
                const uint16_t h = _cvtss_sh(v, 0);
                memcpy(w + 2 * i, &h, 2);
            } else {
                uint32_t b;
                memcpy(&b, &v, 4);
                const uint16_t h = (uint16_t)(b >> 16);
                memcpy(w + 2 * i, &h, 2);
            }
        }
        for (int bi = 0; bi < 3; bi++) {
            const int64_t rows = batches[bi];
            float *x = malloc(sizeof(float) * cols * rows);
            float *out[2] = {malloc(sizeof(float) * wr * rows), malloc(sizeof(float) * wr * rows)};
            float *alone = malloc(sizeof(float) * wr);
            for (int64_t i = 0; i < cols * rows; i++) x[i] = (float)((int)(next32() % 2001) - 1000) / 500.0f;
            double *t[2] = {malloc(sizeof(double) * reps), malloc(sizeof(double) * reps)};
            for (int i = -2; i < reps; i++) {
                for (int b = 0; b < 2; b++) {
                    const double t0 = now_us();
                    fn[b](type, w, wr, cols, x, rows, out[b], threads);
                    if (i >= 0) t[b][i] = now_us() - t0;
                }
            }
            for (int64_t i = 0; i < wr * rows; i++) {
                if (!(fabsf(out[0][i] - out[1][i]) <= 1e-4f * (fabsf(out[0][i]) + 1.0f))) {
                    if (bad++ < 5) fprintf(stderr, "mismatch %lld: %g vs %g\n", (long long)i, out[0][i], out[1][i]);
                }
            }
            for (int64_t r = 0; r < rows; r += rows > 8 ? 37 : 3) {
                fn[1](type, w, wr, cols, x + r * cols, 1, alone, threads == 1 ? 2 : 1);
                if (memcmp(alone, out[1] + r * wr, sizeof(float) * wr)) {
                    if (bad++ < 5) fprintf(stderr, "row %lld alone differs from the batch\n", (long long)r);
                }
            }
            qsort(t[0], (size_t)reps, sizeof(double), cmp);
            qsort(t[1], (size_t)reps, sizeof(double), cmp);
            printf("| %lldx%lld | %lld | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.2fx |\n", (long long)wr, (long long)cols,
                   (long long)rows, t[0][0], t[0][reps / 2], t[0][reps - 1], t[1][0], t[1][reps / 2], t[1][reps - 1],
                   t[0][reps / 2] / t[1][reps / 2]);
            fflush(stdout);
            free(x), free(out[0]), free(out[1]), free(alone), free(t[0]), free(t[1]);
        }
        if (getenv("FM_SMALL_PAGES")) munmap(w, wbytes); else free(w);
    }
    if (bad) fprintf(stderr, "%d mismatches\n", bad);
    return bad != 0;
}
