/*
 * attention_avx512.c - AVX-512 variant of mosaic_attention (compiled with AVX-512 flags, chosen
 * at run time by attention.c). Same streaming softmax as the portable kernel, but:
 *  - the query heads that share a KV head (GQA) are processed together, so each K and V row is
 *    loaded once for the whole group rather than once per query head;
 *  - exponentials are computed 16 at a time with a polynomial (Cephes' expf, about 1 ulp);
 *  - dot products and accumulator updates are inlined vector code.
 */
#include <immintrin.h>
#include <math.h>

#include "internal.h"
#include "vexp.h"

#define CHUNK 64
#define MAX_GROUP 8 /* query heads handled together; larger groups are split */

/* A head's K or V row is hd floats inside a slot of kv_heads * hd: rows of one head are 1 KiB or
 * more apart, a stride the hardware prefetcher follows late, so the loops ask PREFETCH rows ahead
 * (decode attention at 160 positions spent most of its time waiting on these loads). */
#define PREFETCH 8

static inline void prefetch_row(const float *p, int32_t hd) {
    for (int32_t d = 0; d < hd; d += 16) {
        _mm_prefetch((const char *)(p + d), _MM_HINT_T0);
    }
}

static inline __mmask16 lanes(int64_t left) {
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}

struct attention_args {
    float *out;
    const float *q, *k_cache, *v_cache;
    const int32_t *row_start, *row_count, *first_pos, *block_table_start, *block_tables;
    int32_t block_size, heads, kv_heads, head_dim;
    float scale;
    int32_t group, sub_group, subs; /* query heads per KV head, heads per work item, items per KV head */
};

