package dev.mosaic.inference.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Quantization;
import dev.mosaic.inference.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** A file built by hand: 8-byte LE header length, JSON, data. */
    private static byte[] file(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    @Test
    void readsHandBuiltFileWithShapesReversedToGgmlOrder() throws IOException {
        float[] v = {1, 2, 3, 4, 5, 6};
        byte[] f32 = Quantization.quantize(GgmlType.F32, v);
        byte[] bf16 = Quantization.quantize(GgmlType.BF16, new float[] {0.5f, -1});
        byte[] data = new byte[f32.length + bf16.length];
        System.arraycopy(f32, 0, data, 0, f32.length);
        System.arraycopy(bf16, 0, data, f32.length, bf16.length);
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"s\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[24,28]}}";
        Path p = Files.write(dir.resolve("a.safetensors"), file(json, data));
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile sf = SafetensorsFile.map(p, arena);
            assertEquals(Map.of("format", "pt"), sf.metadata());
            Tensor w = sf.tensors().get("w");
            assertArrayEquals(new long[] {3, 2}, w.shape()); // rows of 3, 2 rows
            assertArrayEquals(new double[] {4, 5, 6}, Quantization.dequantizeRowToDouble(w, 1));
            Tensor s = sf.tensors().get("s");
            assertEquals(GgmlType.BF16, s.type());
            assertArrayEquals(new double[] {0.5, -1}, Quantization.dequantizeRowToDouble(s, 0));
            assertTrue(w.data().isMapped());
        }
    }

    @Test
    void writerRoundTrip() throws IOException {
        Random r = new Random(99);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        byte[][] enc = new byte[3][];
        GgmlType[] types = {GgmlType.F32, GgmlType.F16, GgmlType.BF16};
        for (int i = 0; i < 3; i++) {
            float[] x = new float[5 * 7];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) r.nextGaussian();
            }
            enc[i] = Quantization.quantize(types[i], x);
            byte[] e = enc[i];
            w.add("t" + i, types[i], new long[] {7, 5}, () -> MemorySegment.ofArray(e));
        }
        Path p = w.write(dir.resolve("w.safetensors"));
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "data section 8-byte aligned");
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile sf = SafetensorsFile.map(p, arena);
            for (int i = 0; i < 3; i++) {
                Tensor t = sf.tensors().get("t" + i);
                assertEquals(types[i], t.type());
                assertArrayEquals(new long[] {7, 5}, t.shape());
                assertArrayEquals(enc[i], t.data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
        String header = new String(Files.readAllBytes(p), 8, (int) headerLen, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"shape\":[5,7]"), header); // row-major on disk
    }

    private ModelFormatException fails(byte[] bytes, String... mention) throws IOException {
        Path p = Files.write(dir.resolve("bad.safetensors"), bytes);
        try (Arena arena = Arena.ofConfined()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.map(p, arena));
            assertEquals(p, e.file());
            for (String m : mention) {
                assertTrue(e.getMessage().contains(m), "'" + m + "' not in " + e.getMessage());
            }
            return e;
        }
    }

    @Test
    void badFiles() throws IOException {
        fails(new byte[5], "header length", "truncated");
        byte[] longHeader = file("{}", new byte[0]);
        longHeader[0] = 100;
        fails(longHeader, "header length", "past the end");
        fails(file("{\"w\": [", new byte[0]), "header", "invalid JSON");
        fails(file("[1,2]", new byte[0]), "header", "JSON object");
        fails(file("{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]), "tensor w.dtype", "I64");
        fails(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]), "tensor w", "mismatch");
        fails(file("{\"w\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]}}", new byte[4]), "tensor w.data_offsets",
                "outside");
        fails(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", new byte[4]), "tensor w.data_offsets");
        fails(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", new byte[4]), "tensor w.shape");
        fails(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4]), "tensor w.shape");
        fails(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "tensor w.data_offsets");
        fails(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483648,2147483648],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor w.shape", "overflows");
        fails(file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "tensor w.dtype");
    }

    @Test
    void everyTruncationFailsCleanly() throws IOException {
        byte[] full = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[16,22]}}", new byte[22]);
        for (int n = 0; n < full.length; n++) {
            fails(Arrays.copyOf(full, n));
        }
    }

    /** A tensor past 2 GiB in a sparse file is mapped and read correctly. */
    @Test
    void tensorBeyondTwoGibibytesInSparseFile() throws IOException {
        long begin = (1L << 31) + 100;
        String json = "{\"far\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[" + begin + "," + (begin + 8) + "]}}";
        Path p = Files.write(dir.resolve("big.safetensors"), file(json, new byte[0]));
        long dataStart = Files.size(p);
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(dataStart + begin + 8);
            raf.seek(dataStart + begin);
            raf.write(Quantization.quantize(GgmlType.F16, new float[] {1, -2, 0.5f, 3}));
        }
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = SafetensorsFile.map(p, arena).tensors().get("far");
            assertArrayEquals(new double[] {0.5, 3}, Quantization.dequantizeRowToDouble(t, 1));
        } finally {
            Files.delete(p);
        }
    }

    @Test
    void hfNamesMapBothWays() {
        String[][] pairs = {
                {"model.embed_tokens.weight", "token_embd.weight"},
                {"model.norm.weight", "output_norm.weight"},
                {"lm_head.weight", "output.weight"},
                {"model.layers.11.input_layernorm.weight", "blk.11.attn_norm.weight"},
                {"model.layers.0.self_attn.q_proj.weight", "blk.0.attn_q.weight"},
                {"model.layers.0.self_attn.k_proj.bias", "blk.0.attn_k.bias"},
                {"model.layers.3.self_attn.v_proj.weight", "blk.3.attn_v.weight"},
                {"model.layers.3.self_attn.o_proj.weight", "blk.3.attn_output.weight"},
                {"model.layers.2.post_attention_layernorm.weight", "blk.2.ffn_norm.weight"},
                {"model.layers.2.mlp.gate_proj.weight", "blk.2.ffn_gate.weight"},
                {"model.layers.2.mlp.up_proj.weight", "blk.2.ffn_up.weight"},
                {"model.layers.2.mlp.down_proj.weight", "blk.2.ffn_down.weight"},
        };
        for (String[] p : pairs) {
            assertEquals(p[1], HfNames.toGguf(p[0]).orElseThrow());
            assertEquals(p[0], HfNames.toHf(p[1]).orElseThrow());
        }
        assertTrue(HfNames.toGguf("model.layers.0.self_attn.rotary_emb.inv_freq").isEmpty());
    }
}
