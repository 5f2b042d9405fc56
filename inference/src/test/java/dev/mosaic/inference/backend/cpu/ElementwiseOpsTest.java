package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.GgmlType;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** rmsNorm, addBias, rope, swiglu, add and softmax vs float64 references, on every kernel path. */
class ElementwiseOpsTest {

    static List<CpuIsa> isas() {
        return IsaSupport.supported();
    }

    static List<Arguments> isaAndVectorType() {
        List<Arguments> out = new ArrayList<>();
        for (CpuIsa isa : IsaSupport.supported()) {
            for (GgmlType t : CpuBackend.VECTOR_TYPES) {
                out.add(Arguments.of(isa, t));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("isaAndVectorType")
    void rmsNormMatchesReference(CpuIsa isa, GgmlType gammaType) throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(11 + gammaType.ordinal());
            int rows = 5;
            int cols = 203;
            float eps = 1e-5f;
            try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(2)) {
                TestWeights.Weight gamma = TestWeights.random("attn_norm.weight", gammaType, 1, cols, rnd, arena);
                BackendWeight g = backend.prepare(gamma.tensor());
                double[][] x = MatmulTest.randomMatrix(rnd, rows, cols);
                try (CpuBuffer xb = backend.allocate((long) rows * cols); CpuBuffer ob = backend.allocate((long) rows * cols)) {
                    MatmulTest.upload(backend, xb, x);
                    backend.rmsNorm(ob, xb, g, rows, eps);
                    for (int r = 0; r < rows; r++) {
                        double ss = 0;
                        for (double v : x[r]) {
                            ss += v * v;
                        }
                        double inv = 1 / Math.sqrt(ss / cols + eps);
                        for (int c = 0; c < cols; c++) {
                            assertClose(x[r][c] * inv * gamma.values()[0][c], ob.get((long) r * cols + c), 1e-6, "rmsNorm");
                        }
                    }
                    // in place (out == x) is allowed
                    backend.rmsNorm(xb, xb, g, rows, eps);
                    for (long i = 0; i < (long) rows * cols; i++) {
                        assertEquals(ob.get(i), xb.get(i), "in-place rmsNorm element " + i);
                    }
                }
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("isaAndVectorType")
    void addBiasAddsTheVectorToEveryRow(CpuIsa isa, GgmlType biasType) throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(5 + biasType.ordinal());
            int rows = 3;
            int cols = 70;
            try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(2)) {
                TestWeights.Weight bias = TestWeights.random("attn_q.bias", biasType, 1, cols, rnd, arena);
                double[][] x = MatmulTest.randomMatrix(rnd, rows, cols);
                try (CpuBuffer xb = backend.allocate((long) rows * cols)) {
                    MatmulTest.upload(backend, xb, x);
                    backend.addBias(xb, backend.prepare(bias.tensor()), rows);
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < cols; c++) {
                            assertClose(x[r][c] + bias.values()[0][c], xb.get((long) r * cols + c),
                                    1e-7 * (Math.abs(x[r][c]) + Math.abs(bias.values()[0][c])), "addBias");
                        }
                    }
                }
            }
        });
    }

    static List<Arguments> isaAndLayout() {
        List<Arguments> out = new ArrayList<>();
        for (CpuIsa isa : IsaSupport.supported()) {
            for (RopeConfig.Layout l : RopeConfig.Layout.values()) {
                out.add(Arguments.of(isa, l));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("isaAndLayout")
    void ropeRotatesThePairsOfTheLayout(CpuIsa isa, RopeConfig.Layout layout) throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(3 + layout.ordinal());
            int rows = 4;
            int heads = 3;
            int headDim = 18;
            int[] positions = {0, 1, 17, 40000};
            List<RopeConfig> configs = List.of(new RopeConfig(10000f, layout),
                    new RopeConfig(500000f, layout, new RopeConfig.Llama3Scaling(8f, 1f, 4f, 64), null));
            try (CpuBackend backend = new CpuBackend(2)) {
                for (RopeConfig rope : configs) {
                    double[][] x = MatmulTest.randomMatrix(rnd, rows, heads * headDim);
                    try (CpuBuffer xb = backend.allocate((long) rows * heads * headDim)) {
                        MatmulTest.upload(backend, xb, x);
                        backend.rope(xb, rows, heads, headDim, positions, rope);
                        for (int r = 0; r < rows; r++) {
                            for (int h = 0; h < heads; h++) {
                                for (int i = 0; i < headDim / 2; i++) {
                                    int a = layout == RopeConfig.Layout.INTERLEAVED ? 2 * i : i;
                                    int b = layout == RopeConfig.Layout.INTERLEAVED ? 2 * i + 1 : i + headDim / 2;
                                    double angle = positions[r] * rope.inverseFrequency(i, headDim);
                                    double xa = x[r][h * headDim + a];
                                    double xb2 = x[r][h * headDim + b];
                                    double ra = xa * Math.cos(angle) - xb2 * Math.sin(angle);
                                    double rb = xa * Math.sin(angle) + xb2 * Math.cos(angle);
                                    double mag = Math.abs(xa) + Math.abs(xb2);
                                    assertClose(ra, xb.get((long) r * heads * headDim + h * headDim + a), 1e-6 * mag, "rope a");
                                    assertClose(rb, xb.get((long) r * heads * headDim + h * headDim + b), 1e-6 * mag, "rope b");
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    @ParameterizedTest
    @MethodSource("isas")
    void swigluAddAndSoftmaxMatchReference(CpuIsa isa) throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(99);
            int n = 1001;
            try (CpuBackend backend = new CpuBackend(2);
                 CpuBuffer gate = backend.allocate(n);
                 CpuBuffer up = backend.allocate(n);
                 CpuBuffer out = backend.allocate(n)) {
                double[][] g = MatmulTest.randomMatrix(rnd, 1, n);
                double[][] u = MatmulTest.randomMatrix(rnd, 1, n);
                g[0][0] = -90; // exp(-g) overflows float: silu must still be finite (-0)
                g[0][1] = 90;
                MatmulTest.upload(backend, gate, g);
                MatmulTest.upload(backend, up, u);
                backend.swiglu(out, gate, up, n);
                for (int i = 0; i < n; i++) {
                    double silu = g[0][i] / (1 + Math.exp(-g[0][i]));
                    assertClose(silu * u[0][i], out.get(i), 1e-6 * Math.abs(silu * u[0][i]) + 1e-30, "swiglu");
                }
                backend.add(out, gate, n);
                for (int i = 0; i < n; i++) {
                    double silu = g[0][i] / (1 + Math.exp(-g[0][i]));
                    assertClose(silu * u[0][i] + g[0][i], out.get(i), 1e-6 * (Math.abs(silu * u[0][i]) + Math.abs(g[0][i])), "add");
                }

                int rows = 7;
                int cols = 143;
                double[][] x = MatmulTest.randomMatrix(rnd, rows, cols);
                x[2][5] = 1000; // large logits must not overflow
                try (CpuBuffer xb = backend.allocate((long) rows * cols)) {
                    MatmulTest.upload(backend, xb, x);
                    backend.softmax(xb, rows, cols);
                    for (int r = 0; r < rows; r++) {
                        double max = Double.NEGATIVE_INFINITY;
                        for (double v : x[r]) {
                            max = Math.max(max, v);
                        }
                        double sum = 0;
                        for (double v : x[r]) {
                            sum += Math.exp(v - max);
                        }
                        for (int c = 0; c < cols; c++) {
                            double ref = Math.exp(x[r][c] - max) / sum;
                            assertClose(ref, xb.get((long) r * cols + c), 1e-6 * ref + 1e-12, "softmax");
                        }
                    }
                }
            }
        });
    }

    static void assertClose(double expected, double actual, double tol, String what) {
        if (!(Math.abs(expected - actual) <= tol)) {
            throw new AssertionError(what + ": " + actual + " vs " + expected + " (tolerance " + tol + ")");
        }
    }
}
