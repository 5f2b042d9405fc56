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

    /** A GGUF file written byte by byte: arch gemma3, two IQ2_XXS tensors, one IQ4_XS, one F32 (data zeros). */
    private Path craftedGguf() throws java.io.IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(4096).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x46554747).putInt(3).putLong(4).putLong(1);
        putString(h, "general.architecture");
        h.putInt(8); // string
        putString(h, "gemma3");
        String[] names = {"token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_norm.weight", "blk.0.ffn_up.weight"};
        int[] types = {16, 16, 0, 23};
        long offset = 0;
        for (int i = 0; i < names.length; i++) {
            putString(h, names[i]);
            h.putInt(2).putLong(256).putLong(4).putInt(types[i]).putLong(offset);
            offset += 4096;
        }
        b.write(h.array(), 0, h.position());
        b.write(new byte[(int) (32 - h.position() % 32 + offset)]);
        Path f = dir.resolve("crafted.gguf");
        java.nio.file.Files.write(f, b.toByteArray());
        return f;
    }

    private static void putString(java.nio.ByteBuffer h, String s) {
        byte[] u = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        h.putLong(u.length).put(u);
    }

    @Test
    void modelInfoNamesEveryUnsupportedTypeAndArchitectureOnOneLineEach() throws Exception {
        Path f = craftedGguf();
        CliRun info = run("model-info", "--model", f.toString());
        assertEquals(Mosaic.EXIT_BAD_INPUT, info.exit(), info.out() + info.err());
        java.util.List<String> lines = info.err().lines().filter(l -> l.startsWith("  ")).toList();
        assertEquals(3, lines.size(), info.err());
        assertTrue(lines.get(0).contains("unsupported architecture \"gemma3\"") && lines.get(0).contains("qwen3"), lines.get(0));
        assertTrue(lines.get(1).contains("IQ2_XXS (id 16)") && lines.get(1).contains("2 tensors, first token_embd.weight"),
                lines.get(1));
        assertTrue(lines.get(2).contains("IQ4_XS (id 23)") && lines.get(2).contains("1 tensor: blk.0.ffn_up.weight"), lines.get(2));
        assertTrue(info.out().isEmpty(), "nothing about the model is printed: " + info.out());
        // opening it (as generate would) stops at the first problem, naming it
        CliRun gen = run("generate", "--model", f.toString(), "--prompt-tokens", "1", "--max-tokens", "1");
        assertEquals(Mosaic.EXIT_BAD_INPUT, gen.exit());
        assertTrue(gen.err().contains("IQ2_XXS (id 16)"), gen.err());
    }

    @Test
    void modelInfoOfASupportedQwen3AndQ5KModel() {
        Path gguf = dir.resolve("q3.gguf");
        assertEquals(0, run("synth-model", "--arch", "qwen3", "--type", "Q5_K", "--out", gguf.toString()).exit());
        CliRun info = run("model-info", "--model", gguf.toString());
        assertEquals(0, info.exit(), info.err());
        assertTrue(info.out().contains("architecture qwen3") && info.out().contains("q/k norm true")
                && info.out().contains("Q5_K"), info.out());
    }

    @Test
    void badInputExitsWithTwo() {
        CliRun missing = run("model-info", "--model", dir.resolve("none.gguf").toString());
        assertEquals(Mosaic.EXIT_BAD_INPUT, missing.exit());
        assertTrue(missing.err().contains("none.gguf") && missing.err().contains("does not exist"), missing.err());
        CliRun type = run("synth-model", "--type", "IQ2_XXS", "--out", dir.resolve("x.gguf").toString());
        assertEquals(Mosaic.EXIT_BAD_INPUT, type.exit());
        assertTrue(type.err().contains("IQ2_XXS"), type.err());
        CliRun st = run("synth-model", "--format", "safetensors", "--type", "Q8_0", "--out", dir.resolve("y").toString());
        assertEquals(Mosaic.EXIT_BAD_INPUT, st.exit());
        assertTrue(st.err().contains("F32, F16 or BF16"), st.err());
    }
}
