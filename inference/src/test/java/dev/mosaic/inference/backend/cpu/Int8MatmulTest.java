package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.backend.cpu.CpuBackend.MatmulActivations;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The int8-activation matmul (Q8_0/Q4_0/Q4_K/Q6_K weights, repacked, {@link MatmulActivations#INT8})
 * on every kernel path: against a float64 reference that quantises the activations the same way
 * (so only float accumulation differs), against the unquantised float64 product within the rounding bound, and
 * for independence from batch composition and thread count.
 */
class Int8MatmulTest {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int OUT_ROWS = 37;
    private static final int[] ROWS = {1, 2, 3, 5, 8, 9, 19};

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (CpuIsa isa : IsaSupport.supported()) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
                out.add(Arguments.of(isa, type));
            }
        }
        return out;
    }

    /** One activation row quantised as ggml's quantize_row_q8_0 does, with the scale kept in float32. */
    record QuantisedRow(int[] q, float[] d) {
        static QuantisedRow of(float[] x) {
            int blocks = x.length / 32;
            int[] q = new int[x.length];
            float[] d = new float[blocks];
            for (int b = 0; b < blocks; b++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) {
                    amax = Math.max(amax, Math.abs(x[32 * b + j]));
                }
                d[b] = amax / 127f;
                float id = d[b] != 0 ? 1f / d[b] : 0f;
                for (int j = 0; j < 32; j++) {
                    float v = x[32 * b + j] * id;
                    // C's roundf: halves away from zero (Math.round would round -2.5 to -2)
                    q[32 * b + j] = (int) (Math.signum(v) * Math.floor(Math.abs((double) v) + 0.5));
                }
            }
            return new QuantisedRow(q, d);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesFloat64ReferenceOfTheQuantisedProductAndBoundsTheQuantisationError(CpuIsa isa, GgmlType type)
            throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(1009L * type.ordinal() + isa.ordinal());
            try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(2, MatmulActivations.INT8)) {
                int[] widths = type.blockSize() == 256 ? new int[] {256, 512, 768} : new int[] {32, 96, 352, 768};
                for (int cols : widths) {
                    TestWeights.Weight w = TestWeights.random("w", type, OUT_ROWS, cols, rnd, arena);
                    BackendWeight bw = backend.prepare(w.tensor());
                    for (int rows : ROWS) {
                        float[][] x = randomActivations(rnd, rows, cols);
                        float[] got = run(backend, bw, x, OUT_ROWS);
                        for (int r = 0; r < rows; r++) {
                            QuantisedRow xq = QuantisedRow.of(x[r]);
                            for (int o = 0; o < OUT_ROWS; o++) {
                                double quantised = 0;
                                double mag = 0;
                                double exact = 0;
                                double bound = 0;
                                for (int b = 0; b < cols / 32; b++) {
                                    // the weights' exact values (independently decoded) times the quantised activations
                                    double sum = 0;
                                    double abs = 0;
                                    double wabs = 0;
                                    for (int j = 32 * b; j < 32 * b + 32; j++) {
                                        sum += w.values()[o][j] * xq.q()[j];
                                        abs += Math.abs(w.values()[o][j] * xq.q()[j]);
                                        exact += w.values()[o][j] * x[r][j];
                                        wabs += Math.abs(w.values()[o][j]);
                                    }
                                    quantised += xq.d()[b] * sum;
                                    mag += xq.d()[b] * abs;
                                    // |x - q d| <= d / 2 per activation
                                    bound += wabs * xq.d()[b] / 2;
                                }
                                double g = got[r * OUT_ROWS + o];
                                String where = isa + " " + type + " cols " + cols + " rows " + rows + " [" + r + "][" + o + "]: ";
                                if (!(Math.abs(g - quantised) <= 4e-6 * mag + 1e-30)) {
                                    throw new AssertionError(where + g + " vs quantised reference " + quantised
                                            + " (sum of |terms| " + mag + ")");
                                }
                                if (!(Math.abs(g - exact) <= bound * 1.0001 + 4e-6 * mag)) {
                                    throw new AssertionError(where + g + " vs exact " + exact + ": beyond the rounding bound " + bound);
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void aRowsResultDoesNotDependOnTheBatchItIsInOrOnThreads(CpuIsa isa, GgmlType type) throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(4242L * type.ordinal() + isa.ordinal());
            int cols = type.blockSize() == 256 ? 512 : 352;
            int rows = 19;
            try (Arena arena = Arena.ofConfined();
                 CpuBackend one = new CpuBackend(1, MatmulActivations.INT8);
                 CpuBackend two = new CpuBackend(2, MatmulActivations.INT8)) {
                TestWeights.Weight w = TestWeights.random("w", type, OUT_ROWS, cols, rnd, arena);
                BackendWeight w1 = one.prepare(w.tensor());
                BackendWeight w2 = two.prepare(w.tensor());
                float[][] x = randomActivations(rnd, rows, cols);
                float[] all = run(two, w2, x, OUT_ROWS);
                for (int r = 0; r < rows; r++) {
                    float[] alone = run(one, w1, new float[][] {x[r]}, OUT_ROWS);
                    for (int o = 0; o < OUT_ROWS; o++) {
                        assertEquals(Float.floatToRawIntBits(all[r * OUT_ROWS + o]), Float.floatToRawIntBits(alone[o]),
                                isa + " " + type + " row " + r + " out " + o);
                    }
                }
                // the same rows again from a different offset into the batch (tiles start elsewhere)
                float[][] shifted = new float[rows - 3][];
                System.arraycopy(x, 3, shifted, 0, rows - 3);
                float[] part = run(two, w2, shifted, OUT_ROWS);
                for (int i = 0; i < part.length; i++) {
                    assertEquals(Float.floatToRawIntBits(all[3 * OUT_ROWS + i]), Float.floatToRawIntBits(part[i]),
                            isa + " " + type + " shifted element " + i);
                }
            }
        });
    }

    /** Largest-magnitude operands: q8 weights of -128 against activations of -127 (sign and saturation corner). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void extremeOperandsStayExact(CpuIsa isa) throws Exception {
        IsaSupport.with(isa, () -> {
            int cols = 96;
            int outRows = 3;
            try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(1, MatmulActivations.INT8)) {
                MemorySegment data = arena.allocate((long) outRows * cols / 32 * 34);
                for (int blk = 0; blk < outRows * cols / 32; blk++) {
                    data.set(SHORT, 34L * blk, Float.floatToFloat16(1f / 1024)); // power of two: exact products
                    for (int j = 0; j < 32; j++) {
                        data.set(ValueLayout.JAVA_BYTE, 34L * blk + 2 + j, (byte) (blk % 2 == 0 ? -128 : 127));
                    }
                }
                BackendWeight bw = backend.prepare(new Tensor("w", GgmlType.Q8_0, new long[] {cols, outRows}, data));
                float[][] x = new float[2][cols];
                for (int c = 0; c < cols; c++) {
                    x[0][c] = -127f / 64; // d = 1/64 exactly, q = -127
                    x[1][c] = c % 2 == 0 ? 127f / 64 : -127f / 64;
                }
                float[] got = run(backend, bw, x, outRows);
                for (int o = 0; o < outRows; o++) {
                    double ref0 = 0;
                    double ref1 = 0;
                    for (int b = 0; b < cols / 32; b++) {
                        int wq = (o * cols / 32 + b) % 2 == 0 ? -128 : 127;
                        ref0 += 32.0 * wq * -127 / 1024 / 64;
                        ref1 += 0; // alternating signs cancel within each block
                    }
                    assertEquals(ref0, got[o], 0, isa + " all -127 row, out " + o);
                    assertEquals(ref1, got[outRows + o], 0, isa + " alternating row, out " + o);
                }
            }
        });
    }

    /** Halves round away from zero as C's roundf does (ggml's rule), on every path. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void halvesRoundAwayFromZero(CpuIsa isa) throws Exception {
        IsaSupport.with(isa, () -> {
            int cols = 32;
            float[] x = {127, 2.5f, -2.5f, 0.5f, -0.5f, 126.5f, -126.5f, 1.5f, -1.5f, 0.49999997f, -0.49999997f,
                         3.5f, -3.5f, 0.25f, -0.75f, 100.5f, -100.5f, 64, -64, 1, -1, 0, 7.5f, -7.5f, 9.5f, -9.5f,
                         11.5f, -11.5f, 13.5f, -13.5f, 15.5f, -15.5f};
            try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(1, MatmulActivations.INT8)) {
                // weight row o is the unit vector e_o with scale 1, so out[o] = d_x * q[o] = q[o] (d_x = 127/127)
                MemorySegment data = arena.allocate(32L * 34);
                for (int o = 0; o < 32; o++) {
                    data.set(SHORT, 34L * o, Float.floatToFloat16(1f));
                    data.set(ValueLayout.JAVA_BYTE, 34L * o + 2 + o, (byte) 1);
                }
                BackendWeight bw = backend.prepare(new Tensor("unit", GgmlType.Q8_0, new long[] {cols, 32}, data));
                float[] got = run(backend, bw, new float[][] {x}, 32);
                for (int o = 0; o < 32; o++) {
                    double expected = Math.signum(x[o]) * Math.floor(Math.abs((double) x[o]) + 0.5);
                    assertEquals(expected, got[o], 0, isa + " x = " + x[o]);
                }
            }
        });
    }

    static List<CpuIsa> isas() {
        return IsaSupport.supported();
    }

    /**
     * prepareMatmul makes the interleaved copy up front with int8 activations (and only then), and
     * the product from it is bit-identical to one whose copy was made lazily by the first matmul.
     */
    @Test
    void prepareMatmulRepacksUpFrontAndChangesNoResult() {
        Random rnd = new Random(77);
        int cols = 256;
        try (Arena arena = Arena.ofConfined();
             CpuBackend eager = new CpuBackend(1, MatmulActivations.INT8);
             CpuBackend lazy = new CpuBackend(1, MatmulActivations.INT8);
             CpuBackend plain = new CpuBackend(1, MatmulActivations.FLOAT32)) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
                TestWeights.Weight w = TestWeights.random("w", type, OUT_ROWS, cols, rnd, arena);
                BackendWeight we = eager.prepare(w.tensor());
                BackendWeight wl = lazy.prepare(w.tensor());
                BackendWeight wp = plain.prepare(w.tensor());
                assertFalse(((CpuWeight) we).hasPacked(), type + ": prepare alone copies nothing");
                eager.prepareMatmul(we);
                assertTrue(((CpuWeight) we).hasPacked(), type + ": prepareMatmul repacks");
                plain.prepareMatmul(wp);
                assertFalse(((CpuWeight) wp).hasPacked(), type + ": float activations never read a packed copy");
                float[][] x = randomActivations(rnd, 3, cols);
                float[] a = run(eager, we, x, OUT_ROWS);
                float[] b = run(lazy, wl, x, OUT_ROWS);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Float.floatToRawIntBits(b[i]), Float.floatToRawIntBits(a[i]), type + " element " + i);
                }
            }
            TestWeights.Weight f = TestWeights.random("f", GgmlType.F16, OUT_ROWS, cols, rnd, arena);
            BackendWeight wf = eager.prepare(f.tensor());
            eager.prepareMatmul(wf);
            assertFalse(((CpuWeight) wf).hasPacked(), "F16 has no packed layout");
        }
    }

    /**
     * prepareMatmul copies a mapped float weight (and a quantised one under float activations)
     * out of the mapping into anonymous memory once, leaves weights already in memory where they
     * are, and the product is bit-identical to the one read from the mapping.
     */
    @Test
    void prepareMatmulCopiesMappedFloatWeightsWithoutChangingAResult(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Random rnd = new Random(78);
        int cols = 96;
        for (GgmlType type : new GgmlType[] {GgmlType.F16, GgmlType.F32, GgmlType.BF16, GgmlType.Q8_0}) {
            try (Arena arena = Arena.ofConfined(); Arena mapArena = Arena.ofShared();
                 CpuBackend eager = new CpuBackend(1, type == GgmlType.Q8_0 ? MatmulActivations.FLOAT32 : MatmulActivations.INT8);
                 CpuBackend plain = new CpuBackend(1, type == GgmlType.Q8_0 ? MatmulActivations.FLOAT32 : MatmulActivations.INT8)) {
                TestWeights.Weight w = TestWeights.random("w", type, OUT_ROWS, cols, rnd, arena);
                java.nio.file.Path f = dir.resolve("w-" + type + ".bin");
                java.nio.file.Files.write(f, w.tensor().data().toArray(ValueLayout.JAVA_BYTE));
                MemorySegment mapped;
                try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ)) {
                    mapped = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, ch.size(), mapArena);
                }
                Tensor t = new Tensor("w", type, w.tensor().shape(), mapped);
                BackendWeight we = eager.prepare(t);
                BackendWeight wl = plain.prepare(t);
                assertFalse(((CpuWeight) we).hasCopy(), type + ": prepare alone copies nothing");
                eager.prepareMatmul(we);
                if (type != GgmlType.Q8_0 && CpuIsa.active() == CpuIsa.AVX512) {
                    assertTrue(((CpuWeight) we).hasPanels(), type + ": a float weight gets its panel copy on AVX-512");
                    assertFalse(((CpuWeight) we).hasCopy(), type + ": and no row-major copy besides");
                } else {
                    assertTrue(((CpuWeight) we).hasCopy(), type + ": a mapped weight is copied");
                    assertFalse(((CpuWeight) we).data().isMapped(), type + ": the kernels read the copy");
                }
                float[][] x = randomActivations(rnd, 4, cols);
                float[] a = run(eager, we, x, OUT_ROWS);
                float[] b = run(plain, wl, x, OUT_ROWS);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Float.floatToRawIntBits(b[i]), Float.floatToRawIntBits(a[i]), type + " element " + i);
                }
                // in memory already (--no-mmap): no second copy
                BackendWeight inMemory = eager.prepare(w.tensor());
                eager.prepareMatmul(inMemory);
                assertFalse(((CpuWeight) inMemory).hasCopy(), type + ": a weight in memory is not copied");
            }
        }
    }

    /** Other weight types ignore the setting: still the float kernels, at float accuracy. */
    @Test
    void otherTypesKeepFloatActivations() {
        Random rnd = new Random(5);
        int cols = 100;
        try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(2, MatmulActivations.INT8)) {
            TestWeights.Weight w = TestWeights.random("w", GgmlType.F16, OUT_ROWS, cols, rnd, arena);
            BackendWeight bw = backend.prepare(w.tensor());
            float[][] x = randomActivations(rnd, 5, cols);
            float[] got = run(backend, bw, x, OUT_ROWS);
            for (int r = 0; r < 5; r++) {
                for (int o = 0; o < OUT_ROWS; o++) {
                    double ref = 0;
                    double mag = 0;
                    for (int c = 0; c < cols; c++) {
                        ref += w.values()[o][c] * x[r][c];
                        mag += Math.abs(w.values()[o][c] * x[r][c]);
                    }
                    assertTrue(Math.abs(got[r * OUT_ROWS + o] - ref) <= 1e-5 * mag, "F16 [" + r + "][" + o + "]");
                }
            }
        }
        try (CpuBackend plain = new CpuBackend(1)) {
            assertEquals(MatmulActivations.FLOAT32, plain.activations());
        }
    }

    /** Gaussian activations with a few outliers per row, as real hidden states have (they set the block scales). */
    static float[][] randomActivations(Random rnd, int rows, int cols) {
        float[][] x = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                x[r][c] = (float) (rnd.nextGaussian() * (rnd.nextInt(50) == 0 ? 8 : 1));
            }
        }
        return x;
    }

    static float[] run(CpuBackend backend, BackendWeight w, float[][] x, int outRows) {
        int rows = x.length;
        int cols = x[0].length;
        try (Arena a = Arena.ofConfined();
             CpuBuffer xb = backend.allocate((long) rows * cols);
             CpuBuffer ob = backend.allocate((long) rows * outRows)) {
            MemorySegment host = a.allocate((long) rows * cols * Float.BYTES);
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(x[r], 0, host, ValueLayout.JAVA_FLOAT, (long) r * cols * Float.BYTES, cols);
            }
            backend.write(host, xb, 0, (long) rows * cols);
            backend.matmul(ob, w, xb, rows);
            float[] out = new float[rows * outRows];
            for (int i = 0; i < out.length; i++) {
                out[i] = ob.get(i);
            }
            return out;
        }
    }
}
