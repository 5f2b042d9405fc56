/* libmosaic_cuda: the CUDA kernels of MOSAIC's GPU backend, as extern "C" launchers.
 *
 * Mirrors native/include/mosaic.h op by op. Every launcher takes device pointers, sizes and the
 * stream to launch on, enqueues its kernel(s) and returns the launch's cudaError_t (it never
 * synchronises). Java validates every size, offset and index before calling (CudaBackend), so
 * the kernels assume valid input.
 *
 * Activations are bf16 (__nv_bfloat16 passed as void*), accumulated in float32; norm gains and
 * biases are float32; the KV cache is bf16 laid out per layer K[slot][kv_head][head_dim] then
 * V[slot][kv_head][head_dim], exactly like the CPU backend's float32 cache. */
#ifndef MOSAIC_CUDA_H
#define MOSAIC_CUDA_H

#include <stdint.h>
#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MOSAIC_CUDA_API __attribute__((visibility("default")))

/* Bumped whenever a launcher's signature changes; the Java bindings check it. */
#define MOSAIC_CUDA_ABI_VERSION 1
#define MOSAIC_CUDA_MAX_HEAD_DIM 256
#define MOSAIC_CUDA_ROPE_INTERLEAVED 0
#define MOSAIC_CUDA_ROPE_HALVES 1

MOSAIC_CUDA_API int32_t mosaic_cuda_abi_version(void);

/* ---- convert.cu: dtype conversions (weights at upload, host <-> activation copies) -------- */
MOSAIC_CUDA_API cudaError_t mosaic_cuda_f32_to_bf16(void *dst, const float *src, int64_t n, cudaStream_t stream);
MOSAIC_CUDA_API cudaError_t mosaic_cuda_bf16_to_f32(float *dst, const void *src, int64_t n, cudaStream_t stream);
MOSAIC_CUDA_API cudaError_t mosaic_cuda_f16_to_bf16(void *dst, const void *src, int64_t n, cudaStream_t stream);
MOSAIC_CUDA_API cudaError_t mosaic_cuda_f16_to_f32(float *dst, const void *src, int64_t n, cudaStream_t stream);

/* ---- embedding.cu: out[i] = table[ids[i]] (bf16 rows of cols) ------------------------------ */
MOSAIC_CUDA_API cudaError_t mosaic_cuda_embedding(void *out, const void *table, int64_t cols, const int32_t *ids,
                                                  int64_t n, cudaStream_t stream);

/* ---- rmsnorm.cu: out[r] = x[r] / rms(x[r]) * gamma -------------------------------------- */
MOSAIC_CUDA_API cudaError_t mosaic_cuda_rmsnorm(void *out, const void *x, const float *gamma, int64_t rows, int64_t cols,
                                                float eps, cudaStream_t stream);

/* ---- add.cu: residual add, bias ------------------------------------------------------------ */
MOSAIC_CUDA_API cudaError_t mosaic_cuda_add(void *acc, const void *x, int64_t n, cudaStream_t stream);
MOSAIC_CUDA_API cudaError_t mosaic_cuda_add_bias(void *x, const float *bias, int64_t rows, int64_t cols,
                                                 cudaStream_t stream);

/* ---- swiglu.cu: out = silu(gate) * up ------------------------------------------------------ */
MOSAIC_CUDA_API cudaError_t mosaic_cuda_swiglu(void *out, const void *gate, const void *up, int64_t n,
                                               cudaStream_t stream);

/* ---- softmax.cu: row softmax in place, bf16 or float32 rows ------------------------------ */
MOSAIC_CUDA_API cudaError_t mosaic_cuda_softmax_bf16(void *x, int64_t rows, int64_t cols, cudaStream_t stream);
MOSAIC_CUDA_API cudaError_t mosaic_cuda_softmax_f32(float *x, int64_t rows, int64_t cols, cudaStream_t stream);

/* ---- rope.cu: rotate rows of heads*head_dim at positions[r]; inv_freq has head_dim/2 doubles */
MOSAIC_CUDA_API cudaError_t mosaic_cuda_rope(void *x, int64_t rows, int32_t heads, int32_t head_dim,
                                             const int32_t *positions, const double *inv_freq, int32_t layout,
                                             cudaStream_t stream);

/* ---- copy.cu: KV store and row gather ------------------------------------------------------ */
MOSAIC_CUDA_API cudaError_t mosaic_cuda_kv_store(void *k_cache, void *v_cache, int64_t row_elems, const void *k,
                                                 const void *v, const int32_t *slots, int64_t rows, cudaStream_t stream);
/* dst[i] = src[rows[i]] for n rows of width elements; elem_bytes is 2 (bf16) or 4 (float32). */
MOSAIC_CUDA_API cudaError_t mosaic_cuda_gather_rows(void *dst, const void *src, int64_t width, int32_t elem_bytes,
                                                    const int32_t *rows, int64_t n, cudaStream_t stream);

/* ---- attention.cu: paged causal GQA attention, split over the KV positions -------------------
 * Row r belongs to sequence row_seq[r] and sits at position positions[r]; it attends to
 * positions 0 .. positions[r] of its sequence, position p living in slot
 * block_tables[block_table_start[s] + p / block_size] * block_size + p % block_size.
 * The positions are cut into `splits` chunks of split_len each (flash-decoding); each chunk
 * writes a partial (max, sum, acc[head_dim]) to workspace, which must hold
 * rows * heads * splits * (head_dim + 2) floats; a second kernel combines them.
 * splits == 1 skips the workspace. head_dim <= MOSAIC_CUDA_MAX_HEAD_DIM. */
MOSAIC_CUDA_API cudaError_t mosaic_cuda_attention(void *out, const void *q, const void *k_cache, const void *v_cache,
                                                  int64_t rows, const int32_t *row_seq, const int32_t *positions,
                                                  const int32_t *block_table_start, const int32_t *block_tables,
                                                  int32_t block_size, int32_t heads, int32_t kv_heads, int32_t head_dim,
                                                  float scale, int32_t splits, int32_t split_len, float *workspace,
                                                  cudaStream_t stream);

/* ---- sample.cu: token choice on the device from float32 logits rows ------------------------
 * For each row: temperature <= 0 (or top_k == 1) picks the argmax; otherwise it samples from
 * softmax(logits / temperature) restricted to the top_k most likely tokens (0 = all) and then
 * to the smallest set of them whose mass reaches top_p, using uniform[r] in [0, 1). Writes the
 * token and the log-probability of that token under softmax(logits) (temperature 1, unfiltered),
 * which is what the engine reports. */
MOSAIC_CUDA_API cudaError_t mosaic_cuda_sample(const float *logits, int64_t rows, int64_t vocab, float temperature,
                                               int32_t top_k, float top_p, const float *uniform, int32_t *out_tokens,
                                               float *out_logprobs, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
