/*
 * parallel.c - the worker pools behind every multi-threaded kernel.
 *
 * Why not OpenMP: libgomp's workers and master spin (without yielding) at the end of every
 * parallel region. When the machine is busier than its core count - CI runners, laptops, seven
 * builds on two cores - a spinning thread burns the time slice its preempted partner needs, and a
 * batch-1 matmul measured 200x slower with 2 threads than with 1. These pools instead hand out
 * chunks dynamically (a preempted thread never holds back work the others can take), spin only
 * briefly, then yield and finally sleep.
 *
 * Pools: each backend creates its own (mosaic_pool_create) and binds it to the thread that calls
 * its kernels (mosaic_pool_bind), so engines in one process run their kernels at the same time
 * instead of taking turns on one pool. Binding is per thread rather than a kernel argument so that
 * no kernel signature changes: a kernel's parallel_for picks up whatever pool its caller bound.
 * Threads that bind nothing use the process-wide default pool, whose workers are created on first
 * use, up to MAX_WORKERS, and live for the life of the process like OpenMP's. One pool runs one
 * job at a time; concurrent callers of the same pool take turns.
 *
 * Destroyed pools are kept on a free list and reused, never freed: a thread may still have a
 * destroyed pool bound (its backend was closed from another thread), and the binding stores the
 * pool's serial number, which destroy changes, so such a stale binding is detected safely and the
 * default pool is used instead.
 *
 * Protocol within a pool: the caller writes the job (fn, ctx, n, chunk) and publishes it by
 * storing state = (generation, chunk count, next chunk = 0) in one 64-bit atomic. Everybody claims
 * chunks by compare-and-swap on that word, so a claim is valid only for the generation it names; a
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

struct mosaic_pool {
    pthread_mutex_t caller; /* one job at a time */
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    atomic_int sleepers;
    int workers;
    int max_workers;
    int joinable;      /* workers of created pools are joined by destroy; the default pool's are detached */
    pthread_t *threads;
    atomic_int stop;
    _Atomic uint64_t serial; /* changed by destroy: bindings made before it are stale */
    _Atomic uint64_t state;
    atomic_llong done;
    mosaic_range_fn fn;
    void *ctx;
    int64_t n;
    int64_t chunk;
    struct mosaic_pool *next_free;
};

static mosaic_pool default_pool = {
    .caller = PTHREAD_MUTEX_INITIALIZER,
    .sleep_lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .max_workers = MAX_WORKERS,
};

/* Pool structures of destroyed pools, for reuse; and the count of live created pools. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static mosaic_pool *free_pools;
static uint64_t next_serial = 1;
static atomic_int live_pools;

/* The pool this thread bound, and its serial at bind time. */
static _Thread_local mosaic_pool *bound_pool;
static _Thread_local uint64_t bound_serial;

struct worker_start {
    mosaic_pool *pool;
    uint64_t seen; /* the generation current when the worker was created, so that it joins the very next job */
};

/* Claims and runs chunks of generation gen until none is left; returns chunks run. */
static int64_t run_chunks(mosaic_pool *pool, uint64_t gen) {
    int64_t ran = 0;
    uint64_t s = atomic_load_explicit(&pool->state, memory_order_acquire);
    for (;;) {
        if (gen_of(s) != gen || next_of(s) >= count_of(s)) {
            return ran;
        }
        if (!atomic_compare_exchange_weak_explicit(&pool->state, &s, s + 1, memory_order_acq_rel,
                                                   memory_order_acquire)) {
            continue; /* s now holds the current state */
        }
        const int64_t i = (int64_t)next_of(s);
        const int64_t begin = i * pool->chunk;
        const int64_t end = begin + pool->chunk < pool->n ? begin + pool->chunk : pool->n;
        pool->fn(pool->ctx, begin, end);
        ran++;
        s = atomic_load_explicit(&pool->state, memory_order_acquire);
    }
}

static void *worker_main(void *arg) {
    struct worker_start start = *(struct worker_start *)arg;
    free(arg);
    mosaic_pool *pool = start.pool;
    uint64_t seen = start.seen;
    for (;;) {
        uint64_t s = atomic_load_explicit(&pool->state, memory_order_acquire);
        for (int i = 0; gen_of(s) == seen; i++) {
            if (i < SPINS) {
                cpu_relax();
            } else if (i < SPINS + YIELDS) {
                sched_yield();
            } else {
                pthread_mutex_lock(&pool->sleep_lock);
                atomic_fetch_add(&pool->sleepers, 1);
                while (gen_of(atomic_load(&pool->state)) == seen) {
                    pthread_cond_wait(&pool->wake, &pool->sleep_lock);
                }
                atomic_fetch_sub(&pool->sleepers, 1);
                pthread_mutex_unlock(&pool->sleep_lock);
                i = 0;
            }
            s = atomic_load_explicit(&pool->state, memory_order_acquire);
        }
        if (atomic_load(&pool->stop)) {
            return NULL;
        }
        seen = gen_of(s);
        const int64_t ran = run_chunks(pool, seen);
        if (ran > 0) {
            atomic_fetch_add_explicit(&pool->done, ran, memory_order_release);
        }
    }
}

/* Starts workers until there are `wanted` (or the pool's maximum); the caller holds pool->caller
 * or is creating the pool. */
