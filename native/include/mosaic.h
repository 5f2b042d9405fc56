/*
 * mosaic.h - the single C ABI that MOSAIC's Java code binds through FFM.
 *
 * Conventions: flat functions, explicit sizes, no allocation behind the caller's back.
 * Java validates every size, offset and shape before a downcall; these functions may
 * assume valid input. Every exported symbol is prefixed mosaic_.
 *
 * Kernels take the number of threads to use (the caller's included; see parallel.c) as their
 * last argument, so thread counts belong to the caller (one per backend) and there is no global
 * thread setting; the threads come from the worker pool bound to the calling thread.
 * Activations are row-major float32; weights are in one of the GGML types below, rows
 * contiguous, any byte alignment.
 */
#ifndef MOSAIC_H
#define MOSAIC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MOSAIC_API __attribute__((visibility("default")))

/* ABI version: bumped whenever a signature in this header changes. */
#define MOSAIC_ABI_VERSION 1

MOSAIC_API int32_t mosaic_abi_version(void);

/* ---- instruction-set dispatch (cpu.c) ----------------------------------------------- */

/* Kernel code paths, from the portable C fallback to the widest SIMD. */
#define MOSAIC_ISA_PORTABLE 0
#define MOSAIC_ISA_AVX2 1   /* AVX2 + FMA + F16C */
#define MOSAIC_ISA_AVX512 2 /* AVX-512 F/BW/VL + FMA + F16C */

/* The widest path this CPU supports (checked with __builtin_cpu_supports). */
MOSAIC_API int32_t mosaic_isa_best(void);
/* The path kernels use now. Starts at $MOSAIC_ISA (portable|avx2|avx512) if set, else the best. */
MOSAIC_API int32_t mosaic_isa(void);
/* Selects a path (clamped to the best supported) and returns the one now active. Process-wide:
 * meant for tests and diagnostics. */
MOSAIC_API int32_t mosaic_set_isa(int32_t isa);
/* Human-readable description: active path, best path and the CPU features seen. Static string. */
MOSAIC_API const char *mosaic_cpu_features(void);

/* AMX (Intel tile instructions) for this process: MOSAIC_AMX_UNSUPPORTED when the CPU lacks
 * AMX-TILE/AMX-INT8, MOSAIC_AMX_DENIED when the kernel refused the tile-data permission
 * (arch_prctl ARCH_REQ_XCOMP_PERM, asked once per process) or AMX is switched off ($MOSAIC_AMX=off
 * or mosaic_set_amx_allowed(0)), MOSAIC_AMX_GRANTED when tile instructions may run. No kernel
 * issues a tile instruction unless this returned GRANTED; the others fall back to AVX-512/AVX2. */
#define MOSAIC_AMX_DENIED (-1)
#define MOSAIC_AMX_UNSUPPORTED 0
#define MOSAIC_AMX_GRANTED 1
MOSAIC_API int32_t mosaic_amx_status(void);
/* Allows (1) or forbids (0) AMX process-wide, overriding $MOSAIC_AMX; returns the new status.
 * For tests and diagnostics (forbidding proves the fallback). */
MOSAIC_API int32_t mosaic_set_amx_allowed(int32_t allowed);

/* ---- pages (pages.c) ---------------------------------------------------------------- */

/* `bytes` of zero-filled, page-aligned memory mapped from the OS: each page is backed on first
 * touch, so what is never touched costs nothing; mappings of 2 MiB and more are advised for
 * transparent huge pages. NULL if bytes <= 0 or the OS refuses. */
MOSAIC_API void *mosaic_pages_alloc(int64_t bytes);
/* Unmaps memory from mosaic_pages_alloc (the same byte count). NULL is ignored. */
MOSAIC_API void mosaic_pages_free(void *p, int64_t bytes);

/* ---- worker pools (parallel.c) ------------------------------------------------------ */

/* A set of worker threads that runs the multi-threaded kernels of the threads bound to it. Each
 * backend owns one, so that several engines in a process compute at the same time; a thread that
 * binds none uses a process-wide default pool (workers created on first use, kept for the life
 * of the process). Kernels called with threads > 1 use at most the bound pool's threads. */
