package dev.mosaic.inference.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.model.gguf.GgufFile;
import dev.mosaic.inference.model.gguf.GgufReader;
import dev.mosaic.inference.model.gguf.GgufTensorInfo;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that are valid but for one mutation (written by {@link SyntheticModel}, then edited
 * byte by byte or header by header) are refused when they are opened, naming the file and what
 * is wrong, instead of loading and failing later without the file's name.
 */
class ModelFileHardeningTest {
    @TempDir
    Path dir;

    private static final ModelConfig TINY = SyntheticModel.tiny("llama", true);

    private ModelFormatException refused(Path file) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(file).close());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        return e;
    }

    /** The file position of the tensor-info entry of {@code name} (its length-prefixed name). */
    static int tensorInfoAt(byte[] gguf, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] key = ByteBuffer.allocate(8 + n.length).order(ByteOrder.LITTLE_ENDIAN).putLong(n.length).put(n).array();
        int found = -1;
        for (int i = 0; i + key.length <= gguf.length; i++) {
            if (java.util.Arrays.equals(gguf, i, i + key.length, key, 0, key.length)) {
                assertEquals(-1, found, "name " + name + " occurs twice");
                found = i;
            }
        }
        assertTrue(found >= 0, name);
        return found;
    }

    /** Rewrites the data offset in tensor {@code name}'s info. */
    static void setTensorOffset(byte[] gguf, String name, long offset) {
        int at = tensorInfoAt(gguf, name) + 8 + name.getBytes(StandardCharsets.UTF_8).length;
        ByteBuffer b = ByteBuffer.wrap(gguf).order(ByteOrder.LITTLE_ENDIAN);
        int nDims = b.getInt(at);
        b.putLong(at + 4 + 8 * nDims + 4, offset);
    }

    /** Rewrites the type id in tensor {@code name}'s info. */
    static void setTensorType(byte[] gguf, String name, int typeId) {
        int at = tensorInfoAt(gguf, name) + 8 + name.getBytes(StandardCharsets.UTF_8).length;
        ByteBuffer b = ByteBuffer.wrap(gguf).order(ByteOrder.LITTLE_ENDIAN);
        int nDims = b.getInt(at);
        b.putInt(at + 4 + 8 * nDims, typeId);
    }

    private static long offsetOf(Path gguf, String name) {
        try (GgufFile f = GgufReader.open(gguf)) {
            return f.tensorInfos().stream().filter(t -> t.name().equals(name)).mapToLong(GgufTensorInfo::offset)
                    .findFirst().orElseThrow();
        }
    }

    @Test
    void ggufTensorsWhoseDataOverlapAreRefusedNamingBoth() throws IOException {
        Path good = SyntheticModel.writeGguf(TINY, GgmlType.F32, 5, dir.resolve("good.gguf"));
        byte[] bytes = Files.readAllBytes(good);
        // attn_v starts where attn_k does (same shape): both would read the same bytes
        setTensorOffset(bytes, "blk.1.attn_v.weight", offsetOf(good, "blk.1.attn_k.weight"));
        Path bad = Files.write(dir.resolve("overlap.gguf"), bytes);
        ModelFormatException e = refused(bad);
        assertTrue(e.getMessage().contains("blk.1.attn_v.weight") && e.getMessage().contains("blk.1.attn_k.weight")
                && e.getMessage().contains("overlaps"), e.getMessage());

        // a partial overlap after a changed type: Q8_0 would fit, F32 -> F16 shrinks; F16 -> F32 grows into the next tensor
        Path f16 = SyntheticModel.writeGguf(TINY, GgmlType.F16, 5, dir.resolve("f16.gguf"));
        byte[] grown = Files.readAllBytes(f16);
        setTensorType(grown, "blk.0.ffn_up.weight", GgmlType.F32.id());
        Path bad2 = Files.write(dir.resolve("grown.gguf"), grown);
        ModelFormatException e2 = refused(bad2);
        assertTrue(e2.getMessage().contains("blk.0.ffn_up.weight") && e2.getMessage().contains("overlaps"), e2.getMessage());
    }

    @Test
    void safetensorsTensorsWhoseDataOverlapAreRefusedNamingBoth() throws IOException {
        Path d = SyntheticModel.writeSafetensors(TINY, GgmlType.F32, 5, dir.resolve("st"));
        Path file = d.resolve(SafetensorsModelFiles.SINGLE);
        byte[] all = Files.readAllBytes(file);
        long headerLen = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = (ObjectNode) json.readTree(new String(all, 8, (int) headerLen, StandardCharsets.UTF_8));
        String k = "model.layers.1.self_attn.k_proj.weight";
        String v = "model.layers.1.self_attn.v_proj.weight";
        ((ObjectNode) header.get(v)).set("data_offsets", header.get(k).get("data_offsets").deepCopy());
        byte[] h = json.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + all.length - 8 - (int) headerLen).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(all, 8 + (int) headerLen, all.length - 8 - (int) headerLen);
        Files.write(file, out.array());
        ModelFormatException e = refused(d);
        assertTrue(e.getMessage().contains(SafetensorsModelFiles.SINGLE) && e.getMessage().contains(k)
                && e.getMessage().contains(v) && e.getMessage().contains("overlaps"), e.getMessage());
    }

    @Test
    void aNormOrBiasStoredQuantisedIsRefusedAtLoadNamingFileTensorAndType() throws IOException {
        Path good = SyntheticModel.writeGguf(TINY, GgmlType.F32, 5, dir.resolve("good.gguf"));
        byte[] bytes = Files.readAllBytes(good);
        // 256 floats as Q8_0 take 272 of the 1024 bytes: the file stays consistent, only the role is wrong
        setTensorType(bytes, "blk.1.ffn_norm.weight", GgmlType.Q8_0.id());
        Path bad = Files.write(dir.resolve("qnorm.gguf"), bytes);
        ModelFormatException e = refused(bad);
        assertEquals("blk.1.ffn_norm.weight", e.field(), e.getMessage());
        assertTrue(e.getMessage().contains("Q8_0") && e.getMessage().contains("norm gain"), e.getMessage());
        java.util.List<String> problems = ModelSupport.problems(bad);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().contains("Q8_0") && problems.getFirst().contains("blk.1.ffn_norm.weight"), problems.toString());

        ModelConfig qwen2 = SyntheticModel.tiny("qwen2", true);
        Path q = SyntheticModel.writeGguf(qwen2, GgmlType.F32, 5, dir.resolve("qwen2.gguf"));
        byte[] qb = Files.readAllBytes(q);
        setTensorType(qb, "blk.0.attn_q.bias", GgmlType.Q4_0.id());
        ModelFormatException bias = refused(Files.write(dir.resolve("qbias.gguf"), qb));
        assertEquals("blk.0.attn_q.bias", bias.field(), bias.getMessage());
        assertTrue(bias.getMessage().contains("Q4_0") && bias.getMessage().contains("bias"), bias.getMessage());
    }

    /** One head of 576 (above the kernels' 512), otherwise small: dim 64, 1 layer, FFN 64, vocab 300. */
    static final ModelConfig WIDE_HEAD = new ModelConfig("llama", 64, 1, 1, 1, 576, 64, 300, 64, 1e-5f,
            new RopeConfig(10000f, RopeConfig.Layout.HALVES), false, false);

    @Test
    void aHeadDimensionAboveTheKernelsLimitIsRefusedAtLoadAndListedAsAProblem() throws IOException {
        assertEquals(512, dev.mosaic.bindings.mosaic.mosaic_h.MOSAIC_MAX_HEAD_DIM()); // the native kernels' limit
        Path gguf = SyntheticModel.writeGguf(WIDE_HEAD, GgmlType.F32, 5, dir.resolve("wide.gguf"));
        ModelFormatException e = refused(gguf);
        assertEquals("llama.attention.key_length", e.field(), e.getMessage());
        assertTrue(e.getMessage().contains("576") && e.getMessage().contains("512"), e.getMessage());
        java.util.List<String> problems = ModelSupport.problems(gguf);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().startsWith("llama.attention.key_length: head dimension 576 exceeds 512"), problems.toString());

        Path st = SyntheticModel.writeSafetensors(WIDE_HEAD, GgmlType.F32, 5, dir.resolve("wide-st"));
        ModelFormatException se = assertThrows(ModelFormatException.class, () -> ModelLoader.open(st).close());
        assertEquals("head_dim", se.field(), se.getMessage());
        assertTrue(se.getMessage().contains("config.json") && se.getMessage().contains("576"), se.getMessage());
        java.util.List<String> sp = ModelSupport.problems(st);
        assertTrue(sp.size() == 1 && sp.getFirst().startsWith("head_dim: head dimension 576"), sp.toString());
    }

    @Test
    void printableTextEscapesWhatCouldActOnATerminalAndKeepsTheRest() {
        assertEquals("a\\u001b[31mred\\u0007\\u009b\\u202e\\u000a", PrintableText.escape("a\u001b[31mred\u0007\u009b\u202e\n"));
        assertEquals("blk.0.attn_q.weight é ▁日本", PrintableText.escape("blk.0.attn_q.weight é ▁日本"));
    }

    @Test
    void escapeSequencesInGgufKeysAndTensorNamesReachErrorMessagesEscaped() throws IOException {
        String esc = "\u001b[31m";
        dev.mosaic.inference.model.gguf.GgufWriter w = new dev.mosaic.inference.model.gguf.GgufWriter();
        w.put("aaaa." + esc + "key", "x");
        w.put("bbbb." + esc + "key", "y");
        byte[] bytes = Files.readAllBytes(w.write(dir.resolve("keys.gguf")));
        int at = tensorInfoAt(bytes, "bbbb." + esc + "key") + 8; // same length: the second key becomes a duplicate of the first
        System.arraycopy("aaaa".getBytes(StandardCharsets.US_ASCII), 0, bytes, at, 4);
        Path dup = Files.write(dir.resolve("dup\u001b]0;title\u0007.gguf"), bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(dup).close());
        assertTrue(e.getMessage().contains("duplicate metadata key"), e.getMessage());
        assertEquals("metadata[aaaa." + esc + "key]", e.field()); // the field itself stays exact
        assertTrue(!e.getMessage().chars().anyMatch(c -> c < 0x20) && e.getMessage().contains("aaaa.\\u001b[31mkey")
                && e.getMessage().contains("dup\\u001b]0;title\\u0007.gguf"), e.getMessage());

        Path good = SyntheticModel.writeGguf(TINY, GgmlType.F32, 5, dir.resolve("good.gguf"));
        byte[] g = Files.readAllBytes(good);
        // two tensor names of the same length rewritten to one name with an escape: a duplicate, named escaped
        String evil = "blk.\u001b[31mffn.weight";
        for (String name : new String[] {"blk.0.ffn_up.weight", "blk.1.ffn_up.weight"}) {
            assertEquals(name.length(), evil.length());
            System.arraycopy(evil.getBytes(StandardCharsets.US_ASCII), 0, g, tensorInfoAt(g, name) + 8, evil.length());
        }
        ModelFormatException twice = refused(Files.write(dir.resolve("evil.gguf"), g));
        assertTrue(twice.getMessage().contains("duplicate tensor name") && !twice.getMessage().chars().anyMatch(c -> c < 0x20)
                && twice.getMessage().contains("blk.\\u001b[31mffn.weight"), twice.getMessage());
    }

    /** Names of the safetensors layout. */
    private static final class SafetensorsModelFiles {
        static final String SINGLE = dev.mosaic.inference.model.safetensors.SafetensorsModel.SINGLE;
    }
}
