/*
 * internal.h - helpers shared by the kernel files; not part of the ABI.
 */
#ifndef MOSAIC_INTERNAL_H
#define MOSAIC_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "mosaic.h"

#define MOSAIC_INTERNAL __attribute__((visibility("hidden")))

/* A kernel body over items [begin, end) of a parallel loop; ctx carries its arguments. */
typedef void (*mosaic_range_fn)(void *ctx, int64_t begin, int64_t end);

/* Runs fn over [0, n) on up to `threads` threads (the caller's included) of the pool bound to the
 * calling thread (or the default pool), in dynamically claimed
 * contiguous chunks of at least `grain` items; returns when all are done (parallel.c). */
MOSAIC_INTERNAL void mosaic_parallel_for(int64_t n, int64_t grain, int32_t threads, mosaic_range_fn fn, void *ctx);

/* The active instruction-set path (cpu.c). */
MOSAIC_INTERNAL int32_t mosaic_isa_active(void);

/* One row of the type table (types.c). dequant turns one block into block_elems floats, bit-exact
 * with ggml; NULL for types we do not run. */
typedef void (*mosaic_dequant_block_fn)(const uint8_t *src, float *dst);
struct mosaic_type_info {
    const char *name;
    int64_t block_elems, block_bytes;
    mosaic_dequant_block_fn dequant;
    int32_t flags;
};
/* The table row of a type; an all-zero row for unknown ids. */
MOSAIC_INTERNAL const struct mosaic_type_info *mosaic_type_info(int32_t type);

/* Elements per block and bytes per block of a known type; 0 for unknown types. */
MOSAIC_INTERNAL int64_t mosaic_block_elems(int32_t type);
MOSAIC_INTERNAL int64_t mosaic_block_bytes(int32_t type);

static inline int64_t mosaic_row_bytes(int32_t type, int64_t cols) {
    return cols / mosaic_block_elems(type) * mosaic_block_bytes(type);
}

static inline float mosaic_bits_to_fp32(uint32_t bits) {
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint32_t mosaic_fp32_to_bits(float f) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    return bits;
}

/* IEEE half -> float, exact for every input (subnormals, inf, nan) and branch-free so that loops
 * over it vectorise: normal numbers by rebiasing the exponent with one multiply, subnormals by
 * the magic-number subtraction (the method of Maratyszcza's FP16 library, also used by ggml). */