typedef struct mosaic_pool mosaic_pool;

/* A pool for kernels using `threads` threads (the caller's included, so threads - 1 workers are
 * started now), or NULL if no memory. */
MOSAIC_API mosaic_pool *mosaic_pool_create(int32_t threads);
/* Waits for a job in flight, stops and joins the workers. The pool must not be used afterwards;
 * a thread that still has it bound falls back to the default pool. NULL is ignored. */
MOSAIC_API void mosaic_pool_destroy(mosaic_pool *pool);
/* Binds `pool` (NULL: the default pool) to the calling thread: its kernels run on that pool. */
MOSAIC_API void mosaic_pool_bind(mosaic_pool *pool);
/* Threads (workers + caller) a pool runs a kernel on; 1 for NULL. */
MOSAIC_API int32_t mosaic_pool_threads(const mosaic_pool *pool);
/* Pools created and not yet destroyed (a resource counter for tests). */
MOSAIC_API int32_t mosaic_pool_live(void);

/* ---- weight types: GGML/GGUF type ids ---------------------------------------------- */

#define MOSAIC_TYPE_F32 0
#define MOSAIC_TYPE_F16 1
#define MOSAIC_TYPE_Q4_0 2
#define MOSAIC_TYPE_Q8_0 8
#define MOSAIC_TYPE_Q4_K 12
#define MOSAIC_TYPE_Q6_K 14
#define MOSAIC_TYPE_BF16 30

#define MOSAIC_TYPE_Q4_1 3
#define MOSAIC_TYPE_Q5_0 6
#define MOSAIC_TYPE_Q5_1 7
#define MOSAIC_TYPE_Q2_K 10
#define MOSAIC_TYPE_Q3_K 11
#define MOSAIC_TYPE_Q5_K 13
#define MOSAIC_TYPE_IQ4_NL 20

/* Type ids are < MOSAIC_TYPE_COUNT (ggml's GGML_TYPE_COUNT when this table was written). */
#define MOSAIC_TYPE_COUNT 43

/* Flags of mosaic_type_traits. */
#define MOSAIC_TYPE_KNOWN 1        /* ggml defines the id: name and block geometry are valid */
#define MOSAIC_TYPE_DEQUANTIZE 2   /* mosaic_dequantize and mosaic_embedding accept it */
#define MOSAIC_TYPE_MATMUL 4       /* mosaic_matmul accepts it (float activations) */
#define MOSAIC_TYPE_MATMUL_INT8 8  /* mosaic_matmul_int8 accepts it (int8 activations) */
#define MOSAIC_TYPE_VECTOR 16      /* a plain float type: rmsnorm gains and biases may have it */

/* The one table of type facts (types.c): elements and bytes per block and MOSAIC_TYPE_* flags of
 * type id `type`; returns 1 if ggml defines the id, else 0 (all outputs 0). Java reads it at load
 * rather than repeating the sizes. */
MOSAIC_API int32_t mosaic_type_traits(int32_t type, int64_t *block_elems, int64_t *block_bytes, int32_t *flags);
/* ggml's name of the type ("q4_K"), a static string, or NULL when the id is unknown. */
MOSAIC_API const char *mosaic_type_name(int32_t type);
/* Whether matmul/embedding/dequantize accept this weight type (1) or not (0). */
MOSAIC_API int32_t mosaic_type_supported(int32_t type);

/* ---- matmul.c ----------------------------------------------------------------------- */

/* out[r][o] = sum_k w[o][k] * x[r][k] for r < rows, o < w_rows; w is w_rows rows of cols
 * elements of the given type (cols a multiple of the type's block size), x is [rows][cols],
 * out is [rows][w_rows]. Weights are streamed once per block of up to 8 activation rows. */
MOSAIC_API void mosaic_matmul(int32_t type, const void *w, int64_t w_rows, int64_t cols,
                              const float *x, int64_t rows, float *out, int32_t threads);

/* ---- matmul_int8.c ------------------------------------------------------------------ */

