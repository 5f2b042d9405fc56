// Paged causal GQA attention for a mixed prefill/decode batch, flash-decoding style: the KV
// positions of each (query row, head) are cut into `splits` chunks processed by separate blocks
// (so a long decode row keeps the whole GPU busy), each with an online softmax over tiles of
// positions; a second kernel merges the chunks' partial results. Prefill rows use the same
// kernel, one query row per block (no reuse of K/V tiles across query rows yet).
#include "common.cuh"

using namespace mosaic;

namespace {
constexpr int THREADS = 128;
constexpr int TILE = THREADS;  // positions scored per tile: one per thread
constexpr int MAX_PER_THREAD = MOSAIC_CUDA_MAX_HEAD_DIM / THREADS;

__device__ __forceinline__ int64_t slot_of(const int32_t *table, int32_t block_size, int32_t p) {
    return (int64_t) table[p / block_size] * block_size + p % block_size;
}

__global__ void attention_partial(bf16 *out, const bf16 *q, const bf16 *k_cache, const bf16 *v_cache,
                                  const int32_t *row_seq, const int32_t *positions, const int32_t *block_table_start,
                                  const int32_t *block_tables, int32_t block_size, int32_t heads, int32_t kv_heads,
                                  int32_t head_dim, float scale, int32_t splits, int32_t split_len, float *workspace) {
    __shared__ float qs[MOSAIC_CUDA_MAX_HEAD_DIM];
    __shared__ float probs[TILE];
    __shared__ float red[33];
    int64_t rh = blockIdx.x;
    int32_t split = blockIdx.y;
    int64_t r = rh / heads;
    int32_t h = (int32_t) (rh % heads);
    int32_t kh = h / (heads / kv_heads);
    int32_t seq = row_seq[r];
    int32_t len = positions[r] + 1;
    const int32_t *table = block_tables + block_table_start[seq];
    int32_t begin = split * split_len;
    int32_t end = min(len, begin + split_len);
    int64_t kv_row = (int64_t) kv_heads * head_dim;

    for (int d = threadIdx.x; d < head_dim; d += THREADS) {
        qs[d] = load(q, rh * head_dim + d) * scale;
    }
    __syncthreads();

    float m = -FLT_MAX;
    float l = 0.0f;
    float acc[MAX_PER_THREAD];
#pragma unroll
    for (int j = 0; j < MAX_PER_THREAD; j++) acc[j] = 0.0f;

    for (int32_t t0 = begin; t0 < end; t0 += TILE) {
        int32_t p = t0 + threadIdx.x;
        float score = -FLT_MAX;
        if (p < end) {
            const bf16 *kr = k_cache + slot_of(table, block_size, p) * kv_row + (int64_t) kh * head_dim;
            float dot = 0.0f;
            for (int d = 0; d < head_dim; d += 2) {
                float2 kv = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(kr + d));
                dot += qs[d] * kv.x + qs[d + 1] * kv.y;
            }
            score = dot;
        }
        float tile_max = block_max(score, red);
        float m_new = fmaxf(m, tile_max);
        float correction = expf(m - m_new);
        float e = p < end ? expf(score - m_new) : 0.0f;
        probs[threadIdx.x] = e;
        float tile_sum = block_sum(e, red);  // also orders the probs writes before the reads below
        l = l * correction + tile_sum;
        m = m_new;
        int32_t count = min(TILE, end - t0);
#pragma unroll
        for (int j = 0; j < MAX_PER_THREAD; j++) {
            int d = threadIdx.x + j * THREADS;
            if (d < head_dim) {
                float a = acc[j] * correction;
                for (int32_t i = 0; i < count; i++) {
                    const bf16 *vr = v_cache + slot_of(table, block_size, t0 + i) * kv_row + (int64_t) kh * head_dim;
                    a += probs[i] * load(vr, d);
                }
                acc[j] = a;
            }
        }
        __syncthreads();  // probs is rewritten by the next tile
    }

    if (splits == 1) {
        float inv = l > 0.0f ? 1.0f / l : 0.0f;
#pragma unroll
        for (int j = 0; j < MAX_PER_THREAD; j++) {
            int d = threadIdx.x + j * THREADS;
            if (d < head_dim) store(out, rh * head_dim + d, acc[j] * inv);
        }
        return;
    }
    float *w = workspace + (rh * splits + split) * (int64_t) (head_dim + 2);
    if (threadIdx.x == 0) {
        w[0] = begin < end ? m : -FLT_MAX;
        w[1] = begin < end ? l : 0.0f;
    }
#pragma unroll
    for (int j = 0; j < MAX_PER_THREAD; j++) {
        int d = threadIdx.x + j * THREADS;
        if (d < head_dim) w[2 + d] = begin < end ? acc[j] : 0.0f;
    }
}

__global__ void attention_combine(bf16 *out, int32_t head_dim, int32_t splits, const float *workspace) {
    int64_t rh = blockIdx.x;
    const float *w = workspace + rh * splits * (int64_t) (head_dim + 2);
    float m = -FLT_MAX;
    for (int32_t s = 0; s < splits; s++) {
        m = fmaxf(m, w[s * (int64_t) (head_dim + 2)]);
    }
    float l = 0.0f;
    for (int32_t s = 0; s < splits; s++) {
        const float *ws = w + s * (int64_t) (head_dim + 2);
        if (ws[1] > 0.0f) l += ws[1] * expf(ws[0] - m);
    }
    float inv = l > 0.0f ? 1.0f / l : 0.0f;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float a = 0.0f;
        for (int32_t s = 0; s < splits; s++) {
            const float *ws = w + s * (int64_t) (head_dim + 2);
            if (ws[1] > 0.0f) a += ws[2 + d] * expf(ws[0] - m);
        }
        store(out, rh * head_dim + d, a * inv);
    }
}
}  // namespace

extern "C" cudaError_t mosaic_cuda_attention(void *out, const void *q, const void *k_cache, const void *v_cache, int64_t rows,
                                             const int32_t *row_seq, const int32_t *positions,
                                             const int32_t *block_table_start, const int32_t *block_tables,
                                             int32_t block_size, int32_t heads, int32_t kv_heads, int32_t head_dim,
                                             float scale, int32_t splits, int32_t split_len, float *workspace,
                                             cudaStream_t stream) {
    if (rows == 0) return cudaSuccess;
    if (head_dim > MOSAIC_CUDA_MAX_HEAD_DIM || head_dim % 2 != 0 || splits < 1 || split_len < 1
        || (splits > 1 && workspace == nullptr)) {
        return cudaErrorInvalidValue;
    }
    dim3 grid((unsigned int) (rows * heads), (unsigned int) splits);
    attention_partial<<<grid, THREADS, 0, stream>>>((bf16 *) out, (const bf16 *) q, (const bf16 *) k_cache,
                                                     (const bf16 *) v_cache, row_seq, positions, block_table_start,
                                                     block_tables, block_size, heads, kv_heads, head_dim, scale, splits,
                                                     split_len, workspace);
    cudaError_t e = launched();
    if (e != cudaSuccess || splits == 1) return e;
    attention_combine<<<(unsigned int) (rows * heads), 128, 0, stream>>>((bf16 *) out, head_dim, splits, workspace);
    return launched();
}
