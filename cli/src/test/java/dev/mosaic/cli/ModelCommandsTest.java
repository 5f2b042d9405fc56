package dev.mosaic.cli;

import static dev.mosaic.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.tensor.GgmlType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** synth-model and model-info through {@link Mosaic#commandLine()}. */
class ModelCommandsTest {
    @TempDir
    Path dir;

    @Test
    void synthModelThenModelInfo() {
        Path gguf = dir.resolve("m.gguf");
        CliRun w = run("synth-model", "--arch", "qwen2", "--size", "tiny-gqa", "--type", "q8_0", "--out", gguf.toString());
        assertEquals(0, w.exit(), w.err());
        try (Model m = ModelLoader.open(gguf)) {
            assertEquals("qwen2", m.config().architecture());
            assertEquals(2, m.config().nKvHeads());
            assertEquals(GgmlType.Q8_0, m.tensor("blk.0.ffn_up.weight").type());
        }
        CliRun info = run("model-info", "--model", gguf.toString(), "--tensors");
        assertEquals(0, info.exit(), info.err());
        assertTrue(info.out().contains("architecture qwen2"), info.out());
        assertTrue(info.out().contains("blk.1.attn_v.bias"), info.out());

        Path hf = dir.resolve("hf");
        assertEquals(0, run("synth-model", "--format", "safetensors", "--type", "BF16", "--out", hf.toString()).exit());
        CliRun hfInfo = run("model-info", "--model", hf.toString());
        assertTrue(hfInfo.out().contains("layout HALVES") && hfInfo.out().contains("BF16"), hfInfo.out());
    }

    @Test
    void badInputExitsWithTwo() {
        CliRun missing = run("model-info", "--model", dir.resolve("none.gguf").toString());
        assertEquals(Mosaic.EXIT_BAD_INPUT, missing.exit());
        assertTrue(missing.err().contains("none.gguf") && missing.err().contains("does not exist"), missing.err());
        CliRun type = run("synth-model", "--type", "Q5_K", "--out", dir.resolve("x.gguf").toString());
        assertEquals(Mosaic.EXIT_BAD_INPUT, type.exit());
        assertTrue(type.err().contains("Q5_K"), type.err());
        CliRun st = run("synth-model", "--format", "safetensors", "--type", "Q8_0", "--out", dir.resolve("y").toString());
        assertEquals(Mosaic.EXIT_BAD_INPUT, st.exit());
        assertTrue(st.err().contains("F32, F16 or BF16"), st.err());
    }
}
