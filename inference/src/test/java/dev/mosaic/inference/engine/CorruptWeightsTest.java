package dev.mosaic.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.model.gguf.GgufFile;
import dev.mosaic.inference.model.gguf.GgufReader;
import dev.mosaic.inference.model.gguf.GgufTensorInfo;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weights that make the forward pass non-finite fail the request with the file's name, not an internal error. */
class CorruptWeightsTest {
    @TempDir
    Path dir;

    @Test
    void nanWeightsFailTheRequestNamingTheFile() throws Exception {
        Path f = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.F32, 9, dir.resolve("nan.gguf"));
        long at;
        int n;
        try (GgufFile g = GgufReader.open(f)) {
            GgufTensorInfo norm = g.tensorInfos().stream().filter(t -> t.name().equals("output_norm.weight")).findFirst()
                    .orElseThrow();
            at = g.dataOffset() + norm.offset();
            n = (int) norm.shape()[0];
        }
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(at);
            for (int i = 0; i < n; i++) {
                raf.writeInt(Integer.reverseBytes(Float.floatToRawIntBits(Float.NaN)));
            }
        }
        try (Model model = ModelLoader.open(f, false);
             Engine engine = Engine.create(model, EngineConfig.cpu(1).kvBudgetBytes(8L << 20))) {
            var e = assertThrows(CompletionException.class,
                    () -> engine.submit(GenerationRequest.ofTokens(1, 2, 3).withMaxTokens(2)).join());
            ModelFormatException m = assertInstanceOf(ModelFormatException.class, e.getCause());
            assertTrue(m.getMessage().contains(f.toString()) && m.getMessage().contains("no finite logits"), m.getMessage());
            // the engine keeps running: the next request gets the same clear error
            var again = assertThrows(CompletionException.class,
                    () -> engine.submit(GenerationRequest.ofTokens(4, 5).withMaxTokens(1)).join());
            assertEquals(ModelFormatException.class, again.getCause().getClass());
        }
    }
}
