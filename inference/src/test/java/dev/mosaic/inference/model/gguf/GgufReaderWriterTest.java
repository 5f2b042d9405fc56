package dev.mosaic.inference.model.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Quantization;
import dev.mosaic.inference.tensor.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufReaderWriterTest {
    @TempDir
    Path dir;

    @Test
    void writerRoundTripsEveryMetadataTypeAndTensorType() {
        Random r = new Random(7001);
        GgufWriter w = new GgufWriter().alignment(64);
        w.put("s", "héllo ✓");
        w.put("b", true);
        w.put("u32", 4_000_000_000L >>> 1);
        w.put("i32", -5);
        w.put("u64", 1L << 40);
        w.put("f32", 0.1f);
        w.put("f64", Math.PI);
        w.put("u8", GgufValueType.UINT8, 200);
        w.put("i8", GgufValueType.INT8, -100);
        w.put("u16", GgufValueType.UINT16, 60000);
        w.put("i16", GgufValueType.INT16, -30000);
        w.put("i64", GgufValueType.INT64, -(1L << 50));
        w.put("strings", List.of("a", "", "ccc"));
        w.put("floats", List.of(1.5f, -2f));
        w.put("ints", List.of(1, -2, 3));
        w.put("nested", List.of(List.of(1, 2), List.of(3)));
        w.putArray("empty", GgufValueType.UINT32, List.of());
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, byte[]> encoded = new LinkedHashMap<>();
        for (GgmlType t : GgmlType.values()) {
            float[] x = new float[512 * 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            byte[] q = Quantization.quantize(t, x);
            values.put("t." + t, x);
            encoded.put("t." + t, q);
            w.addTensor("t." + t, t, new long[] {512, 3}, MemorySegment.ofArray(q));
        }
        w.addTensor("odd", GgmlType.F32, new long[] {3}, MemorySegment.ofArray(Quantization.quantize(GgmlType.F32, new float[] {1, 2, 3})));
        Path f = w.write(dir.resolve("m.gguf"));
        assertFalse(hasTempFiles(), "temporary file left behind");

        try (GgufFile g = GgufReader.open(f)) {
            assertEquals(3, g.version());
            assertEquals(64, g.alignment());
            Map<String, Object> m = g.metadata();
            assertEquals("héllo ✓", m.get("s"));
            assertEquals(true, m.get("b"));
            assertEquals(2_000_000_000L, m.get("u32"));
            assertEquals(-5L, m.get("i32"));
            assertEquals(1L << 40, m.get("u64"));
            assertEquals((double) 0.1f, m.get("f32"));
            assertEquals(Math.PI, m.get("f64"));
            assertEquals(200L, m.get("u8"));
            assertEquals(-100L, m.get("i8"));
            assertEquals(60000L, m.get("u16"));
            assertEquals(-30000L, m.get("i16"));
            assertEquals(-(1L << 50), m.get("i64"));
            assertEquals(List.of("a", "", "ccc"), m.get("strings"));
            assertEquals(List.of(1.5, -2.0), m.get("floats"));
            assertEquals(List.of(1L, -2L, 3L), m.get("ints"));
            assertEquals(List.of(List.of(1L, 2L), List.of(3L)), m.get("nested"));
            assertEquals(List.of(), m.get("empty"));
            assertEquals(64L, m.get("general.alignment"));
            assertEquals(0, g.dataOffset() % 64);
            for (GgmlType t : GgmlType.values()) {
                Tensor tensor = g.tensors().get("t." + t);
                assertEquals(t, tensor.type());
                assertArrayEquals(new long[] {512, 3}, tensor.shape());
                assertEquals(0, (tensor.data().address() - g.mapped().address()) % 64, "aligned " + t);
                assertArrayEquals(encoded.get("t." + t), tensor.data().toArray(ValueLayout.JAVA_BYTE), "bytes of " + t);
                double[] row = Quantization.dequantizeRowToDouble(tensor, 1);
                float[] back = Quantization.dequantize(t, encoded.get("t." + t));
                for (int i = 0; i < 512; i++) {
                    assertEquals(back[512 + i], row[i], 0.0);
                }
            }
            assertEquals(3.0, Quantization.dequantizeRowToDouble(g.tensors().get("odd"), 0)[2]);
            assertTrue(g.tensors().get("odd").data().isReadOnly());
        }
    }

    @Test
    void readsHandEncodedVersion2File() throws IOException {
        GgufBytes b = new GgufBytes().u32(GgufReader.MAGIC).u32(2).u64(2).u64(3);
        b.str("general.architecture").u32(8).str("llama");
        b.str("arr").u32(9).u32(6).u64(2).f32(0.5f).f32(-1f);
        b.str("flag").u32(7).u8(1);
        b.str("a").u32(2).u64(2).u64(2).u32(GgmlType.F32.id()).u64(0);
        b.str("b").u32(1).u64(32).u32(GgmlType.Q8_0.id()).u64(32);
        b.padTo(32);
        long dataStart = b.size();
        for (float v : new float[] {1, 2, 3, 4}) {
            b.f32(v);
        }
        b.padTo(32);
        byte[] q8 = new byte[34];
        q8[1] = 0x3C; // d = 1.0
        for (int j = 0; j < 32; j++) {
            q8[2 + j] = (byte) (j - 16);
        }
        b.out.writeBytes(q8);
        Path f = Files.write(dir.resolve("v2.gguf"), b.bytes());
        try (GgufFile g = GgufReader.open(f)) {
            assertEquals(2, g.version());
            assertEquals(dataStart, g.dataOffset());
            assertEquals("llama", g.metadata().get("general.architecture"));
            assertEquals(List.of(0.5, -1.0), g.metadata().get("arr"));
            assertEquals(true, g.metadata().get("flag"));
            assertArrayEquals(new double[] {3, 4}, Quantization.dequantizeRowToDouble(g.tensors().get("a"), 1));
            double[] q = Quantization.dequantizeRowToDouble(g.tensors().get("b"), 0);
            for (int j = 0; j < 32; j++) {
                assertEquals(j - 16, q[j]);
            }
            assertEquals(List.of("a", "b"), g.tensorInfos().stream().map(GgufTensorInfo::name).toList());
        }
    }

    /** A tensor stored past 2 GiB in a sparse file is mapped and read correctly. */
    @Test
    void tensorBeyondTwoGibibytesInSparseFile() throws IOException {
        long offset = (1L << 31) + 4096; // relative to the data section, a multiple of 32
        GgufBytes b = new GgufBytes().u32(GgufReader.MAGIC).u32(3).u64(1).u64(0);
        b.str("far").u32(1).u64(8).u32(GgmlType.F32.id()).u64(offset);
        b.padTo(32);
        long dataStart = b.size();
        Path f = dir.resolve("big.gguf");
        Files.write(f, b.bytes());
        float[] values = {1.25f, -2, 3, 4, 5, 6, 7, 8e-3f};
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(dataStart + offset + 32); // sparse: only the header and the tensor hold blocks
            raf.seek(dataStart + offset);
            raf.write(Quantization.quantize(GgmlType.F32, values));
        }
        try (GgufFile g = GgufReader.open(f)) {
            assertTrue(g.mapped().byteSize() > (1L << 31));
            double[] row = Quantization.dequantizeRowToDouble(g.tensors().get("far"), 0);
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], row[i], 0.0);
            }
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void writerRejectsWrongSizedData() {
        GgufWriter w = new GgufWriter().addTensor("x", GgmlType.F32, new long[] {4}, MemorySegment.ofArray(new byte[12]));
        assertThrows(IllegalArgumentException.class, () -> w.write(dir.resolve("bad.gguf")));
        assertFalse(Files.exists(dir.resolve("bad.gguf")));
        assertFalse(hasTempFiles(), "temporary file left behind");
        assertThrows(IllegalArgumentException.class,
                () -> new GgufWriter().addTensor("q", GgmlType.Q8_0, new long[] {31, 2}, MemorySegment.ofArray(new byte[0])));
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter().put("x", List.of()));
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter().put("x", GgufValueType.STRING, 3));
    }

    private boolean hasTempFiles() {
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".tmp"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<Path> list(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return new ArrayList<>(s.toList());
        }
    }
}
