package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Quantization;
import dev.mosaic.inference.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The CPU backend works on weights memory-mapped by the loaders (any alignment the file gives). */
class MappedModelTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void everyTensorOfAMappedGgufPreparesAndMultiplies(GgmlType type) {
        ModelConfig config = SyntheticModel.tiny("llama", true);
        Path file = SyntheticModel.writeGguf(config, type, 42, dir.resolve("tiny-" + type + ".gguf"));
        Random rnd = new Random(7);
        try (Model model = ModelLoader.open(file); CpuBackend backend = new CpuBackend(2)) {
            Map<String, Tensor> tensors = model.tensors();
            int prepared = 0;
            for (Tensor t : tensors.values()) {
                if (!CpuBackend.MATMUL_TYPES.contains(t.type())) {
                    continue;
                }
                BackendWeight w = backend.prepare(t);
                prepared++;
                if (t.shape().length != 2 || !t.name().startsWith("blk.0.")) { // one block has every shape
                    continue;
                }
                int rows = 2;
                double[][] x = MatmulTest.randomMatrix(rnd, rows, (int) t.cols());
                try (CpuBuffer xb = backend.allocate(rows * t.cols()); CpuBuffer ob = backend.allocate(rows * t.rows())) {
                    MatmulTest.upload(backend, xb, x);
                    backend.matmul(ob, w, xb, rows);
                    for (long o = 0; o < t.rows(); o++) {
                        double[] wr = Quantization.dequantizeRowToDouble(t, o);
                        for (int r = 0; r < rows; r++) {
                            double ref = 0;
                            double mag = 0;
                            for (int c = 0; c < wr.length; c++) {
                                ref += wr[c] * x[r][c];
                                mag += Math.abs(wr[c] * x[r][c]);
                            }
                            double got = ob.get(r * t.rows() + o);
                            if (!(Math.abs(got - ref) <= 1e-5 * mag + 1e-30)) {
                                throw new AssertionError(t.name() + " [" + r + "][" + o + "]: " + got + " vs " + ref);
                            }
                        }
                    }
                }
            }
            assertEquals(tensors.size(), prepared, "every tensor of the synthetic model has a supported type");
        }
    }
}
