package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mosaic.bindings.mosaic.mosaic_h;
import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.tensor.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The native worker pools: results do not depend on the thread count (each output is computed by
 * one thread, in a fixed order), more threads than cores work, backends used from several Java
 * threads at once each run on their own pool, and closing a backend stops its pool.
 */
class ThreadingTest {

    private static float[] matmul(CpuBackend backend, BackendWeight w, double[][] x) {
        int rows = x.length;
        try (CpuBuffer xb = backend.allocate(rows * w.cols()); CpuBuffer ob = backend.allocate(rows * w.rows())) {
            MatmulTest.upload(backend, xb, x);
            backend.matmul(ob, w, xb, rows);
            return ob.segment().toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    @Test
    void resultsAreIdenticalForEveryThreadCount() {
        Random rnd = new Random(8);
        try (Arena arena = Arena.ofShared()) {
            for (GgmlType type : List.of(GgmlType.F32, GgmlType.Q8_0, GgmlType.Q6_K)) {
                TestWeights.Weight w = TestWeights.random("w", type, 301, 512, rnd, arena);
                double[][] x = MatmulTest.randomMatrix(rnd, 9, 512);
                float[] expected;
                try (CpuBackend one = new CpuBackend(1)) {
                    expected = matmul(one, one.prepare(w.tensor()), x);
                }
                for (int threads : new int[] {2, 3, 7}) {
                    try (CpuBackend many = new CpuBackend(threads)) {
                        BackendWeight bw = many.prepare(w.tensor());
                        for (int repeat = 0; repeat < 20; repeat++) {
                            assertArrayEquals(expected, matmul(many, bw, x), type + " with " + threads + " threads");
                        }
                    }
                }
            }
        }
    }

    @Test
    void backendsOnSeveralJavaThreadsAtOnce() throws Exception {
        Random rnd = new Random(9);
        try (Arena arena = Arena.ofShared()) {
            TestWeights.Weight w = TestWeights.random("w", GgmlType.Q4_0, 257, 256, rnd, arena);
            double[][] x = MatmulTest.randomMatrix(rnd, 3, 256);
            float[] expected;
            try (CpuBackend one = new CpuBackend(1)) {
                expected = matmul(one, one.prepare(w.tensor()), x);
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    int threads = t + 2;
                    futures.add(pool.submit(() -> {
                        try (CpuBackend backend = new CpuBackend(threads)) {
                            BackendWeight bw = backend.prepare(w.tensor());
                            for (int i = 0; i < 100; i++) {
                                assertArrayEquals(expected, matmul(backend, bw, x));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void everyMultiThreadedBackendOwnsAPoolThatCloseStops() {
        int before = CpuBackend.nativePoolsLive();
        try (CpuBackend one = new CpuBackend(1)) {
            assertEquals(before, CpuBackend.nativePoolsLive(), "a one-thread backend needs no pool");
            try (CpuBackend two = new CpuBackend(2); CpuBackend four = new CpuBackend(4)) {
                assertEquals(before + 2, CpuBackend.nativePoolsLive());
            }
            assertEquals(before, CpuBackend.nativePoolsLive());
        }
        for (int i = 0; i < 50; i++) { // pools are created and destroyed without leaking threads or structures
            try (CpuBackend b = new CpuBackend(3)) {
                assertEquals(before + 1, CpuBackend.nativePoolsLive());
            }
        }
        assertEquals(before, CpuBackend.nativePoolsLive());
    }

    @Test
    void aThreadWhosePoolWasDestroyedElsewhereFallsBackToTheDefaultPool() throws Exception {
        Random rnd = new Random(10);
        try (Arena arena = Arena.ofShared()) {
            TestWeights.Weight w = TestWeights.random("w", GgmlType.F32, 131, 64, rnd, arena);
            double[][] x = MatmulTest.randomMatrix(rnd, 5, 64);
            float[] expected;
            try (CpuBackend one = new CpuBackend(1)) {
                expected = matmul(one, one.prepare(w.tensor()), x);
            }
            ExecutorService thread = Executors.newSingleThreadExecutor();
            try {
                CpuBackend backend = new CpuBackend(3);
                BackendWeight bw = backend.prepare(w.tensor());
                // The thread binds the backend's pool, which is then destroyed from this thread.
                assertArrayEquals(expected, thread.submit(() -> matmul(backend, bw, x)).get());
                backend.close();
                float[] raw = thread.submit(() -> rawMatmul(arena, w, x, 3)).get();
                // against the raw row-major kernel (the backend may use the panel one) on 1 thread, this thread's pool
                assertArrayEquals(rawMatmul(arena, w, x, 1), raw);
            } finally {
                thread.shutdown();
            }
        }
    }

    /** The raw row-major F32 kernel, x (rows x 64) times w (131 x 64). */
    private static float[] rawMatmul(Arena arena, TestWeights.Weight w, double[][] x, int threads) {
        MemorySegment xs = arena.allocate((long) x.length * 64 * Float.BYTES, 64);
        MemorySegment out = arena.allocate((long) x.length * 131 * Float.BYTES, 64);
        for (int r = 0; r < x.length; r++) {
            for (int c = 0; c < 64; c++) {
                xs.setAtIndex(ValueLayout.JAVA_FLOAT, r * 64L + c, (float) x[r][c]);
            }
        }
        mosaic_h.mosaic_matmul(GgmlType.F32.id(), w.tensor().data(), 131, 64, xs, x.length, out, threads);
        return out.toArray(ValueLayout.JAVA_FLOAT);
    }
}