/* Work items are (sequence, KV head, sub-group of its query heads). */
static void attention_range(void *p, int64_t begin, int64_t end) {
    const struct attention_args *a = p;
    const int32_t hd = a->head_dim, bs = a->block_size;
    const int64_t q_width = (int64_t)a->heads * hd;
    const int64_t kv_width = (int64_t)a->kv_heads * hd;
    float acc[MAX_GROUP][MOSAIC_MAX_HEAD_DIM] __attribute__((aligned(64)));
    float sc[MAX_GROUP][CHUNK] __attribute__((aligned(64)));
    int64_t slots[CHUNK];
    for (int64_t item = begin; item < end; item++) {
        const int32_t per_seq = a->kv_heads * a->subs;
        const int32_t s = (int32_t)(item / per_seq);
        const int32_t kvh = (int32_t)(item % per_seq) / a->subs;
        const int32_t sub = (int32_t)(item % per_seq) % a->subs;
        const int32_t h0 = kvh * a->group + sub * a->sub_group;
        const int32_t hend = (kvh + 1) * a->group < h0 + a->sub_group ? (kvh + 1) * a->group : h0 + a->sub_group;
        const int32_t g_count = hend - h0;
        const int32_t *table = a->block_tables + a->block_table_start[s];
        const float *k_base = a->k_cache + (int64_t)kvh * hd;
        const float *v_base = a->v_cache + (int64_t)kvh * hd;
        for (int32_t i = 0; i < a->row_count[s]; i++) {
            const int64_t row = (int64_t)a->row_start[s] + i;
            const float *q0 = a->q + row * q_width + (int64_t)h0 * hd;
            const int32_t last = a->first_pos[s] + i;
            float m[MAX_GROUP];
            double l[MAX_GROUP];
            for (int32_t g = 0; g < g_count; g++) {
                m[g] = -INFINITY;
                l[g] = 0;
                for (int32_t d = 0; d < hd; d += 16) {
                    _mm512_store_ps(acc[g] + d, _mm512_setzero_ps());
                }
            }
            for (int32_t p0 = 0; p0 <= last; p0 += CHUNK) {
                const int32_t n = last + 1 - p0 < CHUNK ? last + 1 - p0 : CHUNK;
                int32_t blk = p0 / bs, off = p0 % bs;
                for (int32_t j = 0; j < n; j++) {
                    slots[j] = (int64_t)table[blk] * bs + off;
                    if (++off == bs) {
                        off = 0;
                        blk++;
                    }
                }
                /* scores: each K row once, dotted with every query head of the group */
                for (int32_t j = 0; j < n; j++) {
                    const float *kp = k_base + slots[j] * kv_width;
                    if (j + PREFETCH < n) {
                        prefetch_row(k_base + slots[j + PREFETCH] * kv_width, hd);
                    }
                    if (j < PREFETCH) {
                        prefetch_row(v_base + slots[j] * kv_width, hd); /* the V rows this chunk reads first */
                    }
                    for (int32_t g = 0; g < g_count; g++) {
                        const float *qv = q0 + (int64_t)g * hd;
                        __m512 dot = _mm512_setzero_ps();
                        for (int32_t d = 0; d < hd; d += 16) {
                            const __mmask16 mk = lanes(hd - d);
                            dot = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, qv + d), _mm512_maskz_loadu_ps(mk, kp + d), dot);
                        }
                        sc[g][j] = a->scale * _mm512_reduce_add_ps(dot);
                    }
                }
                /* running maximum, rescale, and the chunk's weights e^(s - m) */
                for (int32_t g = 0; g < g_count; g++) {
                    __m512 vmax = _mm512_set1_ps(-INFINITY);
                    for (int32_t j = 0; j < n; j += 16) {
                        vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), lanes(n - j), sc[g] + j));
                    }
                    const float cmax = _mm512_reduce_max_ps(vmax);
                    if (cmax > m[g]) {
                        const float r = expf(m[g] - cmax); /* 0 on the first chunk */
                        const __m512 vr = _mm512_set1_ps(r);
                        for (int32_t d = 0; d < hd; d += 16) {
                            _mm512_store_ps(acc[g] + d, _mm512_mul_ps(_mm512_load_ps(acc[g] + d), vr));
                        }
                        l[g] *= r;
                        m[g] = cmax;
                    }
                    const __m512 vm = _mm512_set1_ps(m[g]);
                    __m512 sum = _mm512_setzero_ps();
                    for (int32_t j = 0; j < n; j += 16) {
                        const __mmask16 mk = lanes(n - j);
                        const __m512 e = mosaic_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(mk, sc[g] + j), vm));
                        _mm512_mask_storeu_ps(sc[g] + j, mk, e);
                        sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(mk, e));
                    }
                    l[g] += _mm512_reduce_add_ps(sum);
                }
                /* values: each V row once, accumulated into every head of the group */
                for (int32_t j = 0; j < n; j++) {
                    const float *vp = v_base + slots[j] * kv_width;
                    if (j + PREFETCH < n) {
                        prefetch_row(v_base + slots[j + PREFETCH] * kv_width, hd);
                    }
                    for (int32_t d = 0; d < hd; d += 16) {
                        const __m512 v = _mm512_maskz_loadu_ps(lanes(hd - d), vp + d);
                        for (int32_t g = 0; g < g_count; g++) {
                            _mm512_store_ps(acc[g] + d, _mm512_fmadd_ps(_mm512_set1_ps(sc[g][j]), v, _mm512_load_ps(acc[g] + d)));
                        }
                    }
                }
            }
            for (int32_t g = 0; g < g_count; g++) {
                float *o = a->out + row * q_width + (int64_t)(h0 + g) * hd;
                const __m512 inv = _mm512_set1_ps((float)(1.0 / l[g]));
                for (int32_t d = 0; d < hd; d += 16) {
                    _mm512_mask_storeu_ps(o + d, lanes(hd - d), _mm512_mul_ps(_mm512_load_ps(acc[g] + d), inv));
                }
            }
        }
    }
}

void mosaic_attention_avx512(float *out, const float *q, const float *k_cache, const float *v_cache, int32_t seqs,
                             const int32_t *row_start, const int32_t *row_count, const int32_t *first_pos,
                             const int32_t *block_table_start, const int32_t *block_tables, int32_t block_size,
                             int32_t heads, int32_t kv_heads, int32_t head_dim, float scale, int32_t threads) {
    const int32_t group = heads / kv_heads;
    const int32_t sub_group = group < MAX_GROUP ? group : MAX_GROUP;
    const int32_t subs = (group + sub_group - 1) / sub_group;
    struct attention_args a = {out, q, k_cache, v_cache, row_start, row_count, first_pos, block_table_start,
                               block_tables, block_size, heads, kv_heads, head_dim, scale, group, sub_group, subs};
    mosaic_parallel_for((int64_t)seqs * kv_heads * subs, 1, threads, attention_range, &a);
}
