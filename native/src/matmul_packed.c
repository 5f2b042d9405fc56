/*
 * matmul_packed.c - out = x W^T for Q8_0/Q4_0/Q4_K/Q6_K weights repacked at load time (layout:
 * packed.h), with the activations quantised to int8 per 32 values (ggml's q8_0 rounding, scale
 * in float32).
 *
 * Why: batch-1 decode with one weight row per pass is bound by the latency of its single
 * accumulator chain and by horizontal sums, not by memory (measured: about 8 GB/s of weights
 * against 20+ GB/s for llama.cpp's repacked kernels on the same core). Sixteen rows interleaved
 * give sixteen independent lanes per instruction and one sequential stream; the K-quants use
 * exact integer dots per 32-element block instead of dequantising to float (as ggml does against
 * its q8_K activations).
 *
 * Determinism: each output row takes the same sequence of operations whatever the number of
 * activation rows, the tile it falls in, or the thread split (threads share out whole groups),
 * so batched and unbatched runs agree bit for bit on a given ISA path.
 */
#include <math.h>
#include <stdlib.h>

#include "kquants.h"
#include "packed.h"

#define TILE_ROWS 8

int64_t mosaic_packed_bytes(int32_t type, int64_t w_rows, int64_t cols) {
    const int64_t bb = mosaic_pack_block_bytes(type);
    if (bb == 0 || w_rows <= 0 || cols <= 0 || cols % mosaic_pack_block_cols(type) != 0) {
        return 0;
    }
    return (w_rows + PACK_ROWS - 1) / PACK_ROWS * (cols / mosaic_pack_block_cols(type)) * bb;
}

/* One group's block b from the rows' original blocks (src[r] = row r's block, NULL past w_rows). */
static void pack_block(int32_t type, const uint8_t *const src[PACK_ROWS], uint8_t *dst) {
    memset(dst, 0, (size_t)mosaic_pack_block_bytes(type));
    for (int r = 0; r < PACK_ROWS; r++) {
        const uint8_t *s = src[r];
        switch (type) {
        case MOSAIC_TYPE_Q8_0:
            if (s == NULL) {
                for (int j = 0; j < 8; j++) memset(dst + 32 + 64 * j + 4 * r, 128, 4); /* w = 0 */
                break;
            }
            memcpy(dst + 2 * r, s, 2);
            for (int j = 0; j < 8; j++) { /* int8 + 128 as uint8 is the sign bit flipped: four at a time */
                uint32_t v;
                memcpy(&v, s + 2 + 4 * j, 4);
                v ^= 0x80808080u;
                memcpy(dst + 32 + 64 * j + 4 * r, &v, 4);
            }
            break;
        case MOSAIC_TYPE_Q4_0:
            if (s == NULL) break;
            memcpy(dst + 2 * r, s, 2);
            for (int h = 0; h < 4; h++) memcpy(dst + 32 + 64 * h + 4 * r, s + 2 + 4 * h, 4);
            break;
        case MOSAIC_TYPE_Q4_K:
            if (s == NULL) break;
            memcpy(dst + 2 * r, s, 2);
            memcpy(dst + PACK_Q4_K_DMIN + 2 * r, s + 2, 2);
            for (int j = 0; j < 8; j++) {
                uint8_t sc, m;
                q4k_scale_min(j, s + 4, &sc, &m);
                dst[PACK_Q4_K_SC + 16 * j + r] = sc;
                dst[PACK_Q4_K_M + 16 * j + r] = m;
            }
            for (int c = 0; c < 32; c++) memcpy(dst + PACK_Q4_K_QS + 64 * c + 4 * r, s + 16 + 4 * c, 4);
            break;
        default: /* Q6_K: ql[128], qh[64], scales[16], d */
            if (s == NULL) break;
            memcpy(dst + 2 * r, s + 208, 2);
            for (int j = 0; j < 16; j++) dst[PACK_Q6_K_SC + 16 * j + r] = s[192 + j];
            for (int n = 0; n < 2; n++) {
                for (int t = 0; t < 8; t++) {
                    memcpy(dst + PACK_Q6_K_A(n, t) + 4 * r, s + 64 * n + 4 * t, 4);
                    memcpy(dst + PACK_Q6_K_B(n, t) + 4 * r, s + 64 * n + 32 + 4 * t, 4);
                    memcpy(dst + PACK_Q6_K_H(n, t) + 4 * r, s + 128 + 32 * n + 4 * t, 4);
                }
            }
            break;
        }
    }
}

struct pack_args {
    int32_t type;
    const uint8_t *w;
    int64_t w_rows, cols;
    uint8_t *dst;
};

