package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.tensor.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The native worker pool: results do not depend on the thread count (each output is computed by
 * one thread, in a fixed order), more threads than cores work, and backends used from several
 * Java threads at once take turns safely.
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
}
