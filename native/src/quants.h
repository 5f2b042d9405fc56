/*
 * quants.h - dequantisers of the "legacy" 32-element types Q4_1, Q5_0, Q5_1, IQ4_NL and of the
 * K-quants Q2_K, Q3_K, Q5_K (256-element super-blocks), each a transcription of ggml's
 * dequantize_row_* for one block, with the same float operations in the same order, so the
 * results are bit-identical to ggml's (checked by GgmlReferenceTest against libggml-base.so).
 * Only compiled into types.c, which is built with -ffp-contract=off: a fused multiply-add would
 * round differently from ggml's separate multiply and add.
 */
#ifndef MOSAIC_QUANTS_H
#define MOSAIC_QUANTS_H

#include "internal.h"
#include "kquants.h"

/* Q4_1: d (f16), m (f16), qs[16]; low nibbles are elements 0..15, high 16..31; q*d + m. */
static inline void mosaic_dequant_q4_1(const uint8_t *b, float *y) {
    const float d = mosaic_fp16_to_fp32(mosaic_load_u16(b));
    const float m = mosaic_fp16_to_fp32(mosaic_load_u16(b + 2));
    const uint8_t *qs = b + 4;
    for (int j = 0; j < 16; j++) {
        const int x0 = qs[j] & 0x0F;
        const int x1 = qs[j] >> 4;
        y[j] = x0 * d + m;
        y[j + 16] = x1 * d + m;
    }
}

static inline uint32_t load_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Q5_0: d (f16), qh (32 fifth bits), qs[16]; (q - 16) * d. */
static inline void mosaic_dequant_q5_0(const uint8_t *b, float *y) {
    const float d = mosaic_fp16_to_fp32(mosaic_load_u16(b));
    const uint32_t qh = load_u32(b + 2);
    const uint8_t *qs = b + 6;
    for (int j = 0; j < 16; j++) {
        const uint8_t xh_0 = ((qh >> (j + 0)) << 4) & 0x10;
        const uint8_t xh_1 = ((qh >> (j + 12))) & 0x10;
        const int32_t x0 = ((qs[j] & 0x0F) | xh_0) - 16;
        const int32_t x1 = ((qs[j] >> 4) | xh_1) - 16;
        y[j] = x0 * d;
        y[j + 16] = x1 * d;
    }
}

/* Q5_1: d (f16), m (f16), qh (32 fifth bits), qs[16]; q*d + m. */
static inline void mosaic_dequant_q5_1(const uint8_t *b, float *y) {
    const float d = mosaic_fp16_to_fp32(mosaic_load_u16(b));
    const float m = mosaic_fp16_to_fp32(mosaic_load_u16(b + 2));
    const uint32_t qh = load_u32(b + 4);
    const uint8_t *qs = b + 8;
    for (int j = 0; j < 16; j++) {
        const uint8_t xh_0 = ((qh >> (j + 0)) << 4) & 0x10;
        const uint8_t xh_1 = ((qh >> (j + 12))) & 0x10;
        const int x0 = (qs[j] & 0x0F) | xh_0;
        const int x1 = (qs[j] >> 4) | xh_1;
        y[j] = x0 * d + m;
        y[j + 16] = x1 * d + m;
    }
}

/* ggml's kvalues_iq4nl: the 16 non-uniform levels of IQ4_NL. */
static const int8_t mosaic_kvalues_iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/* IQ4_NL: d (f16), qs[16]; d * level[nibble], nibble layout as Q4_0. */
static inline void mosaic_dequant_iq4_nl(const uint8_t *b, float *y) {
    const float d = mosaic_fp16_to_fp32(mosaic_load_u16(b));
    const uint8_t *qs = b + 2;
    for (int j = 0; j < 16; j++) {
        y[j] = d * mosaic_kvalues_iq4nl[qs[j] & 0xf];
        y[j + 16] = d * mosaic_kvalues_iq4nl[qs[j] >> 4];
    }
}