static void pack_range(void *p, int64_t g_begin, int64_t g_end) {
    const struct pack_args *a = p;
    const int64_t row_bytes = mosaic_row_bytes(a->type, a->cols), bc = mosaic_pack_block_cols(a->type);
    const int64_t blocks = a->cols / bc, src_bb = mosaic_block_bytes(a->type) * (bc / mosaic_block_elems(a->type));
    const int64_t bb = mosaic_pack_block_bytes(a->type);
    for (int64_t g = g_begin; g < g_end; g++) {
        for (int64_t b = 0; b < blocks; b++) {
            const uint8_t *src[PACK_ROWS];
            for (int r = 0; r < PACK_ROWS; r++) {
                const int64_t o = g * PACK_ROWS + r;
                src[r] = o < a->w_rows ? a->w + o * row_bytes + b * src_bb : NULL;
            }
            pack_block(a->type, src, a->dst + (g * blocks + b) * bb);
        }
    }
}

int32_t mosaic_pack_weights(int32_t type, const void *w, int64_t w_rows, int64_t cols, void *dst, int32_t threads) {
    if (mosaic_packed_bytes(type, w_rows, cols) == 0) {
        return 0;
    }
    struct pack_args a = {type, w, w_rows, cols, dst};
    mosaic_parallel_for((w_rows + PACK_ROWS - 1) / PACK_ROWS, 4, threads, pack_range, &a);
    return 1;
}

/* ---- activations ---------------------------------------------------------------------------- */

static void quantize_act_portable(const float *x, const struct mosaic_act *xa, int64_t r_begin, int64_t r_end) {
    for (int64_t r = r_begin; r < r_end; r++) {
        int8_t *q = xa->q + r * xa->cols;
        const int64_t i0 = r * xa->blocks;
        mosaic_quantize_row_q8(x + r * xa->cols, xa->cols, q, xa->d + i0);
        for (int64_t b = 0; b < xa->blocks; b++) {
            int32_t s0 = 0, s1 = 0;
            for (int j = 0; j < 16; j++) {
                s0 += q[32 * b + j];
                s1 += q[32 * b + 16 + j];
            }
            xa->sum16[2 * (i0 + b)] = s0;
            xa->sum16[2 * (i0 + b) + 1] = s1;
            xa->sum[i0 + b] = s0 + s1;
            xa->dsum[i0 + b] = xa->d[i0 + b] * (float)(s0 + s1);
        }
    }
}

struct act_args {
    const float *x;
    const struct mosaic_act *xa;
    int avx512;
};

static void act_range(void *p, int64_t r_begin, int64_t r_end) {
    const struct act_args *a = p;
    if (a->avx512) {
        mosaic_quantize_act_avx512(a->x, a->xa, r_begin, r_end);
    } else {
        quantize_act_portable(a->x, a->xa, r_begin, r_end);
    }
}

/* ---- portable kernel ------------------------------------------------------------------------ */

static inline int32_t lane_byte(const uint8_t *chunk, int r, int i) { return chunk[4 * r + i]; }

static void portable_groups(int32_t type, const uint8_t *packed, int64_t w_rows, int64_t cols,
                            const struct mosaic_act *x, int64_t rows, float *out, int64_t g_begin, int64_t g_end) {
    const int64_t bc = mosaic_pack_block_cols(type), blocks = cols / bc, bb = mosaic_pack_block_bytes(type);
    for (int64_t g = g_begin; g < g_end; g++) {
        const int nr = w_rows - g * PACK_ROWS < PACK_ROWS ? (int)(w_rows - g * PACK_ROWS) : PACK_ROWS;
        for (int64_t row = 0; row < rows; row++) {
            const int8_t *xq = x->q + row * cols;
            const float *dx = x->d + row * x->blocks;
            const float *dsum = x->dsum + row * x->blocks;
            const int32_t *sum = x->sum + row * x->blocks;
            const int32_t *sum16 = x->sum16 + 2 * row * x->blocks;
            for (int r = 0; r < nr; r++) {
                float acc = 0, accm = 0;
                for (int64_t b = 0; b < blocks; b++) {
                    const uint8_t *p = packed + (g * blocks + b) * bb;
                    const float d = mosaic_fp16_to_fp32(mosaic_load_u16(p + 2 * r));
                    if (type == MOSAIC_TYPE_Q8_0 || type == MOSAIC_TYPE_Q4_0) {
                        int32_t isum = 0;
                        for (int k = 0; k < 32; k++) {
                            int32_t w;
                            if (type == MOSAIC_TYPE_Q8_0) {
                                w = lane_byte(p + 32 + 64 * (k / 4), r, k % 4);
                            } else {
                                const int32_t byte = lane_byte(p + 32 + 64 * ((k % 16) / 4), r, k % 4);
                                w = k < 16 ? byte & 15 : byte >> 4;
                            }
                            isum += w * xq[32 * b + k];
                        }
                        isum -= (type == MOSAIC_TYPE_Q8_0 ? 128 : 8) * sum[b];
                        acc += (float)isum * (d * dx[b]);
                    } else if (type == MOSAIC_TYPE_Q4_K) {
                        const float dmin = mosaic_fp16_to_fp32(mosaic_load_u16(p + PACK_Q4_K_DMIN + 2 * r));
                        for (int j = 0; j < 8; j++) {
                            const int64_t xb = 8 * b + j;
                            int32_t isum = 0;
                            for (int k = 0; k < 32; k++) {
                                const int32_t byte = lane_byte(p + PACK_Q4_K_QS + 64 * (8 * (j / 2) + k / 4), r, k % 4);
                                isum += ((j & 1) ? byte >> 4 : byte & 15) * xq[32 * xb + k];
                            }
                            const float a = d * (float)p[PACK_Q4_K_SC + 16 * j + r];
                            const float m = dmin * (float)p[PACK_Q4_K_M + 16 * j + r];
                            acc += (float)isum * (a * dx[xb]);
                            accm += m * dsum[xb];
                        }
                    } else {
                        for (int n = 0; n < 2; n++) {
                            for (int q = 0; q < 4; q++) {
                                const int64_t xb = 8 * b + 4 * n + q;
                                int32_t tot = 0;
                                for (int h = 0; h < 2; h++) {
                                    int32_t isum = 0;
                                    for (int k = 0; k < 16; k++) {
                                        const int t = 4 * h + k / 4, i = k % 4;
                                        const int32_t lo = lane_byte(p + ((q & 1) ? PACK_Q6_K_B(n, t) : PACK_Q6_K_A(n, t)), r, i);
                                        const int32_t hi = lane_byte(p + PACK_Q6_K_H(n, t), r, i);
                                        const int32_t w = (q < 2 ? lo & 15 : lo >> 4) | (((hi >> (2 * q)) & 3) << 4);
                                        isum += w * xq[32 * xb + 16 * h + k];
                                    }
                                    const int32_t sc = (int8_t)p[PACK_Q6_K_SC + 16 * (8 * n + 2 * q + h) + r];
                                    tot += (isum - 32 * sum16[2 * xb + h]) * sc;
                                }
                                acc += (float)tot * (d * dx[xb]);
                            }
                        }
                    }
                }
                out[row * w_rows + g * PACK_ROWS + r] = acc - accm;
            }
        }
    }
}

