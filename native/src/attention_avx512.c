/*
 * attention_avx512.c - AVX-512 variant of mosaic_attention (compiled with AVX-512 flags, chosen
 * at run time by attention.c). Same streaming softmax as the portable kernel, but:
 *  - the query heads that share a KV head (GQA) are processed together, so each K and V row is
 *    loaded once for the whole group rather than once per query head;
 *  - exponentials are computed 16 at a time with a polynomial (Cephes' expf, about 1 ulp);
 *  - scores are computed 16 positions at a time and reduced together (reduce16), not one
 *    horizontal sum per position; the value accumulators stay in registers over a chunk;
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

/* Lane j of the result is the sum of v[j]'s 16 lanes: four rounds of pairing vectors and adding
 * their halves, quarters, pairs and single lanes (45 instructions for 16 sums). */
static inline __m512 reduce16(const __m512 v[16]) {
    const __m512i l1 = _mm512_set_epi32(23, 22, 21, 20, 19, 18, 17, 16, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i h1 = _mm512_set_epi32(31, 30, 29, 28, 27, 26, 25, 24, 15, 14, 13, 12, 11, 10, 9, 8);
    const __m512i l2 = _mm512_set_epi32(27, 26, 25, 24, 19, 18, 17, 16, 11, 10, 9, 8, 3, 2, 1, 0);
    const __m512i h2 = _mm512_set_epi32(31, 30, 29, 28, 23, 22, 21, 20, 15, 14, 13, 12, 7, 6, 5, 4);
    const __m512i l3 = _mm512_set_epi32(29, 28, 25, 24, 21, 20, 17, 16, 13, 12, 9, 8, 5, 4, 1, 0);
    const __m512i h3 = _mm512_set_epi32(31, 30, 27, 26, 23, 22, 19, 18, 15, 14, 11, 10, 7, 6, 3, 2);
    const __m512i l4 = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i h4 = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    __m512 s[8], t[4], u[2];
    for (int k = 0; k < 8; k++) {
        s[k] = _mm512_add_ps(_mm512_permutex2var_ps(v[2 * k], l1, v[2 * k + 1]),
                             _mm512_permutex2var_ps(v[2 * k], h1, v[2 * k + 1]));
    }
    for (int k = 0; k < 4; k++) {
        t[k] = _mm512_add_ps(_mm512_permutex2var_ps(s[2 * k], l2, s[2 * k + 1]),
                             _mm512_permutex2var_ps(s[2 * k], h2, s[2 * k + 1]));
    }
    for (int k = 0; k < 2; k++) {
        u[k] = _mm512_add_ps(_mm512_permutex2var_ps(t[2 * k], l3, t[2 * k + 1]),
                             _mm512_permutex2var_ps(t[2 * k], h3, t[2 * k + 1]));
    }
    return _mm512_add_ps(_mm512_permutex2var_ps(u[0], l4, u[1]), _mm512_permutex2var_ps(u[0], h4, u[1]));
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
                /* scores, 16 positions at a time: 16 dot vectors per head, then one transposing
                 * reduction (reduce16) instead of 16 horizontal sums; the block's K rows stay in L1
                 * for the other heads of the group. Missing rows of a short block repeat the last
                 * one and are not stored. */
                for (int32_t jb = 0; jb < n; jb += 16) {
                    const int32_t nb = n - jb < 16 ? n - jb : 16;
                    const float *kr[16];
                    for (int32_t jj = 0; jj < 16; jj++) {
                        kr[jj] = k_base + slots[jb + (jj < nb ? jj : nb - 1)] * kv_width;
                    }
                    for (int32_t jj = 0; jj < nb; jj++) {
                        if (jb + jj + PREFETCH < n) {
                            prefetch_row(k_base + slots[jb + jj + PREFETCH] * kv_width, hd);
                        }
                        if (jb + jj < PREFETCH) {
                            prefetch_row(v_base + slots[jb + jj] * kv_width, hd); /* the V rows this chunk reads first */
                        }
                    }
                    for (int32_t g = 0; g < g_count; g++) {
                        const float *qv = q0 + (int64_t)g * hd;
                        __m512 dv[16];
                        for (int32_t jj = 0; jj < 16; jj++) {
                            dv[jj] = _mm512_setzero_ps();
                        }
                        for (int32_t d = 0; d < hd; d += 16) {
                            const __mmask16 mk = lanes(hd - d);
                            const __m512 qd = _mm512_maskz_loadu_ps(mk, qv + d);
                            for (int32_t jj = 0; jj < 16; jj++) {
                                dv[jj] = _mm512_fmadd_ps(qd, _mm512_maskz_loadu_ps(mk, kr[jj] + d), dv[jj]);
                            }
                        }
                        _mm512_mask_storeu_ps(sc[g] + jb, lanes(nb), _mm512_mul_ps(_mm512_set1_ps(a->scale), reduce16(dv)));
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
                /* values: the accumulators of 64 dimensions of one head stay in registers over
                 * the chunk's positions (the V rows stay in L1 for the other heads) */
                for (int32_t d0 = 0; d0 < hd; d0 += 64) {
                    const int32_t w = hd - d0 < 64 ? hd - d0 : 64;
                    const __mmask16 m0 = lanes(w), m1 = lanes(w > 16 ? w - 16 : 0), m2 = lanes(w > 32 ? w - 32 : 0),
                                    m3 = lanes(w > 48 ? w - 48 : 0);
                    for (int32_t g = 0; g < g_count; g++) {
                        float *ag = acc[g] + d0;
                        __m512 a0 = _mm512_load_ps(ag), a1 = w > 16 ? _mm512_load_ps(ag + 16) : _mm512_setzero_ps();
                        __m512 a2 = w > 32 ? _mm512_load_ps(ag + 32) : _mm512_setzero_ps();
                        __m512 a3 = w > 48 ? _mm512_load_ps(ag + 48) : _mm512_setzero_ps();
                        for (int32_t j = 0; j < n; j++) {
                            const float *vp = v_base + slots[j] * kv_width + d0;
                            if (g == 0 && d0 == 0 && j + PREFETCH < n) {
                                prefetch_row(v_base + slots[j + PREFETCH] * kv_width, hd);
                            }
                            const __m512 pj = _mm512_set1_ps(sc[g][j]);
                            a0 = _mm512_fmadd_ps(pj, _mm512_maskz_loadu_ps(m0, vp), a0);
                            if (w > 16) {
                                a1 = _mm512_fmadd_ps(pj, _mm512_maskz_loadu_ps(m1, vp + 16), a1);
                            }
                            if (w > 32) {
                                a2 = _mm512_fmadd_ps(pj, _mm512_maskz_loadu_ps(m2, vp + 32), a2);
                            }
                            if (w > 48) {
                                a3 = _mm512_fmadd_ps(pj, _mm512_maskz_loadu_ps(m3, vp + 48), a3);
                            }
                        }
                        _mm512_store_ps(ag, a0);
                        if (w > 16) {
                            _mm512_store_ps(ag + 16, a1);
                        }
                        if (w > 32) {
                            _mm512_store_ps(ag + 32, a2);
                        }
                        if (w > 48) {
                            _mm512_store_ps(ag + 48, a3);
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
