// Token choice on the device: argmax, or temperature / top-k / top-p sampling, plus the
// log-probability of the chosen token. One block per row. Top-k and top-p are found as value
// thresholds by bisection (counting and summing over the row), which needs no sort and gives
// the sorted definition's set up to ties at the threshold; the draw then scans the candidates
// in index order.
#include "common.cuh"

using namespace mosaic;

namespace {
constexpr int THREADS = 1024;
constexpr int BISECT = 40;

struct ArgMax {
    float v;
    int32_t i;
};

__device__ __forceinline__ ArgMax better(ArgMax a, ArgMax b) {
    if (b.v > a.v || (b.v == a.v && b.i < a.i)) return b;
    return a;
}

__device__ ArgMax block_argmax(ArgMax x, float *vs, int32_t *is) {
    for (int o = 16; o > 0; o >>= 1) {
        ArgMax y{__shfl_xor_sync(0xffffffffu, x.v, o), __shfl_xor_sync(0xffffffffu, x.i, o)};
        x = better(x, y);
    }
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    if (lane == 0) {
        vs[warp] = x.v;
        is[warp] = x.i;
    }
    __syncthreads();
    if (warp == 0) {
        int warps = blockDim.x >> 5;
        ArgMax y = lane < warps ? ArgMax{vs[lane], is[lane]} : ArgMax{-FLT_MAX, INT32_MAX};
        for (int o = 16; o > 0; o >>= 1) {
            ArgMax z{__shfl_xor_sync(0xffffffffu, y.v, o), __shfl_xor_sync(0xffffffffu, y.i, o)};
            y = better(y, z);
        }
        if (lane == 0) {
            vs[32] = y.v;
            is[32] = y.i;
        }
    }
    __syncthreads();
    ArgMax r{vs[32], is[32]};
    __syncthreads();
    return r;
}

// Inclusive prefix sum over the block; `shared` holds at least 33 floats. Returns this thread's
// inclusive sum; *total gets the block's total.
__device__ float block_scan(float v, float *shared, float *total) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    for (int o = 1; o < 32; o <<= 1) {
        float y = __shfl_up_sync(0xffffffffu, v, o);
        if (lane >= o) v += y;
    }
    if (lane == 31) shared[warp] = v;
    __syncthreads();
    if (warp == 0) {
        int warps = blockDim.x >> 5;
        float w = lane < warps ? shared[lane] : 0.0f;
        for (int o = 1; o < 32; o <<= 1) {
            float y = __shfl_up_sync(0xffffffffu, w, o);
            if (lane >= o) w += y;
        }
        shared[lane] = w;  // inclusive sums of warp totals
    }
    __syncthreads();
    float before = warp > 0 ? shared[warp - 1] : 0.0f;
    *total = shared[(blockDim.x >> 5) - 1];
    __syncthreads();
    return v + before;
}

__global__ void sample(const float *logits, int64_t vocab, float temperature, int32_t top_k, float top_p,
                       const float *uniform, int32_t *out_tokens, float *out_logprobs) {
    __shared__ float red[33];
    __shared__ float vs[33];
    __shared__ int32_t is[33];
    __shared__ int32_t chosen;
    int64_t r = blockIdx.x;
    const float *x = logits + r * vocab;

    ArgMax best{-FLT_MAX, INT32_MAX};
    float lo_all = FLT_MAX;
    for (int64_t i = threadIdx.x; i < vocab; i += THREADS) {
        best = better(best, ArgMax{x[i], (int32_t) i});
        lo_all = fminf(lo_all, x[i]);
    }
    best = block_argmax(best, vs, is);
    float m = best.v;
    lo_all = -block_max(-lo_all, red);
    float s = 0.0f;
    for (int64_t i = threadIdx.x; i < vocab; i += THREADS) s += expf(x[i] - m);
    float lse = m + logf(block_sum(s, red));

    int32_t token = best.i;
    if (!(temperature <= 0.0f || top_k == 1)) {
        float inv_t = 1.0f / temperature;
        // Work on scaled values z = x / T; weights exp(z - zmax).
        float zmax = m * inv_t;
        float lo = lo_all * inv_t;
        float hi = zmax;
        float threshold = lo;
        if (top_k > 0 && top_k < vocab) {
            // largest t with count(z >= t) >= top_k
            for (int it = 0; it < BISECT; it++) {
                float mid = 0.5f * (lo + hi);
                float c = 0.0f;
                for (int64_t i = threadIdx.x; i < vocab; i += THREADS) c += x[i] * inv_t >= mid ? 1.0f : 0.0f;
                c = block_sum(c, red);
                if (c >= (float) top_k) lo = mid; else hi = mid;
            }
            threshold = lo;
        }
        if (top_p < 1.0f) {
            float mass_k = 0.0f;
            for (int64_t i = threadIdx.x; i < vocab; i += THREADS) {
                float z = x[i] * inv_t;
                if (z >= threshold) mass_k += expf(z - zmax);
            }
            mass_k = block_sum(mass_k, red);
            float want = top_p * mass_k;
            float plo = threshold;
            float phi = zmax;
            // largest t >= threshold with mass(z >= t) >= top_p * mass_k
            for (int it = 0; it < BISECT; it++) {
                float mid = 0.5f * (plo + phi);
                float c = 0.0f;
                for (int64_t i = threadIdx.x; i < vocab; i += THREADS) {
                    float z = x[i] * inv_t;
                    if (z >= mid) c += expf(z - zmax);
                }
                c = block_sum(c, red);
                if (c >= want) plo = mid; else phi = mid;
            }
            threshold = plo;
        }
        float total = 0.0f;
        for (int64_t i = threadIdx.x; i < vocab; i += THREADS) {
            float z = x[i] * inv_t;
            if (z >= threshold) total += expf(z - zmax);
        }
        total = block_sum(total, red);
        float target = uniform[r] * total;
        if (threadIdx.x == 0) chosen = -1;
        __syncthreads();
        float running = 0.0f;
        for (int64_t base = 0; base < vocab; base += THREADS) {
            int64_t i = base + threadIdx.x;
            float z = i < vocab ? x[i] * inv_t : -FLT_MAX;
            float wgt = i < vocab && z >= threshold ? expf(z - zmax) : 0.0f;
            float chunk_total;
            float incl = block_scan(wgt, red, &chunk_total);
            float excl = incl - wgt;
            if (wgt > 0.0f && running + excl <= target && target < running + incl) {
                atomicMax(&chosen, -1);  // keeps the write below ordered after the reset
                atomicCAS(&chosen, -1, (int32_t) i);
            }
            __syncthreads();
            running += chunk_total;
            if (chosen >= 0) break;
        }
        // Rounding can leave target at the very top of the mass: then the greedy choice (always a candidate) stands.
        if (chosen >= 0) token = chosen;
    }
    if (threadIdx.x == 0) {
        out_tokens[r] = token;
        out_logprobs[r] = x[token] - lse;
    }
}
}  // namespace

extern "C" cudaError_t mosaic_cuda_sample(const float *logits, int64_t rows, int64_t vocab, float temperature, int32_t top_k,
                                          float top_p, const float *uniform, int32_t *out_tokens, float *out_logprobs,
                                          cudaStream_t stream) {
    if (rows == 0) return cudaSuccess;
    sample<<<(unsigned int) rows, THREADS, 0, stream>>>(logits, vocab, temperature, top_k, top_p, uniform, out_tokens,
                                                       out_logprobs);
    return launched();
}