/* ---- dispatch ------------------------------------------------------------------------------- */

struct matmul_args {
    int32_t type, path;
    const uint8_t *packed;
    int64_t w_rows, cols, rows;
    const struct mosaic_act *x;
    float *out;
};

static void matmul_range(void *p, int64_t g_begin, int64_t g_end) {
    const struct matmul_args *a = p;
    switch (a->path) {
    case MOSAIC_ISA_AVX512:
        mosaic_packed_groups_avx512(a->type, a->packed, a->w_rows, a->cols, a->x, a->rows, a->out, g_begin, g_end);
        break;
    case MOSAIC_ISA_AVX2:
        mosaic_packed_groups_avx2(a->type, a->packed, a->w_rows, a->cols, a->x, a->rows, a->out, g_begin, g_end);
        break;
    default:
        portable_groups(a->type, a->packed, a->w_rows, a->cols, a->x, a->rows, a->out, g_begin, g_end);
    }
}

int32_t mosaic_matmul_packed(int32_t type, const void *packed, int64_t w_rows, int64_t cols, const float *x,
                             int64_t rows, float *out, int32_t threads) {
    if (mosaic_packed_bytes(type, w_rows, cols) == 0 || rows <= 0) {
        return rows == 0;
    }
    int path = mosaic_isa_active();
    if (path == MOSAIC_ISA_AVX512 && !mosaic_cpu_has_vnni()) {
        path = MOSAIC_ISA_AVX2; /* AVX-512 without VNNI (Skylake-X): the maddubs kernel */
    }
    const int64_t blocks = cols / 32;
    /* q, then d, dsum, sum, sum16; every part a multiple of 64 bytes so each starts aligned */
    const int64_t q_bytes = (rows * cols + 63) / 64 * 64, f_bytes = (rows * blocks * 4 + 63) / 64 * 64;
    uint8_t *scratch = aligned_alloc(64, (size_t)(q_bytes + 5 * f_bytes));
    if (scratch == NULL) {
        return 0;
    }
    struct mosaic_act xa = {(int8_t *)scratch, (float *)(scratch + q_bytes), (float *)(scratch + q_bytes + f_bytes),
                            (int32_t *)(scratch + q_bytes + 2 * f_bytes), (int32_t *)(scratch + q_bytes + 3 * f_bytes),
                            cols, blocks};
    struct act_args aa = {x, &xa, path == MOSAIC_ISA_AVX512};
    mosaic_parallel_for(rows, 4, threads, act_range, &aa);
    struct matmul_args a = {type, path, packed, w_rows, cols, rows, &xa, out};
    mosaic_parallel_for((w_rows + PACK_ROWS - 1) / PACK_ROWS, 1, threads, matmul_range, &a);
    free(scratch);
    return 1;
}
