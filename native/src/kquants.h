/*
 * kquants.h - dequantisation of ggml's K-quant super-blocks (256 elements), bit-exact with
 * ggml. Header-only so that each per-ISA file compiles (and vectorises) its own copy.
 */
#ifndef MOSAIC_KQUANTS_H
#define MOSAIC_KQUANTS_H

#include "internal.h"

/* 6-bit scale and min j of a Q4_K block's 12 packed scale bytes. */
static inline void q4k_scale_min(int j, const uint8_t *q, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/* Q4_K: d (f16), dmin (f16), scales[12], qs[128]; 8 sub-blocks of 32 with 6-bit scale/min. */
static inline void mosaic_dequant_q4_k(const uint8_t *b, float *y) {
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
            y[j + l] = d1 * (float)(q[l] & 0xf) - m1;
        }
        for (int l = 0; l < 32; l++) {
            y[j + 32 + l] = d2 * (float)(q[l] >> 4) - m2;
        }
        q += 32;
        is += 2;
    }
}

/* Q6_K: ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] (int8), d (f16). Two passes -
 * integer unpacking, then scaling by groups of 16 - so that compilers vectorise both. */
static inline void mosaic_dequant_q6_k(const uint8_t *b, float *y) {
    const uint8_t *ql = b;
    const uint8_t *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    const float d = mosaic_fp16_to_fp32(mosaic_load_u16(b + 208));
    int8_t q[256];
    for (int n = 0; n < 2; n++) {
        const uint8_t *l4 = ql + 64 * n;
        const uint8_t *h2 = qh + 32 * n;
        int8_t *o = q + 128 * n;
        for (int l = 0; l < 32; l++) {
            o[l] = (int8_t)(((l4[l] & 0xf) | ((h2[l] & 3) << 4)) - 32);
            o[l + 32] = (int8_t)(((l4[l + 32] & 0xf) | (((h2[l] >> 2) & 3) << 4)) - 32);
            o[l + 64] = (int8_t)(((l4[l] >> 4) | (((h2[l] >> 4) & 3) << 4)) - 32);
            o[l + 96] = (int8_t)(((l4[l + 32] >> 4) | (((h2[l] >> 6) & 3) << 4)) - 32);
        }
    }
    for (int g = 0; g < 16; g++) {
        const float s = d * (float)sc[g];
        for (int l = 0; l < 16; l++) {
            y[16 * g + l] = s * (float)q[16 * g + l];
        }
    }
}

#endif
