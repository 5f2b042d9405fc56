/*
 * parallel.c - the worker pool behind every multi-threaded kernel.
 *
 * Why not OpenMP: libgomp's workers and master spin (without yielding) at the end of every
 * parallel region. When the machine is busier than its core count - CI runners, laptops, seven
 * builds on two cores - a spinning thread burns the time slice its preempted partner needs, and a
 * batch-1 matmul measured 200x slower with 2 threads than with 1. This pool instead hands out
 * chunks dynamically (a preempted thread never holds back work the others can take), spins only
 * briefly, then yields and finally sleeps.
 *
 * One global pool serves all callers; concurrent callers take turns (each kernel already uses
 * every thread it asked for). Workers are created on first use, up to MAX_WORKERS, and live for
 * the life of the process like OpenMP's.
 *
 * Protocol: the caller writes the job (fn, ctx, n, chunk) and publishes it by storing
 * state = (generation, chunk count, next chunk = 0) in one 64-bit atomic. Everybody claims chunks
 * by compare-and-swap on that word, so a claim is valid only for the generation it names; a
 * successful claim of chunk i < count means the job is still live (the caller returns only after
 * all chunks are done), so the job fields read after it are that job's.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

#define MAX_WORKERS 255
#define SPINS 2000   /* pause iterations before yielding/sleeping: a few microseconds */
#define YIELDS 200   /* sched_yield rounds before a worker sleeps */

#define GEN_SHIFT 48
#define COUNT_SHIFT 24
#define FIELD_MASK ((1ull << 24) - 1)

static inline uint64_t pack(uint64_t gen, uint64_t count, uint64_t next) {
    return (gen << GEN_SHIFT) | (count << COUNT_SHIFT) | next;
}
static inline uint64_t gen_of(uint64_t s) { return s >> GEN_SHIFT; }
static inline uint64_t count_of(uint64_t s) { return (s >> COUNT_SHIFT) & FIELD_MASK; }
static inline uint64_t next_of(uint64_t s) { return s & FIELD_MASK; }

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static struct {
    pthread_mutex_t caller; /* one job at a time */
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    atomic_int sleepers;
    int workers;
    _Atomic uint64_t state;
    atomic_llong done;
    mosaic_range_fn fn;
    void *ctx;
    int64_t n;
    int64_t chunk;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, NULL, NULL, 0, 0};

/* Claims and runs chunks of generation gen until none is left; returns chunks run. */
static int64_t run_chunks(uint64_t gen) {
    int64_t ran = 0;
    uint64_t s = atomic_load_explicit(&pool.state, memory_order_acquire);
    for (;;) {
        if (gen_of(s) != gen || next_of(s) >= count_of(s)) {
            return ran;
        }
        if (!atomic_compare_exchange_weak_explicit(&pool.state, &s, s + 1, memory_order_acq_rel,
                                                   memory_order_acquire)) {
            continue; /* s now holds the current state */
        }
        const int64_t i = (int64_t)next_of(s);
        const int64_t begin = i * pool.chunk;
        const int64_t end = begin + pool.chunk < pool.n ? begin + pool.chunk : pool.n;
        pool.fn(pool.ctx, begin, end);
        ran++;
        s = atomic_load_explicit(&pool.state, memory_order_acquire);
    }
}

static void *worker_main(void *arg) {
    /* the generation current when the worker was created, so that it joins the very next job */
    uint64_t seen = (uint64_t)(uintptr_t)arg;
    for (;;) {
        uint64_t s = atomic_load_explicit(&pool.state, memory_order_acquire);
        for (int i = 0; gen_of(s) == seen; i++) {
            if (i < SPINS) {
                cpu_relax();
            } else if (i < SPINS + YIELDS) {
                sched_yield();
            } else {
                pthread_mutex_lock(&pool.sleep_lock);
                atomic_fetch_add(&pool.sleepers, 1);
                while (gen_of(atomic_load(&pool.state)) == seen) {
                    pthread_cond_wait(&pool.wake, &pool.sleep_lock);
                }
                atomic_fetch_sub(&pool.sleepers, 1);
                pthread_mutex_unlock(&pool.sleep_lock);
                i = 0;
            }
            s = atomic_load_explicit(&pool.state, memory_order_acquire);
        }
        seen = gen_of(s);
        const int64_t ran = run_chunks(seen);
        if (ran > 0) {
            atomic_fetch_add_explicit(&pool.done, ran, memory_order_release);
        }
    }
    return NULL;
}

/* Starts workers until there are `wanted` (caller holds pool.caller). */
static void ensure_workers(int wanted) {
    if (wanted > MAX_WORKERS) {
        wanted = MAX_WORKERS;
    }
    while (pool.workers < wanted) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        /* kernels keep per-head scratch on the stack; 1 MiB is ample */
        pthread_attr_setstacksize(&attr, 1 << 20);
        void *gen = (void *)(uintptr_t)gen_of(atomic_load(&pool.state));
        int rc = pthread_create(&t, &attr, worker_main, gen);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            return; /* run with the workers we have; the caller does the rest */
        }
        pool.workers++;
    }
}

void mosaic_parallel_for(int64_t n, int64_t grain, int32_t threads, mosaic_range_fn fn, void *ctx) {
    if (n <= 0) {
        return;
    }
    if (grain < 1) {
        grain = 1;
    }
    int64_t chunks = (n + grain - 1) / grain;
    /* a few chunks per thread: enough to rebalance around a preempted thread */
    int64_t max_chunks = (int64_t)(threads > 0 ? threads : 1) * 4;
    if (max_chunks > (1 << 20)) {
        max_chunks = 1 << 20; /* must fit the 24-bit fields of the state word */
    }
    if (chunks > max_chunks) {
        chunks = max_chunks;
    }
    if (threads <= 1 || chunks <= 1) {
        fn(ctx, 0, n);
        return;
    }
    const int64_t chunk = (n + chunks - 1) / chunks;
    chunks = (n + chunk - 1) / chunk;

    pthread_mutex_lock(&pool.caller);
    ensure_workers(threads - 1);
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.chunk = chunk;
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    const uint64_t gen = (gen_of(atomic_load(&pool.state)) + 1) & 0xffff;
    atomic_store(&pool.state, pack(gen, (uint64_t)chunks, 0)); /* seq_cst: pairs with sleepers below */
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.sleep_lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.sleep_lock);
    }
    const int64_t ran = run_chunks(gen);
    if (ran > 0) {
        atomic_fetch_add_explicit(&pool.done, ran, memory_order_release);
    }
    for (int i = 0; atomic_load_explicit(&pool.done, memory_order_acquire) < chunks; i++) {
        if (i < SPINS) {
            cpu_relax();
        } else {
            sched_yield(); /* let a preempted worker finish its chunk */
        }
    }
    pthread_mutex_unlock(&pool.caller);
}