static void ensure_workers(mosaic_pool *pool, int wanted) {
    if (wanted > pool->max_workers) {
        wanted = pool->max_workers;
    }
    while (pool->workers < wanted) {
        struct worker_start *start = malloc(sizeof *start);
        if (start == NULL) {
            return;
        }
        start->pool = pool;
        start->seen = gen_of(atomic_load(&pool->state));
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, pool->joinable ? PTHREAD_CREATE_JOINABLE : PTHREAD_CREATE_DETACHED);
        /* kernels keep per-head scratch on the stack; 1 MiB is ample */
        pthread_attr_setstacksize(&attr, 1 << 20);
        int rc = pthread_create(&t, &attr, worker_main, start);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            free(start);
            return; /* run with the workers we have; the caller does the rest */
        }
        if (pool->joinable) {
            pool->threads[pool->workers] = t;
        }
        pool->workers++;
    }
}

mosaic_pool *mosaic_pool_create(int32_t threads) {
    if (threads < 1) {
        threads = 1;
    }
    int workers = threads - 1 > MAX_WORKERS ? MAX_WORKERS : threads - 1;
    pthread_t *ids = malloc(sizeof(pthread_t) * (size_t)(workers > 0 ? workers : 1));
    if (ids == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&registry_lock);
    mosaic_pool *pool = free_pools;
    if (pool != NULL) {
        free_pools = pool->next_free;
    }
    const uint64_t serial = next_serial++;
    pthread_mutex_unlock(&registry_lock);
    if (pool == NULL) {
        pool = calloc(1, sizeof *pool);
        if (pool == NULL) {
            free(ids);
            return NULL;
        }
        pthread_mutex_init(&pool->caller, NULL);
        pthread_mutex_init(&pool->sleep_lock, NULL);
        pthread_cond_init(&pool->wake, NULL);
    }
    atomic_store(&pool->sleepers, 0);
    pool->workers = 0;
    pool->max_workers = workers;
    pool->joinable = 1;
    pool->threads = ids;
    atomic_store(&pool->stop, 0);
    atomic_store(&pool->state, 0);
    atomic_store(&pool->done, 0);
    pool->next_free = NULL;
    atomic_store(&pool->serial, serial);
    ensure_workers(pool, workers);
    atomic_fetch_add(&live_pools, 1);
    return pool;
}

void mosaic_pool_destroy(mosaic_pool *pool) {
    if (pool == NULL || pool == &default_pool) {
        return;
    }
    pthread_mutex_lock(&pool->caller); /* waits for a job in flight */
    atomic_store(&pool->serial, 0);    /* every binding of this pool is stale from now on */
    atomic_store(&pool->stop, 1);
    pthread_mutex_lock(&pool->sleep_lock);
    atomic_store(&pool->state, pack((gen_of(atomic_load(&pool->state)) + 1) & 0xffff, 0, 0));
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->sleep_lock);
    for (int i = 0; i < pool->workers; i++) {
        pthread_join(pool->threads[i], NULL);
    }
    free(pool->threads);
    pool->threads = NULL;
    pool->workers = 0;
    pthread_mutex_unlock(&pool->caller);
    if (bound_pool == pool) {
        bound_pool = NULL;
    }
    pthread_mutex_lock(&registry_lock);
    pool->next_free = free_pools;
    free_pools = pool;
    pthread_mutex_unlock(&registry_lock);
    atomic_fetch_sub(&live_pools, 1);
}

void mosaic_pool_bind(mosaic_pool *pool) {
    bound_pool = pool;
    bound_serial = pool != NULL ? atomic_load(&pool->serial) : 0;
}

int32_t mosaic_pool_threads(const mosaic_pool *pool) {
    return pool == NULL ? 1 : pool->max_workers + 1;
}

int32_t mosaic_pool_live(void) {
    return atomic_load(&live_pools);
}

/* The calling thread's pool, locked for one job: its bound pool while that is alive, else the default. */
static mosaic_pool *lock_pool(void) {
    mosaic_pool *pool = bound_pool;
    if (pool != NULL) {
        const uint64_t serial = bound_serial;
        if (serial != 0 && atomic_load(&pool->serial) == serial) {
            pthread_mutex_lock(&pool->caller);
            if (atomic_load(&pool->serial) == serial) {
                return pool;
            }
            pthread_mutex_unlock(&pool->caller); /* destroyed meanwhile */
        }
        bound_pool = NULL;
    }
    pthread_mutex_lock(&default_pool.caller);
    return &default_pool;
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

    mosaic_pool *pool = lock_pool();
    if (pool == &default_pool) {
        ensure_workers(pool, threads - 1);
    }
    pool->fn = fn;
    pool->ctx = ctx;
    pool->n = n;
    pool->chunk = chunk;
    atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
    const uint64_t gen = (gen_of(atomic_load(&pool->state)) + 1) & 0xffff;
    atomic_store(&pool->state, pack(gen, (uint64_t)chunks, 0)); /* seq_cst: pairs with sleepers below */
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->sleep_lock);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->sleep_lock);
    }
    const int64_t ran = run_chunks(pool, gen);
    if (ran > 0) {
        atomic_fetch_add_explicit(&pool->done, ran, memory_order_release);
    }
    for (int i = 0; atomic_load_explicit(&pool->done, memory_order_acquire) < chunks; i++) {
        if (i < SPINS) {
            cpu_relax();
        } else {
            sched_yield(); /* let a preempted worker finish its chunk */
        }
    }
    pthread_mutex_unlock(&pool->caller);
}