/* Like mosaic_matmul for the types flagged MOSAIC_TYPE_MATMUL_INT8 (Q8_0, Q4_0) only, but each activation row is first quantised to
 * int8 per 32-element block like ggml's q8_0 (d = amax/127 kept as float32, q = round(x/d)) and
 * every block's dot product is an exact integer sum, scaled by d_w * d_x: faster, at the cost of
 * the activation rounding (relative error about 1/254 per element). A row's result does not
 * depend on rows or threads. Allocates (and frees) a scratch buffer of about 2 bytes per activation;
 * falls back to mosaic_matmul if that fails. */
MOSAIC_API void mosaic_matmul_int8(int32_t type, const void *w, int64_t w_rows, int64_t cols,
                                   const float *x, int64_t rows, float *out, int32_t threads);

/* ---- matmul_panels.c ---------------------------------------------------------------- */

/* Bytes of the 16-row panel layout mosaic_pack_panels writes for w_rows x cols F32/F16/BF16
 * weights (rows rounded up to 16), or 0 for another type or an empty shape. */
MOSAIC_API int64_t mosaic_panel_bytes(int32_t type, int64_t w_rows, int64_t cols);
/* Repacks row-major F32/F16/BF16 weights into dst (mosaic_panel_bytes bytes, 64-byte aligned for
 * best speed). Returns 1, or 0 for a type or shape without a panel layout. */
MOSAIC_API int32_t mosaic_pack_panels(int32_t type, const void *w, int64_t w_rows, int64_t cols, void *dst,
                                      int32_t threads);
/* out[rows][w_rows] = x[rows][cols] W^T for weights packed by mosaic_pack_panels. Each output is
 * one fused multiply-add chain over the columns in order, bit-identical on every ISA, batch and
 * thread split. Returns 1, or 0 for a type or shape without a panel layout. */
MOSAIC_API int32_t mosaic_matmul_panels(int32_t type, const void *panels, int64_t w_rows, int64_t cols, const float *x,
                                        int64_t rows, float *out, int32_t threads);

/* ---- matmul_packed.c ---------------------------------------------------------------- */

/* Bytes of the interleaved layout mosaic_pack_weights writes for w_rows x cols weights of the
 * given type, or 0 if the type has none (types with one: Q8_0, Q4_0, Q4_K, Q6_K). */
MOSAIC_API int64_t mosaic_packed_bytes(int32_t type, int64_t w_rows, int64_t cols);
/* Writes w (w_rows rows of cols elements, as for mosaic_matmul) in the packed layout into dst
 * (mosaic_packed_bytes bytes, 64-byte aligned for best speed). Returns 1, or 0 for a type
 * without a packed layout (nothing written). */
MOSAIC_API int32_t mosaic_pack_weights(int32_t type, const void *w, int64_t w_rows, int64_t cols, void *dst,
                                       int32_t threads);
/* Like mosaic_matmul_int8 (activations quantised to int8 per 32 values, exact integer block
 * dots), for weights packed by mosaic_pack_weights, on every type with a packed layout. A row's
 * result does not depend on rows or threads. Returns 1 when done, 0 when its scratch allocation
 * (about 1.2 bytes per activation) failed and nothing was written. */
MOSAIC_API int32_t mosaic_matmul_packed(int32_t type, const void *packed, int64_t w_rows, int64_t cols,
                                        const float *x, int64_t rows, float *out, int32_t threads);

/* ---- embedding.c -------------------------------------------------------------------- */

/* dst[0..count) = the first count elements at src, dequantised to float32 (count a multiple
 * of the type's block size). */
MOSAIC_API void mosaic_dequantize(int32_t type, const void *src, int64_t count, float *dst);

/* out[i] = row ids[i] of table (rows of cols elements of the given type), as float32. */
MOSAIC_API void mosaic_embedding(int32_t type, const void *table, int64_t cols, const int32_t *ids,
                                 int64_t n, float *out, int32_t threads);

/* ---- rmsnorm.c ---------------------------------------------------------------------- */

/* out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * gamma for rows rows of cols floats; gamma is
 * cols elements of type F32, F16 or BF16. out may equal x. */
MOSAIC_API void mosaic_rmsnorm(float *out, const float *x, int32_t gamma_type, const void *gamma,
                               int64_t rows, int64_t cols, float eps, int32_t threads);

