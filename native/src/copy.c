/* copy.c - multi-threaded memcpy, the yardstick for memory-bandwidth-bound kernels. */
#include "internal.h"

#define PIECE (1 << 16) /* bytes per work item; 64-byte multiple keeps threads off shared lines */

struct copy_args {
    char *dst;
    const char *src;
    int64_t bytes;
};

static void copy_range(void *p, int64_t begin, int64_t end) {
    const struct copy_args *a = p;
    const int64_t from = begin * PIECE;
    const int64_t to = end * PIECE < a->bytes ? end * PIECE : a->bytes;
    memcpy(a->dst + from, a->src + from, (size_t)(to - from));
}

void mosaic_copy(void *dst, const void *src, int64_t bytes, int32_t threads) {
    struct copy_args a = {dst, src, bytes};
    mosaic_parallel_for((bytes + PIECE - 1) / PIECE, 16, threads, copy_range, &a);
}
