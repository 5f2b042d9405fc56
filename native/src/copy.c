/* copy.c - multi-threaded memcpy, the yardstick for memory-bandwidth-bound kernels. */
#include <omp.h>

#include "internal.h"

void mosaic_copy(void *dst, const void *src, int64_t bytes, int32_t threads) {
#pragma omp parallel num_threads(threads)
    {
        const int64_t t = omp_get_thread_num(), n = omp_get_num_threads();
        /* 64-byte aligned chunk boundaries keep threads off each other's cache lines */
        const int64_t chunk = ((bytes + n - 1) / n + 63) & ~(int64_t)63;
        const int64_t start = t * chunk < bytes ? t * chunk : bytes;
        const int64_t end = start + chunk < bytes ? start + chunk : bytes;
        memcpy((char *)dst + start, (const char *)src + start, (size_t)(end - start));
    }
}
