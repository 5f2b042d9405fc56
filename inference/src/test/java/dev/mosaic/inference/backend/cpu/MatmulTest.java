package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.tensor.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** matmul and embedding for every weight type and kernel path vs a float64 reference. */
class MatmulTest {

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (CpuIsa isa : IsaSupport.supported()) {
            for (GgmlType type : CpuBackend.MATMUL_TYPES) {
                out.add(Arguments.of(isa, type));
            }
        }
        return out;
    }

    /** Row lengths: odd and non-multiples of every SIMD width where the type allows. */
    static int[] colsFor(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16 -> new int[] {7, 37, 100, 259};
            case Q8_0, Q4_0 -> new int[] {32, 96, 352};
            default -> new int[] {256, 768};
        };
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matmulMatchesFloat64Reference(CpuIsa isa, GgmlType type) throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(31L * type.ordinal() + isa.ordinal());
            try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(2)) {
                for (int cols : colsFor(type)) {
                    int outRows = 37;
                    TestWeights.Weight w = TestWeights.random("w", type, outRows, cols, rnd, arena);
                    BackendWeight bw = backend.prepare(w.tensor());
                    for (int rows : new int[] {1, 2, 3, 5, 8, 9, 19}) {
                        double[][] x = randomMatrix(rnd, rows, cols);
                        try (CpuBuffer xb = backend.allocate((long) rows * cols);
                             CpuBuffer ob = backend.allocate((long) rows * outRows)) {
                            upload(backend, xb, x);
                            backend.matmul(ob, bw, xb, rows);
                            for (int r = 0; r < rows; r++) {
                                for (int o = 0; o < outRows; o++) {
                                    double ref = 0;
                                    double mag = 0;
                                    for (int c = 0; c < cols; c++) {
                                        ref += w.values()[o][c] * x[r][c];
                                        mag += Math.abs(w.values()[o][c] * x[r][c]);
                                    }
                                    double got = ob.get((long) r * outRows + o);
                                    double err = Math.abs(got - ref);
                                    if (!(err <= 1e-5 * mag + 1e-30)) {
                                        throw new AssertionError(isa + " " + type + " cols " + cols + " rows " + rows
                                                + " [" + r + "][" + o + "]: " + got + " vs " + ref + " (|w||x| " + mag + ")");
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    static List<Arguments> floatCases() {
        List<Arguments> out = new ArrayList<>();
        for (CpuIsa isa : IsaSupport.supported()) {
            for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
                out.add(Arguments.of(isa, type));
            }
        }
        return out;
    }

    /**
     * The engine promises the same tokens for a sequence alone or batched: a row's outputs must be
     * bit-identical whether it is computed alone (1 thread), inside a batch of 13 (2 threads) or of
     * 10 starting 3 rows later, so at every position of an activation-row tile; 77 output rows
     * cross output blocks and leave weight-row tails; the row lengths leave column tails.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("floatCases")
    void aRowsResultDoesNotDependOnTheBatchItIsInOrOnThreads(CpuIsa isa, GgmlType type) throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(977L * type.ordinal() + isa.ordinal());
            int outRows = 77;
            int rows = 13;
            try (Arena arena = Arena.ofConfined(); CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2)) {
                for (int cols : new int[] {7, 37, 100, 259}) {
                    TestWeights.Weight w = TestWeights.random("w", type, outRows, cols, rnd, arena);
                    BackendWeight w1 = one.prepare(w.tensor());
                    BackendWeight w2 = two.prepare(w.tensor());
                    float[][] x = new float[rows][cols];
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < cols; c++) {
                            x[r][c] = (float) rnd.nextGaussian();
                        }
                    }
                    float[] all = Int8MatmulTest.run(two, w2, x, outRows);
                    float[][] shifted = new float[rows - 3][];
                    System.arraycopy(x, 3, shifted, 0, rows - 3);
                    float[] part = Int8MatmulTest.run(two, w2, shifted, outRows);
                    for (int r = 0; r < rows; r++) {
                        float[] alone = Int8MatmulTest.run(one, w1, new float[][] {x[r]}, outRows);
                        for (int o = 0; o < outRows; o++) {
                            String where = isa + " " + type + " cols " + cols + " row " + r + " out " + o;
                            assertEquals(Float.floatToRawIntBits(alone[o]), Float.floatToRawIntBits(all[r * outRows + o]),
                                    where + " (batch of 13)");
                            if (r >= 3) {
                                assertEquals(Float.floatToRawIntBits(alone[o]),
                                        Float.floatToRawIntBits(part[(r - 3) * outRows + o]), where + " (batch of 10)");
                            }
                        }
                    }
                }
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void embeddingDequantisesTheRequestedRows(CpuIsa isa, GgmlType type) throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(77L * type.ordinal() + isa.ordinal());
            int cols = colsFor(type)[1];
            int vocab = 23;
            try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(2)) {
                TestWeights.Weight table = TestWeights.random("token_embd.weight", type, vocab, cols, rnd, arena);
                BackendWeight bw = backend.prepare(table.tensor());
                int[] ids = {5, 0, 22, 5, 13};
                try (CpuBuffer out = backend.allocate((long) ids.length * cols)) {
                    backend.embedding(out, bw, ids);
                    for (int i = 0; i < ids.length; i++) {
                        for (int c = 0; c < cols; c++) {
                            double ref = table.values()[ids[i]][c];
                            double got = out.get((long) i * cols + c);
                            assertTrue(Math.abs(got - ref) <= 1e-6 * Math.abs(ref) + 1e-30,
                                    type + " id " + ids[i] + " col " + c + ": " + got + " vs " + ref);
                        }
                    }
                }
            }
        });
    }

    @org.junit.jupiter.api.Test
    void everyHalfBitPatternDequantisesExactly() {
        try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(1)) {
            MemorySegment halves = arena.allocate(2 * 65536);
            for (int i = 0; i < 65536; i++) {
                halves.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) i);
            }
            BackendWeight table = backend.prepare(new dev.mosaic.inference.tensor.Tensor("all_halves", GgmlType.F16,
                    new long[] {65536}, halves));
            try (CpuBuffer out = backend.allocate(65536)) {
                backend.embedding(out, table, new int[] {0});
                for (int i = 0; i < 65536; i++) {
                    float expected = Float.float16ToFloat((short) i);
                    float got = out.get(i);
                    if (Float.isNaN(expected) ? !Float.isNaN(got) : Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(got)) {
                        throw new AssertionError("half 0x" + Integer.toHexString(i) + ": " + got + " vs " + expected);
                    }
                }
            }
        }
    }

    static double[][] randomMatrix(Random rnd, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                m[r][c] = (float) (rnd.nextGaussian());
            }
        }
        return m;
    }

    /** Copies {@code m} (values already float-representable) into {@code b}. */
    static void upload(CpuBackend backend, CpuBuffer b, double[][] m) {
        int cols = m[0].length;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate((long) m.length * cols * Float.BYTES);
            for (int r = 0; r < m.length; r++) {
                for (int c = 0; c < cols; c++) {
                    host.setAtIndex(ValueLayout.JAVA_FLOAT, (long) r * cols + c, (float) m[r][c]);
                }
            }
            backend.write(host, b, 0, (long) m.length * cols);
        }
    }
}
