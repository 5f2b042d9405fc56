/*
 * cpu.c - run-time choice of the kernel code path (portable C, AVX2, AVX-512).
 *
 * The SIMD variants are compiled with their own target flags into the same library; which one
 * runs is decided here from __builtin_cpu_supports, so one build serves every x86-64 CPU.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static atomic_int active_isa = -1;

int32_t mosaic_isa_best(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
        return MOSAIC_ISA_AVX512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
        return MOSAIC_ISA_AVX2;
    }
    return MOSAIC_ISA_PORTABLE;
}

static int32_t clamp_isa(int32_t isa) {
    int32_t best = mosaic_isa_best();
    if (isa < MOSAIC_ISA_PORTABLE) {
        return MOSAIC_ISA_PORTABLE;
    }
    return isa > best ? best : isa;
}

static int32_t initial_isa(void) {
    const char *env = getenv("MOSAIC_ISA");
    if (env != NULL) {
        if (strcmp(env, "portable") == 0) return MOSAIC_ISA_PORTABLE;
        if (strcmp(env, "avx2") == 0) return clamp_isa(MOSAIC_ISA_AVX2);
        if (strcmp(env, "avx512") == 0) return clamp_isa(MOSAIC_ISA_AVX512);
    }
    return mosaic_isa_best();
}

int32_t mosaic_isa_active(void) {
    int isa = atomic_load_explicit(&active_isa, memory_order_relaxed);
    if (isa < 0) {
        int expected = -1;
        atomic_compare_exchange_strong(&active_isa, &expected, initial_isa());
        isa = atomic_load(&active_isa);
    }
    return isa;
}

int32_t mosaic_cpu_has_vnni(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vnni") ? 1 : 0;
}

int32_t mosaic_isa(void) { return mosaic_isa_active(); }

int32_t mosaic_set_isa(int32_t isa) {
    atomic_store(&active_isa, clamp_isa(isa));
    return atomic_load(&active_isa);
}

static const char *isa_name(int32_t isa) {
    switch (isa) {
    case MOSAIC_ISA_AVX512: return "avx512";
    case MOSAIC_ISA_AVX2: return "avx2";
    default: return "portable";
    }
}

static void append(char *buf, size_t cap, const char *name) {
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "%s%s", buf[len - 1] == '=' ? "" : ",", name);
}

const char *mosaic_cpu_features(void) {
    static _Thread_local char buf[256];
    __builtin_cpu_init();
    snprintf(buf, sizeof buf, "active=%s best=%s cpu=", isa_name(mosaic_isa_active()), isa_name(mosaic_isa_best()));
    /* __builtin_cpu_supports needs a string literal, hence the macro instead of a loop */
#define MOSAIC_FEATURE(f) if (__builtin_cpu_supports(f)) append(buf, sizeof buf, f)
    MOSAIC_FEATURE("sse4.2");
    MOSAIC_FEATURE("avx");
    MOSAIC_FEATURE("avx2");
    MOSAIC_FEATURE("fma");
    MOSAIC_FEATURE("f16c");
    MOSAIC_FEATURE("avx512f");
    MOSAIC_FEATURE("avx512bw");
    MOSAIC_FEATURE("avx512vl");
    MOSAIC_FEATURE("avx512vnni");
    MOSAIC_FEATURE("avx512bf16");
#undef MOSAIC_FEATURE
    return buf;
}
