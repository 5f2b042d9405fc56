/*
 * embedding.c - dequantisation of every supported weight type (bit-exact with ggml's block
 * layouts) and the embedding lookup built on it.
 */
#include "internal.h"
#include "kquants.h"

static void dequant_q8_0(const uint8_t *b, float *y) {
    float d = mosaic_fp16_to_fp32(mosaic_load_u16(b));
    const int8_t *q = (const int8_t *)(b + 2);
    for (int j = 0; j < 32; j++) {
        y[j] = d * (float)q[j];
    }
}

static void dequant_q4_0(const uint8_t *b, float *y) {
    float d = mosaic_fp16_to_fp32(mosaic_load_u16(b));
    const uint8_t *q = b + 2;
    for (int j = 0; j < 16; j++) {
        y[j] = d * (float)((q[j] & 0xf) - 8);
        y[j + 16] = d * (float)((q[j] >> 4) - 8);
    }
}

void mosaic_dequantize_block(int32_t type, const uint8_t *src, float *dst) {
    switch (type) {
    case MOSAIC_TYPE_Q8_0: dequant_q8_0(src, dst); break;
    case MOSAIC_TYPE_Q4_0: dequant_q4_0(src, dst); break;
    case MOSAIC_TYPE_Q4_K: mosaic_dequant_q4_k(src, dst); break;
    case MOSAIC_TYPE_Q6_K: mosaic_dequant_q6_k(src, dst); break;
    default: dst[0] = mosaic_float_elem(type, src, 0); break;
    }
}

void mosaic_dequantize(int32_t type, const void *src, int64_t count, float *dst) {
    const uint8_t *s = (const uint8_t *)src;
    switch (type) {
    case MOSAIC_TYPE_F32: memcpy(dst, src, (size_t)count * 4); return;
    case MOSAIC_TYPE_F16:
        for (int64_t i = 0; i < count; i++) dst[i] = mosaic_fp16_to_fp32(mosaic_load_u16(s + 2 * i));
        return;
    case MOSAIC_TYPE_BF16:
        for (int64_t i = 0; i < count; i++) dst[i] = mosaic_bf16_to_fp32(mosaic_load_u16(s + 2 * i));
        return;
    default: {
        int64_t be = mosaic_block_elems(type), bb = mosaic_block_bytes(type);
        for (int64_t b = 0; b < count / be; b++) {
            mosaic_dequantize_block(type, s + b * bb, dst + b * be);
        }
    }
    }
}

struct embedding_args {
    int32_t type;
    const uint8_t *table;
    int64_t cols, row_bytes;
    const int32_t *ids;
    float *out;
};

static void embedding_range(void *p, int64_t begin, int64_t end) {
    const struct embedding_args *a = p;
    for (int64_t i = begin; i < end; i++) {
        mosaic_dequantize(a->type, a->table + (int64_t)a->ids[i] * a->row_bytes, a->cols, a->out + i * a->cols);
    }
}

void mosaic_embedding(int32_t type, const void *table, int64_t cols, const int32_t *ids, int64_t n, float *out,
                      int32_t threads) {
    struct embedding_args a = {type, table, cols, mosaic_row_bytes(type, cols), ids, out};
    mosaic_parallel_for(n, 4, threads, embedding_range, &a);
}
