/*
 * attention.c - KV store into slots and causal GQA attention over the paged KV cache.
 *
 * Each (sequence, query head) pair is one work item; within it every query row runs a streaming
 * softmax over its visible positions in chunks of CHUNK: scores of a chunk, one rescale of the
 * accumulator if the running maximum grew, then the weighted V rows are added. Nothing of size
 * context length is materialised. On AVX-512 machines attention_avx512.c does the same with the
 * query heads of a GQA group together.
 */
#include <math.h>

#include "internal.h"

#define CHUNK 64

typedef float (*dot_fn)(const float *a, const float *b, int64_t n);
typedef void (*scale_axpy_fn)(float *y, float s, float a, const float *x, int64_t n);

static float dot_portable(const float *a, const float *b, int64_t n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int j = 0; j < 8; j++) acc[j] += a[i + j] * b[i + j];
    }
    float tail = 0;
    for (; i < n; i++) tail += a[i] * b[i];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
}

static void scale_axpy_portable(float *y, float s, float a, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = y[i] * s + a * x[i];
}

struct kv_store_args {
    float *k_cache, *v_cache;
    int64_t row_floats;
    const float *k, *v;
    const int32_t *slots;
};

static void kv_store_range(void *p, int64_t begin, int64_t end) {
    const struct kv_store_args *a = p;
    const int64_t w = a->row_floats;
    for (int64_t r = begin; r < end; r++) {
        memcpy(a->k_cache + (int64_t)a->slots[r] * w, a->k + r * w, (size_t)w * 4);
        memcpy(a->v_cache + (int64_t)a->slots[r] * w, a->v + r * w, (size_t)w * 4);
    }
}

void mosaic_kv_store(float *k_cache, float *v_cache, int64_t row_floats, const float *k, const float *v,
                     const int32_t *slots, int64_t rows, int32_t threads) {
    struct kv_store_args a = {k_cache, v_cache, row_floats, k, v, slots};
    mosaic_parallel_for(rows, (1 << 14) / row_floats + 1, threads, kv_store_range, &a);
}

struct attention_args {
    float *out;
    const float *q, *k_cache, *v_cache;
    const int32_t *row_start, *row_count, *first_pos, *block_table_start, *block_tables;
    int32_t block_size, heads, kv_heads, head_dim;
    float scale;
    dot_fn dot;
    scale_axpy_fn scale_axpy;
};

/* Work items are (sequence, query head) pairs: item = s * heads + h. */
static void attention_range(void *p, int64_t begin, int64_t end) {
    const struct attention_args *a = p;
    const int32_t head_dim = a->head_dim, block_size = a->block_size;
    const int64_t q_width = (int64_t)a->heads * head_dim;
    const int64_t kv_width = (int64_t)a->kv_heads * head_dim;
    const int32_t group = a->heads / a->kv_heads;
    float acc[MOSAIC_MAX_HEAD_DIM];
    float scores[CHUNK];
    int64_t slots[CHUNK];
    for (int64_t item = begin; item < end; item++) {
        const int32_t s = (int32_t)(item / a->heads);
        const int32_t h = (int32_t)(item % a->heads);
        const int32_t *table = a->block_tables + a->block_table_start[s];
        const int64_t kv_off = (int64_t)(h / group) * head_dim;
        for (int32_t i = 0; i < a->row_count[s]; i++) {
            const int64_t row = (int64_t)a->row_start[s] + i;
            const float *qv = a->q + row * q_width + (int64_t)h * head_dim;
            const int32_t last = a->first_pos[s] + i;
            float m = -INFINITY;
            double l = 0;
            for (int32_t d = 0; d < head_dim; d++) acc[d] = 0;
            for (int32_t p0 = 0; p0 <= last; p0 += CHUNK) {
                const int32_t n = last + 1 - p0 < CHUNK ? last + 1 - p0 : CHUNK;
                /* slots of this chunk's positions, walking the block table without a division per position */
                int32_t blk = p0 / block_size, off = p0 % block_size;
                for (int32_t j = 0; j < n; j++) {
                    slots[j] = (int64_t)table[blk] * block_size + off;
                    if (++off == block_size) {
                        off = 0;
                        blk++;
                    }
                }
                float cmax = -INFINITY;
                for (int32_t j = 0; j < n; j++) {
                    scores[j] = a->scale * a->dot(qv, a->k_cache + slots[j] * kv_width + kv_off, head_dim);
                    cmax = scores[j] > cmax ? scores[j] : cmax;
                }
                if (cmax > m) {
                    const float r = expf(m - cmax); /* 0 on the first chunk */
                    for (int32_t d = 0; d < head_dim; d++) acc[d] *= r;
                    l *= r;
                    m = cmax;
                }
                for (int32_t j = 0; j < n; j++) {
                    const float e = expf(scores[j] - m);
                    l += e;
                    a->scale_axpy(acc, 1.0f, e, a->v_cache + slots[j] * kv_width + kv_off, head_dim);
                }
            }
            float *o = a->out + row * q_width + (int64_t)h * head_dim;
            const float inv = (float)(1.0 / l);
            for (int32_t d = 0; d < head_dim; d++) o[d] = acc[d] * inv;
        }
    }
}

void mosaic_attention(float *out, const float *q, const float *k_cache, const float *v_cache, int32_t seqs,
                      const int32_t *row_start, const int32_t *row_count, const int32_t *first_pos,
                      const int32_t *block_table_start, const int32_t *block_tables, int32_t block_size,
                      int32_t heads, int32_t kv_heads, int32_t head_dim, float scale, int32_t threads) {
    const int32_t isa = mosaic_isa_active();
    if (isa == MOSAIC_ISA_AVX512) {
        mosaic_attention_avx512(out, q, k_cache, v_cache, seqs, row_start, row_count, first_pos, block_table_start,
                                block_tables, block_size, heads, kv_heads, head_dim, scale, threads);
        return;
    }
    struct attention_args a = {out, q, k_cache, v_cache, row_start, row_count, first_pos, block_table_start,
                               block_tables, block_size, heads, kv_heads, head_dim, scale, dot_portable,
                               scale_axpy_portable};
    if (isa == MOSAIC_ISA_AVX2) {
        a.dot = mosaic_dot_f32_avx2;
        a.scale_axpy = mosaic_scale_axpy_avx2;
    }
    mosaic_parallel_for((int64_t)seqs * heads, 1, threads, attention_range, &a);
}