/* Q2_K: scales[16] (low nibble scale, high nibble min), qs[64] (2-bit), d, dmin (f16). */
static inline void mosaic_dequant_q2_k(const uint8_t *b, float *y) {
    const uint8_t *scales = b;
    const uint8_t *q = b + 16;
    const float d = mosaic_fp16_to_fp32(mosaic_load_u16(b + 80));
    const float min = mosaic_fp16_to_fp32(mosaic_load_u16(b + 82));
    int is = 0;
    for (int n = 0; n < 256; n += 128) {
        int shift = 0;
        for (int j = 0; j < 4; ++j) {
            uint8_t sc = scales[is++];
            float dl = d * (sc & 0xF), ml = min * (sc >> 4);
            for (int l = 0; l < 16; ++l) *y++ = dl * ((int8_t)((q[l] >> shift) & 3)) - ml;
            sc = scales[is++];
            dl = d * (sc & 0xF);
            ml = min * (sc >> 4);
            for (int l = 0; l < 16; ++l) *y++ = dl * ((int8_t)((q[l + 16] >> shift) & 3)) - ml;
            shift += 2;
        }
        q += 32;
    }
}

/* The 16 signed 6-bit scales (minus 32) of a Q3_K block's 12 packed bytes, as ggml unpacks them. */
static inline void q3k_scales(const uint8_t *packed, int8_t *scales) {
    const uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
    uint32_t aux[4];
    memcpy(aux, packed, 12);
    const uint32_t tmp = aux[2];
    aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
    aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
    aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
    aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
    memcpy(scales, aux, 16);
}

/* Q3_K: hmask[32] (third bit, set means no -4), qs[64] (low 2 bits), scales[12] (6-bit), d (f16). */
static inline void mosaic_dequant_q3_k(const uint8_t *b, float *y) {
    const uint8_t *hm = b;
    const uint8_t *q = b + 32;
    int8_t scales[16];
    q3k_scales(b + 96, scales);
    const float d_all = mosaic_fp16_to_fp32(mosaic_load_u16(b + 108));
    uint8_t m = 1;
    int is = 0;
    for (int n = 0; n < 256; n += 128) {
        int shift = 0;
        for (int j = 0; j < 4; ++j) {
            float dl = d_all * (scales[is++] - 32);
            for (int l = 0; l < 16; ++l) *y++ = dl * ((int8_t)((q[l + 0] >> shift) & 3) - ((hm[l + 0] & m) ? 0 : 4));
            dl = d_all * (scales[is++] - 32);
            for (int l = 0; l < 16; ++l) *y++ = dl * ((int8_t)((q[l + 16] >> shift) & 3) - ((hm[l + 16] & m) ? 0 : 4));
            shift += 2;
            m <<= 1;
        }
        q += 32;
    }
}

/* Q5_K: d, dmin (f16), scales[12] (as Q4_K), qh[32] (fifth bits), qs[128] (low nibbles). */
static inline void mosaic_dequant_q5_k(const uint8_t *b, float *y) {
    const float d = mosaic_fp16_to_fp32(mosaic_load_u16(b));
    const float min = mosaic_fp16_to_fp32(mosaic_load_u16(b + 2));
    const uint8_t *scales = b + 4;
    const uint8_t *qh = b + 16;
    const uint8_t *ql = b + 48;
    int is = 0;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0; j < 256; j += 64) {
        uint8_t sc, m;
        q4k_scale_min(is + 0, scales, &sc, &m);
        const float d1 = d * sc, m1 = min * m;
        q4k_scale_min(is + 1, scales, &sc, &m);
        const float d2 = d * sc, m2 = min * m;
        for (int l = 0; l < 32; ++l) *y++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
        for (int l = 0; l < 32; ++l) *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
        ql += 32;
        is += 2;
        u1 <<= 2;
        u2 <<= 2;
    }
}

#endif
