/*
 * embedding.c - dequantisation of every supported weight type (bit-exact with ggml's block
 * layouts) and the embedding lookup built on it.
 */
#include "internal.h"

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

/* 6-bit scale and min j of a Q4_K block's 12 packed scale bytes. */
static void q4k_scale_min(int j, const uint8_t *q, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/* Q4_K: d (f16), dmin (f16), scales[12], qs[128]; 8 sub-blocks of 32 with 6-bit scale/min. */
static void dequant_q4_k(const uint8_t *b, float *y) {
    float d = mosaic_fp16_to_fp32(mosaic_load_u16(b));
    float dmin = mosaic_fp16_to_fp32(mosaic_load_u16(b + 2));
    const uint8_t *scales = b + 4;
    const uint8_t *q = b + 16;
    int is = 0;
    for (int j = 0; j < 256; j += 64) {
        uint8_t sc, m;
        q4k_scale_min(is, scales, &sc, &m);
        float d1 = d * sc, m1 = dmin * m;
        q4k_scale_min(is + 1, scales, &sc, &m);
        float d2 = d * sc, m2 = dmin * m;
        for (int l = 0; l < 32; l++) {
            *y++ = d1 * (float)(q[l] & 0xf) - m1;
        }
        for (int l = 0; l < 32; l++) {
            *y++ = d2 * (float)(q[l] >> 4) - m2;
        }
        q += 32;
        is += 2;
    }
}

/* Q6_K: ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] (int8), d (f16). */
static void dequant_q6_k(const uint8_t *b, float *y) {
    const uint8_t *ql = b;
    const uint8_t *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    float d = mosaic_fp16_to_fp32(mosaic_load_u16(b + 208));
    for (int n = 0; n < 256; n += 128) {
        for (int l = 0; l < 32; l++) {
            int is = l / 16;
            int q1 = (int)((ql[l] & 0xf) | (((qh[l] >> 0) & 3) << 4)) - 32;
            int q2 = (int)((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
            int q3 = (int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            int q4 = (int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * (float)sc[is] * (float)q1;
            y[l + 32] = d * (float)sc[is + 2] * (float)q2;
            y[l + 64] = d * (float)sc[is + 4] * (float)q3;
            y[l + 96] = d * (float)sc[is + 6] * (float)q4;
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

void mosaic_dequantize_block(int32_t type, const uint8_t *src, float *dst) {
    switch (type) {
    case MOSAIC_TYPE_Q8_0: dequant_q8_0(src, dst); break;
    case MOSAIC_TYPE_Q4_0: dequant_q4_0(src, dst); break;
    case MOSAIC_TYPE_Q4_K: dequant_q4_k(src, dst); break;
    case MOSAIC_TYPE_Q6_K: dequant_q6_k(src, dst); break;
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

void mosaic_embedding(int32_t type, const void *table, int64_t cols, const int32_t *ids, int64_t n, float *out,
                      int32_t threads) {
    int64_t row_bytes = mosaic_row_bytes(type, cols);
#pragma omp parallel for num_threads(threads) schedule(static) if (n > 1)
    for (int64_t i = 0; i < n; i++) {
        mosaic_dequantize(type, (const uint8_t *)table + (int64_t)ids[i] * row_bytes, cols, out + i * cols);
    }
}