static inline float mosaic_fp16_to_fp32(uint16_t h) {
    const uint32_t w = (uint32_t)h << 16;
    const uint32_t sign = w & 0x80000000u;
    const uint32_t two_w = w + w;
    const float normalized = mosaic_bits_to_fp32((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
    const float denormalized = mosaic_bits_to_fp32((two_w >> 17) | (126u << 23)) - 0.5f;
    const uint32_t subnormal = 0u - (uint32_t)(two_w < (1u << 27)); /* all ones or zero: a select without a branch */
    const uint32_t bits = (mosaic_fp32_to_bits(denormalized) & subnormal) | (mosaic_fp32_to_bits(normalized) & ~subnormal);
    return mosaic_bits_to_fp32(sign | bits);
}

static inline float mosaic_bf16_to_fp32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

static inline uint16_t mosaic_load_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* Element i of a plain float vector of type F32, F16 or BF16. */
static inline float mosaic_float_elem(int32_t type, const void *p, int64_t i) {
    switch (type) {
    case MOSAIC_TYPE_F16: return mosaic_fp16_to_fp32(mosaic_load_u16((const uint8_t *)p + 2 * i));
    case MOSAIC_TYPE_BF16: return mosaic_bf16_to_fp32(mosaic_load_u16((const uint8_t *)p + 2 * i));
    default: {
        float f;
        memcpy(&f, (const uint8_t *)p + 4 * i, 4);
        return f;
    }
    }
}

/* Dequantises one block (mosaic_block_elems(type) elements) at src into dst (portable C). */
MOSAIC_INTERNAL void mosaic_dequantize_block(int32_t type, const uint8_t *src, float *dst);

/* Matmul for the types without a hand-written SIMD kernel (Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q5_K,
 * IQ4_NL; quant_matmul*.c): weight rows dequantised bit-exactly into L1/L2, then dotted with float
 * SIMD on the active ISA path. */
MOSAIC_INTERNAL int32_t mosaic_matmul_generic_type(int32_t type);
MOSAIC_INTERNAL void mosaic_matmul_generic(int32_t type, const void *w, int64_t w_rows, int64_t cols, const float *x,
                                           int64_t rows, float *out, int32_t threads);
/* out[j] = dot(w + j * n, x) for j < nw <= 4: nw dequantised weight rows of n floats (n a multiple
 * of 32) against one activation row, x loaded once for all of them. */
MOSAIC_INTERNAL void mosaic_dot4_f32_avx2(const float *w, int64_t n, const float *x, int nw, float *out);
MOSAIC_INTERNAL void mosaic_dot4_f32_avx512(const float *w, int64_t n, const float *x, int nw, float *out);

/* swiglu.c variants (swiglu_avx2.c, swiglu_avx512.c): out[i] = silu(gate[i]) * up[i] for i in [begin, end). */
MOSAIC_INTERNAL void mosaic_swiglu_range_avx2(float *out, const float *gate, const float *up, int64_t begin, int64_t end);
MOSAIC_INTERNAL void mosaic_swiglu_range_avx512(float *out, const float *gate, const float *up, int64_t begin, int64_t end);

/* logits.c variants (logits_avx2.c, logits_avx512.c): first index of the maximum and log-sum-exp;
 * -1 for NaN or infinite maximum. n > 0. */
MOSAIC_INTERNAL int64_t mosaic_logits_max_lse_avx2(const float *x, int64_t n, double *lse);
MOSAIC_INTERNAL int64_t mosaic_logits_max_lse_avx512(const float *x, int64_t n, double *lse);

/* Per-ISA kernel variants, compiled with their own target flags (matmul_avx2.c, matmul_avx512.c,
 * attention_avx512.c). */
MOSAIC_INTERNAL void mosaic_matmul_avx2(int32_t type, const void *w, int64_t w_rows, int64_t cols,
                                        const float *x, int64_t rows, float *out, int32_t threads);
MOSAIC_INTERNAL void mosaic_matmul_avx512(int32_t type, const void *w, int64_t w_rows, int64_t cols,
                                          const float *x, int64_t rows, float *out, int32_t threads);
/* The arguments of a panel matmul (matmul_panels.c), shared by its portable and AVX-512 ranges. */
struct mosaic_panel_args {
    int32_t type;
    const uint8_t *pw;
    int64_t w_rows, cols;
    const float *x;
    int64_t rows;
    float *out;
};
MOSAIC_INTERNAL void mosaic_matmul_panels_avx512(int32_t type, const void *panels, int64_t w_rows, int64_t cols,
                                                 const float *x, int64_t rows, float *out, int32_t threads);
MOSAIC_INTERNAL void mosaic_attention_avx512(float *out, const float *q, const float *k_cache, const float *v_cache,
                                             int32_t seqs, const int32_t *row_start, const int32_t *row_count,
                                             const int32_t *first_pos, const int32_t *block_table_start,
                                             const int32_t *block_tables, int32_t block_size, int32_t heads,
                                             int32_t kv_heads, int32_t head_dim, float scale, int32_t threads);
MOSAIC_INTERNAL float mosaic_dot_f32_avx2(const float *a, const float *b, int64_t n);
/* y = y * s + a * x (the online-softmax accumulator update) */
MOSAIC_INTERNAL void mosaic_scale_axpy_avx2(float *y, float s, float a, const float *x, int64_t n);

/* Activation rows quantised to q8_0-style blocks (matmul_int8.c): row r's 32-element block b has
 * int8 values q[r * q_stride + 32 * b ..] and float scale d[r * d_stride + b]. The AVX-512 kernel
 * repacks them (see matmul_int8_avx512.c). */
struct mosaic_q8_rows {
    int8_t *q;
    float *d;
    int64_t q_stride, d_stride;
};
MOSAIC_INTERNAL void mosaic_quantize_row_q8(const float *x, int64_t cols, int8_t *q, float *d);
MOSAIC_INTERNAL void mosaic_quantize_rows_q8(const float *x, int64_t rows, int64_t cols, struct mosaic_q8_rows *xq,
                                             int32_t threads);
MOSAIC_INTERNAL int32_t mosaic_cpu_has_vnni(void);
/* Int8-activation matmul variants; scratch holds the quantised activations (size: matmul_int8.c). */
MOSAIC_INTERNAL void mosaic_matmul_int8_avx2(int32_t type, const void *w, int64_t w_rows, int64_t cols, const float *x,
                                             int64_t rows, float *out, int32_t threads, void *scratch);
MOSAIC_INTERNAL void mosaic_matmul_int8_avx512(int32_t type, const void *w, int64_t w_rows, int64_t cols,
                                               const float *x, int64_t rows, float *out, int32_t threads, void *scratch);

#endif
