/*
 * packed.h - the interleaved ("repacked") weight layouts of matmul_packed*.c; not part of the ABI.
 *
 * Weights are regrouped at load time into groups of PACK_ROWS = 16 output rows. Within a group,
 * each block (Q8_0/Q4_0: 32 columns; Q4_K/Q6_K: a 256-column super-block) is stored as the 16
 * rows' scales side by side followed by the quants in 64-byte chunks whose 16 four-byte lanes are
 * the 16 rows: lane r of a chunk holds 4 consecutive quants of row r. One 512-bit load therefore
 * gives 4 columns of 16 rows, one vpdpbusd against 4 broadcast activation bytes gives 16 partial
 * row sums, and the result of a group is one 16-float vector: no horizontal sums, 16 independent
 * accumulator lanes, and a single sequential stream from memory. Quants are stored unsigned
 * (Q8_0 as w + 128, Q4_0 as its nibble, Q4_K as its nibble, Q6_K as its 6-bit value) so they are
 * the unsigned operand of u8 x s8 products; the offsets are removed with per-activation-block
 * sums (sum_k (w + c) x = sum_k w x + c sum_k x). Rows past w_rows in the last group are zero.
 *
 * Per group and block, bytes (offsets from the block's start):
 *   Q8_0 (544): d[16] f16 | 8 chunks: chunk j lane r = w[r][4j..4j+3] + 128
 *   Q4_0 (288): d[16] f16 | 4 chunks: chunk h lane r = qs[r][4h..4h+3] (ggml's bytes: low nibble
 *               element 4h+i, high nibble element 16+4h+i)
 *   Q4_K (2368): d[16] f16 | dmin[16] f16 | sc[8][16] u8 | m[8][16] u8 (6-bit scales/mins
 *               unpacked) | 32 chunks: chunk 8c+t lane r = qs[r][32c+4t..+3] (low nibbles:
 *               sub-block 2c, elements 64c+4t+i; high: sub-block 2c+1, elements 64c+32+4t+i)
 *   Q6_K (3360): d[16] f16 | sc[16][16] s8 | for each half n of the super-block (128 columns),
 *               24 chunks in the order the kernels first read them: for t < 8, the ql chunk
 *               A(n,t) (lane r = ql[r][64n+4t..+3]: sub-blocks 4n and 4n+2) then the qh chunk
 *               H(n,t) (lane r = qh[r][32n+4t..+3]); then the 8 ql chunks B(n,t) (lane r =
 *               ql[r][64n+32+4t..+3]: sub-blocks 4n+1, 4n+3). Step (n, q=0) reads A and H
 *               interleaved, (n, 1) reads B, both in address order; (n, 2) and (n, 3) re-read them
 *               from L1. ggml's bit layout within each byte is kept.
 */
#ifndef MOSAIC_PACKED_H
#define MOSAIC_PACKED_H

#include "internal.h"

#define PACK_ROWS 16

/* Distance in bytes at which the kernels prefetch the weight stream (see docs/tuning.md). */
#ifndef PACK_PREFETCH
#define PACK_PREFETCH 8192
#endif

#define PACK_Q8_0_BYTES 544
#define PACK_Q4_0_BYTES 288
#define PACK_Q4_K_BYTES 2368
#define PACK_Q6_K_BYTES 3360

#define PACK_Q4_K_DMIN 32
#define PACK_Q4_K_SC 64
#define PACK_Q4_K_M 192
#define PACK_Q4_K_QS 320
#define PACK_Q6_K_SC 32
#define PACK_Q6_K_QS 288

/* Offsets in a Q6_K group block of the chunks A(n,t) (ql, low nibbles: sub-block 4n, high: 4n+2),
 * B(n,t) (ql: 4n+1, 4n+3) and H(n,t) (qh); t < 8. */
#define PACK_Q6_K_A(n, t) (PACK_Q6_K_QS + 1536 * (n) + 128 * (t))
#define PACK_Q6_K_H(n, t) (PACK_Q6_K_QS + 1536 * (n) + 128 * (t) + 64)
#define PACK_Q6_K_B(n, t) (PACK_Q6_K_QS + 1536 * (n) + 1024 + 64 * (t))

/* Bytes of one group's block (0 for a type without a packed layout) and columns per block. */
static inline int64_t mosaic_pack_block_bytes(int32_t type) {
    switch (type) {
    case MOSAIC_TYPE_Q8_0: return PACK_Q8_0_BYTES;
    case MOSAIC_TYPE_Q4_0: return PACK_Q4_0_BYTES;
    case MOSAIC_TYPE_Q4_K: return PACK_Q4_K_BYTES;
    case MOSAIC_TYPE_Q6_K: return PACK_Q6_K_BYTES;
    default: return 0;
    }
}

static inline int64_t mosaic_pack_block_cols(int32_t type) {
    return type == MOSAIC_TYPE_Q4_K || type == MOSAIC_TYPE_Q6_K ? 256 : 32;
}

/* Activation rows quantised for the packed kernels, row-major, 32-element blocks: row r's block
 * b has int8 values q[r * cols + 32 b ..], scale d[r * blocks + b] (ggml's q8_0 rounding, scale in
 * float32), integer sum sum[r * blocks + b] of its 32 values, the sums of its two halves
 * sum16[2 (r * blocks + b) + h], and dsum[r * blocks + b] = d * sum. */
struct mosaic_act {
    int8_t *q;
    float *d;
    float *dsum;
    int32_t *sum;
    int32_t *sum16;
    int64_t cols, blocks;
};

/* Kernels over groups [g_begin, g_end) of packed weights for activation rows [0, rows). */
MOSAIC_INTERNAL void mosaic_packed_groups_avx512(int32_t type, const uint8_t *packed, int64_t w_rows, int64_t cols,
                                                 const struct mosaic_act *x, int64_t rows, float *out,
                                                 int64_t g_begin, int64_t g_end);
MOSAIC_INTERNAL void mosaic_packed_groups_avx2(int32_t type, const uint8_t *packed, int64_t w_rows, int64_t cols,
                                               const struct mosaic_act *x, int64_t rows, float *out,
                                               int64_t g_begin, int64_t g_end);
/* Quantises activation rows [r_begin, r_end) (same results as the portable quantiser). */
MOSAIC_INTERNAL void mosaic_quantize_act_avx512(const float *x, const struct mosaic_act *xa, int64_t r_begin,
                                                int64_t r_end);

#endif
