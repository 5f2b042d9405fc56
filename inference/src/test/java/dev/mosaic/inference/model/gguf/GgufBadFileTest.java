package dev.mosaic.inference.model.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed GGUF files raise {@link ModelFormatException} naming the file and the field or tensor. */
class GgufBadFileTest {
    @TempDir
    Path dir;

    private ModelFormatException fails(byte[] bytes, String... mustMention) throws IOException {
        Path f = Files.write(dir.resolve("bad.gguf"), bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufReader.open(f).close());
        assertEquals(f, e.file());
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        for (String s : mustMention) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' not in: " + e.getMessage());
        }
        return e;
    }

    private static GgufBytes header(int version, long tensors, long kvs) {
        return new GgufBytes().u32(GgufReader.MAGIC).u32(version).u64(tensors).u64(kvs);
    }

    /** One F32 tensor named {@code w} of type {@code typeId} with 4 elements at {@code offset}, and its data. */
    private static byte[] oneTensor(long typeId, long offset, int dataBytes) {
        GgufBytes b = header(3, 1, 0);
        b.str("w").u32(1).u64(32).u32(typeId).u64(offset);
        b.padTo(32);
        b.out.writeBytes(new byte[dataBytes]);
        return b.bytes();
    }

    @Test
    void wrongMagic() throws IOException {
        byte[] b = header(3, 0, 0).bytes();
        b[3] = 'X';
        fails(b, "header.magic", "not a GGUF file");
    }

    @Test
    void unsupportedVersions() throws IOException {
        fails(header(1, 0, 0).bytes(), "header.version", "unsupported GGUF version 1");
        fails(header(4, 0, 0).bytes(), "header.version", "4");
        fails(header(Integer.reverseBytes(3), 0, 0).bytes(), "header.version", "big-endian");
    }

    @Test
    void unknownTensorTypeIds() throws IOException {
        fails(oneTensor(99, 0, 128), "tensor w", "type id 99");
        fails(oneTensor(16, 0, 128), "tensor w", "IQ2_XXS (id 16) is not supported"); // a real ggml type MOSAIC does not run
    }

    @Test
    void dataPastTheEnd() throws IOException {
        fails(oneTensor(GgmlType.F32.id(), 0, 127), "tensor w", "past the end");
        fails(oneTensor(GgmlType.F32.id(), 1L << 40, 128), "tensor w", "past the end");
        fails(oneTensor(GgmlType.F32.id(), Long.MAX_VALUE - 31 - (Long.MAX_VALUE - 31) % 32, 128), "tensor w", "past the end");
    }

    @Test
    void misalignedOffsetAndBadShapes() throws IOException {
        fails(oneTensor(GgmlType.F32.id(), 4, 256), "tensor w", "alignment");
        GgufBytes b = header(3, 1, 0);
        b.str("w").u32(5).u64(1).u64(1).u64(1).u64(1).u64(1).u32(0).u64(0);
        fails(b.bytes(), "tensor w", "n_dims 5");
        b = header(3, 1, 0);
        b.str("w").u32(2).u64(4).u64(0).u32(0).u64(0);
        fails(b.bytes(), "tensor w", "dimension 1");
        b = header(3, 1, 0);
        b.str("w").u32(1).u64(31).u32(GgmlType.Q8_0.id()).u64(0);
        fails(b.bytes(), "tensor w", "block size");
        b = header(3, 1, 0);
        b.str("w").u32(2).u64(1L << 40).u64(1L << 40).u32(0).u64(0);
        fails(b.bytes(), "tensor w", "overflows");
        b = header(3, 1, 0);
        b.str("w").u32(2).u64(1L << 31).u64(1L << 31).u32(0).u64(0); // 2^62 elements fit, 2^64 bytes do not
        fails(b.bytes(), "tensor w", "overflows");
    }

    @Test
    void impossibleCountsAreRejectedWithoutAllocating() throws IOException {
        fails(header(3, Long.MAX_VALUE, 0).bytes(), "header.tensor_count");
        fails(header(3, 0, 1L << 60).bytes(), "header.metadata_kv_count");
        GgufBytes b = header(3, 0, 1);
        b.str("k").u32(9).u32(4).u64(1L << 61);
        fails(b.bytes(), "metadata[k]", "count");
        b = header(3, 0, 1);
        b.str("k").u32(8).u64(1L << 62);
        fails(b.bytes(), "metadata[k]", "truncated");
    }

    @Test
    void badMetadata() throws IOException {
        GgufBytes b = header(3, 0, 1);
        b.str("k").u32(13).u32(0);
        fails(b.bytes(), "metadata[k]", "value type 13");
        b = header(3, 0, 1);
        b.str("general.alignment").u32(4).u32(24);
        fails(b.bytes(), "general.alignment", "power of two");
        b = header(3, 0, 2);
        b.str("k").u32(4).u32(1).str("k").u32(4).u32(2);
        fails(b.bytes(), "metadata[k]", "duplicate");
        b = header(3, 0, 1);
        b.str("k").u32(7).u8(2);
        fails(b.bytes(), "metadata[k]", "bool");
    }

    /** Every proper prefix of a valid file fails cleanly (no other exception, no crash). */
    @Test
    void everyTruncationFailsCleanly() throws IOException {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", "llama");
        w.put("list", List.of("x", "yy"));
        w.put("nested", List.of(List.of(1.5f), List.of(2f, 3f)));
        w.addTensor("a", GgmlType.F32, new long[] {8}, MemorySegment.ofArray(new byte[32]));
        w.addTensor("b", GgmlType.Q4_0, new long[] {32, 2}, MemorySegment.ofArray(new byte[36]));
        byte[] full = Files.readAllBytes(w.write(dir.resolve("ok.gguf")));
        long end;
        try (GgufFile ok = GgufReader.open(dir.resolve("ok.gguf"))) {
            GgufTensorInfo last = ok.tensorInfos().getLast();
            end = ok.dataOffset() + last.offset() + last.byteSize(); // the writer's trailing padding is optional
        }
        for (int n = 0; n < end; n++) {
            Path f = Files.write(dir.resolve("cut.gguf"), Arrays.copyOf(full, n));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufReader.open(f).close(), "prefix " + n);
            assertEquals(f, e.file());
            assertTrue(e.getMessage().contains("truncated"), "prefix " + n + ": " + e.getMessage());
        }
    }

    @Test
    void missingFile() {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufReader.open(dir.resolve("none.gguf")));
        assertTrue(e.getMessage().contains("none.gguf"));
    }
}
