/*
 * types.c - the one table of tensor-type facts (name, block geometry, dequantiser, which kernels
 * take the type) that both the C kernels and Java (through mosaic_type_traits) read, and the
 * bit-exact dequantisers behind mosaic_dequantize.
 *
 * Built with -ffp-contract=off (see CMakeLists.txt): ggml's dequantisers multiply and add in
 * separate roundings, and so must these to give the same floats.
 */
#include "internal.h"
#include "kquants.h"
#include "quants.h"

static void dequant_f32(const uint8_t *b, float *y) { memcpy(y, b, 4); }
static void dequant_f16(const uint8_t *b, float *y) { y[0] = mosaic_fp16_to_fp32(mosaic_load_u16(b)); }
static void dequant_bf16(const uint8_t *b, float *y) { y[0] = mosaic_bf16_to_fp32(mosaic_load_u16(b)); }

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

static void dequant_q4_1(const uint8_t *b, float *y) { mosaic_dequant_q4_1(b, y); }
static void dequant_q5_0(const uint8_t *b, float *y) { mosaic_dequant_q5_0(b, y); }
static void dequant_q5_1(const uint8_t *b, float *y) { mosaic_dequant_q5_1(b, y); }
static void dequant_iq4_nl(const uint8_t *b, float *y) { mosaic_dequant_iq4_nl(b, y); }
static void dequant_q2_k(const uint8_t *b, float *y) { mosaic_dequant_q2_k(b, y); }
static void dequant_q3_k(const uint8_t *b, float *y) { mosaic_dequant_q3_k(b, y); }
static void dequant_q4_k(const uint8_t *b, float *y) { mosaic_dequant_q4_k(b, y); }
static void dequant_q5_k(const uint8_t *b, float *y) { mosaic_dequant_q5_k(b, y); }
static void dequant_q6_k(const uint8_t *b, float *y) { mosaic_dequant_q6_k(b, y); }

#define VEC MOSAIC_TYPE_VECTOR
#define DQ MOSAIC_TYPE_DEQUANTIZE
#define MM MOSAIC_TYPE_MATMUL
#define I8 MOSAIC_TYPE_MATMUL_INT8

/* Every type ggml defines (so that messages can name the ones we do not run), indexed by its
 * GGUF id. Types without flags are known by name and size only. Geometry from ggml-common.h. */
static const struct mosaic_type_info table[MOSAIC_TYPE_COUNT] = {
    [0] = {"f32", 1, 4, dequant_f32, DQ | MM | VEC},
    [1] = {"f16", 1, 2, dequant_f16, DQ | MM | VEC},
    [2] = {"q4_0", 32, 18, dequant_q4_0, DQ | MM | I8},
    [3] = {"q4_1", 32, 20, dequant_q4_1, DQ | MM},
    [6] = {"q5_0", 32, 22, dequant_q5_0, DQ | MM},
    [7] = {"q5_1", 32, 24, dequant_q5_1, DQ | MM},
    [8] = {"q8_0", 32, 34, dequant_q8_0, DQ | MM | I8},
    [9] = {"q8_1", 32, 36, NULL, 0},
    [10] = {"q2_K", 256, 84, dequant_q2_k, DQ | MM},
    [11] = {"q3_K", 256, 110, dequant_q3_k, DQ | MM},
    [12] = {"q4_K", 256, 144, dequant_q4_k, DQ | MM},
    [13] = {"q5_K", 256, 176, dequant_q5_k, DQ | MM},
    [14] = {"q6_K", 256, 210, dequant_q6_k, DQ | MM},
    [15] = {"q8_K", 256, 292, NULL, 0},
    [16] = {"iq2_xxs", 256, 66, NULL, 0},
    [17] = {"iq2_xs", 256, 74, NULL, 0},
    [18] = {"iq3_xxs", 256, 98, NULL, 0},
    [19] = {"iq1_s", 256, 50, NULL, 0},
    [20] = {"iq4_nl", 32, 18, dequant_iq4_nl, DQ | MM},
    [21] = {"iq3_s", 256, 110, NULL, 0},
    [22] = {"iq2_s", 256, 82, NULL, 0},
    [23] = {"iq4_xs", 256, 136, NULL, 0},
    [24] = {"i8", 1, 1, NULL, 0},
    [25] = {"i16", 1, 2, NULL, 0},
    [26] = {"i32", 1, 4, NULL, 0},
    [27] = {"i64", 1, 8, NULL, 0},
    [28] = {"f64", 1, 8, NULL, 0},
    [29] = {"iq1_m", 256, 56, NULL, 0},
    [30] = {"bf16", 1, 2, dequant_bf16, DQ | MM | VEC},
    [34] = {"tq1_0", 256, 54, NULL, 0},
    [35] = {"tq2_0", 256, 66, NULL, 0},
    [39] = {"mxfp4", 32, 17, NULL, 0},
    [40] = {"nvfp4", 64, 36, NULL, 0},
    [41] = {"q1_0", 128, 18, NULL, 0},
    [42] = {"q2_0", 64, 18, NULL, 0},
};

static const struct mosaic_type_info unknown = {NULL, 0, 0, NULL, 0};

const struct mosaic_type_info *mosaic_type_info(int32_t type) {
    return type >= 0 && type < MOSAIC_TYPE_COUNT && table[type].name != NULL ? &table[type] : &unknown;
}

int64_t mosaic_block_elems(int32_t type) { return mosaic_type_info(type)->block_elems; }

int64_t mosaic_block_bytes(int32_t type) { return mosaic_type_info(type)->block_bytes; }

int32_t mosaic_type_traits(int32_t type, int64_t *block_elems, int64_t *block_bytes, int32_t *flags) {
    const struct mosaic_type_info *t = mosaic_type_info(type);
    *block_elems = t->block_elems;
    *block_bytes = t->block_bytes;
    *flags = t->name != NULL ? (t->flags | MOSAIC_TYPE_KNOWN) : 0;
    return t->name != NULL;
}

const char *mosaic_type_name(int32_t type) { return mosaic_type_info(type)->name; }

int32_t mosaic_type_supported(int32_t type) {
    const int32_t f = mosaic_type_info(type)->flags;
    return (f & (DQ | MM)) == (DQ | MM);
}

void mosaic_dequantize_block(int32_t type, const uint8_t *src, float *dst) { mosaic_type_info(type)->dequant(src, dst); }

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
        const struct mosaic_type_info *t = mosaic_type_info(type);
        const int64_t be = t->block_elems, bb = t->block_bytes;
        for (int64_t b = 0; b < count / be; b++) {
            t->dequant(s + b * bb, dst + b * be);
        }
    }
    }
}