/* ---- add.c -------------------------------------------------------------------------- */

/* acc[i] += x[i] for i < n. */
MOSAIC_API void mosaic_add(float *acc, const float *x, int64_t n, int32_t threads);

/* x[r][c] += bias[c] for rows rows of cols floats; bias is F32, F16 or BF16. */
MOSAIC_API void mosaic_add_bias(float *x, int32_t bias_type, const void *bias, int64_t rows,
                                int64_t cols, int32_t threads);

/* ---- swiglu.c ----------------------------------------------------------------------- */

/* out[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i]; out may alias. */
MOSAIC_API void mosaic_swiglu(float *out, const float *gate, const float *up, int64_t n, int32_t threads);

/* ---- logits.c ----------------------------------------------------------------------- */

/* For a row of n logits: returns the first index of the maximum and stores log(sum(exp(x))) in
 * *lse (exponentials to about 1 ulp in float, summed in double); returns -1 (and leaves *lse)
 * when n <= 0, any logit is NaN, or the maximum is infinite. */
MOSAIC_API int64_t mosaic_logits_max_lse(const float *x, int64_t n, double *lse);

/* ---- softmax.c ---------------------------------------------------------------------- */

/* In-place, numerically stable softmax of each of rows rows of cols floats. */
MOSAIC_API void mosaic_softmax(float *x, int64_t rows, int64_t cols, int32_t threads);

/* ---- rope.c ------------------------------------------------------------------------- */

#define MOSAIC_ROPE_INTERLEAVED 0 /* pairs (2i, 2i+1) */
#define MOSAIC_ROPE_HALVES 1      /* pairs (i, i + head_dim/2) */

/* Rotates x in place: rows rows of heads*head_dim floats; row r is at positions[r]; pair i of
 * a head turns by positions[r] * inv_freq[i] (inv_freq has head_dim/2 entries, computed by the
 * caller so that frequency scaling lives in one place). Angles are computed in double. */
MOSAIC_API void mosaic_rope(float *x, int64_t rows, int32_t heads, int32_t head_dim, const int32_t *positions,
                            const double *inv_freq, int32_t layout, int32_t threads);

/* Largest head_dim that rope and attention accept (their per-head scratch lives on the stack). */
#define MOSAIC_MAX_HEAD_DIM 512

/* ---- attention.c -------------------------------------------------------------------- */

/* Writes K and V rows (row_floats floats each) of rows tokens into slot slots[r] of one
 * layer's caches k_cache / v_cache ([slot][row_floats]). */
MOSAIC_API void mosaic_kv_store(float *k_cache, float *v_cache, int64_t row_floats, const float *k,
                                const float *v, const int32_t *slots, int64_t rows, int32_t threads);

/* Causal GQA attention over a paged cache for a mixed prefill/decode batch of seqs sequences.
 * Sequence s owns query rows row_start[s] .. + row_count[s]; its row i is at position
 * first_pos[s] + i and attends to positions 0 .. that position, position p living in slot
 * block_tables[block_table_start[s] + p / block_size] * block_size + p % block_size.
 * q and out are [rows][heads*head_dim]; k_cache/v_cache are one layer's [slot][kv_heads*head_dim];
 * query head h reads KV head h / (heads / kv_heads). Online (streaming) softmax. */
MOSAIC_API void mosaic_attention(float *out, const float *q, const float *k_cache, const float *v_cache,
                                 int32_t seqs, const int32_t *row_start, const int32_t *row_count,
                                 const int32_t *first_pos, const int32_t *block_table_start,
                                 const int32_t *block_tables, int32_t block_size, int32_t heads,
                                 int32_t kv_heads, int32_t head_dim, float scale, int32_t threads);

/* ---- copy.c ------------------------------------------------------------------------- */

/* memcpy of bytes bytes split over threads: measures this machine's copy bandwidth. */
MOSAIC_API void mosaic_copy(void *dst, const void *src, int64_t bytes, int32_t threads);

#ifdef __cplusplus
}
#endif
#endif /* MOSAIC_H */
