package dev.mosaic.inference.backend.cpu;

import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Quantization;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Three independent decoders of ggml's block layouts must agree: the native kernels, the Java
 * {@link Quantization} used by the loaders and the reference forward pass, and this package's
 * test-side {@link TestWeights}. Also runs the native matmul on weights written by
 * {@link Quantization#quantize}.
 */
class QuantizationCrossCheckTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class)
    void nativeJavaAndTestDecodersAgree(GgmlType type) {
        Random rnd = new Random(1234 + type.ordinal());
        int cols = type.blockSize() == 1 ? 96 : 2 * type.blockSize();
        int rows = 5;
        try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(1)) {
            TestWeights.Weight w = TestWeights.random("t", type, rows, cols, rnd, arena);
            BackendWeight bw = backend.prepare(w.tensor());
            try (CpuBuffer out = backend.allocate((long) rows * cols)) {
                backend.embedding(out, bw, new int[] {0, 1, 2, 3, 4});
                for (int r = 0; r < rows; r++) {
                    double[] java = Quantization.dequantizeRowToDouble(w.tensor(), r);
                    for (int c = 0; c < cols; c++) {
                        double test = w.values()[r][c];
                        double nat = out.get((long) r * cols + c);
                        double tol = 1e-6 * Math.abs(test) + 1e-12;
                        if (Math.abs(java[c] - test) > tol || Math.abs(nat - test) > tol) {
                            throw new AssertionError(type + " [" + r + "][" + c + "]: native " + nat + ", Quantization "
                                    + java[c] + ", test decoder " + test);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class)
    void matmulOnQuantizedWeightsMatchesTheDequantizedReference(GgmlType type) throws Exception {
        for (CpuIsa isa : IsaSupport.supported()) {
            IsaSupport.with(isa, () -> {
                Random rnd = new Random(99 + type.ordinal());
                int cols = type.blockSize() == 1 ? 160 : Math.max(256, 4 * type.blockSize());
                int outRows = 9;
                int rows = 3;
                float[] values = new float[outRows * cols];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) rnd.nextGaussian();
                }
                byte[] bytes = Quantization.quantize(type, values);
                try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(2)) {
                    MemorySegment data = arena.allocate(bytes.length);
                    MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
                    Tensor t = new Tensor("blk.0.attn_q.weight", type, new long[] {cols, outRows}, data);
                    double[][] x = MatmulTest.randomMatrix(rnd, rows, cols);
                    try (CpuBuffer xb = backend.allocate((long) rows * cols); CpuBuffer ob = backend.allocate((long) rows * outRows)) {
                        MatmulTest.upload(backend, xb, x);
                        backend.matmul(ob, backend.prepare(t), xb, rows);
                        for (int o = 0; o < outRows; o++) {
                            double[] w = Quantization.dequantizeRowToDouble(t, o);
                            for (int r = 0; r < rows; r++) {
                                double ref = 0;
                                double mag = 0;
                                for (int c = 0; c < cols; c++) {
                                    ref += w[c] * x[r][c];
                                    mag += Math.abs(w[c] * x[r][c]);
                                }
                                double got = ob.get((long) r * outRows + o);
                                if (!(Math.abs(got - ref) <= 1e-5 * mag)) {
                                    throw new AssertionError(isa + " " + type + " [" + r + "][" + o + "]: " + got + " vs " + ref);
                                }
                            }
                        }
                    }
                }
            });
        }
    }
}
