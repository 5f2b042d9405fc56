/*
 * pages.c - large zero-filled allocations straight from the OS.
 *
 * Why: a JVM arena zeroes what it allocates, touching every page at once. A KV cache sized for
 * its budget (tens of MiB to GiBs) is mostly never written by a given run, and on the VMs this is
 * built on a first touch costs about 10 us per 4 KiB page (measured: 256 MiB in 0.7 s), so eager
 * zeroing made loading a replica slow for memory it never used. An anonymous mapping is zero-filled
 * by the kernel page by page on first touch instead; big ones are advised for transparent huge
 * pages (fewer faults and TLB misses when the kernel grants them; harmless when it does not).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mosaic.h"

#define HUGE_BYTES (2l << 20)

void *mosaic_pages_alloc(int64_t bytes) {
    if (bytes <= 0) {
        return NULL;
    }
    if (bytes < HUGE_BYTES) {
        void *p = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    /* Start on a 2 MiB boundary, or the kernel can back only the whole 2 MiB frames inside the
     * mapping with huge pages (a 2.5 MiB weight mapped anywhere got none): map 2 MiB more, then
     * unmap the unaligned head and the spare tail. */
    const size_t len = (size_t)bytes + HUGE_BYTES;
    uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        return NULL;
    }
    uint8_t *a = (uint8_t *)(((uintptr_t)p + HUGE_BYTES - 1) & ~(uintptr_t)(HUGE_BYTES - 1));
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uint8_t *end = a + (((size_t)bytes + page - 1) & ~(page - 1));
    if (a > p) {
        (void)munmap(p, (size_t)(a - p));
    }
    if (p + len > end) {
        (void)munmap(end, (size_t)(p + len - end));
    }
#ifdef MADV_HUGEPAGE
    (void)madvise(a, (size_t)bytes, MADV_HUGEPAGE);
#endif
    return a;
}

void mosaic_pages_free(void *p, int64_t bytes) {
    if (p != NULL && bytes > 0) {
        (void)munmap(p, (size_t)bytes);
    }
}
