package dev.mosaic.inference.model.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.model.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Long metadata arrays are views of the file, not heap: a 64 MiB uint8 array opens in a few MiB of heap growth. */
class GgufLargeArrayTest {
    @TempDir
    Path dir;

    private static final int BLOB = 64 << 20;

    /** Element {@code i} of the blob: a pattern that is neither zero nor constant. */
    private static int blobByte(long i) {
        return (int) ((i * 2654435761L) >>> 13) & 0xFF;
    }

    /** A GGUF with no tensors, a uint8 array of {@link #BLOB} bytes and, after it, a float32 and a string array. */
    private Path writeLarge() throws IOException {
        Path file = dir.resolve("blob.gguf");
        GgufBytes head = new GgufBytes().u32(GgufReader.MAGIC).u32(3).u64(0).u64(4)
                .str("general.architecture").u32(GgufValueType.STRING.id()).str("llama")
                .str("test.blob").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.UINT8.id()).u64(BLOB);
        GgufBytes tail = new GgufBytes().str("test.floats").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.FLOAT32.id()).u64(10_000);
        for (int i = 0; i < 10_000; i++) {
            tail.f32(i * 0.25f - 7);
        }
        tail.str("test.strings").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.STRING.id()).u64(5000);
        for (int i = 0; i < 5000; i++) {
            tail.str("s" + i);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(head.bytes()));
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < BLOB; ) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    chunk.put((byte) blobByte(i++));
                }
                chunk.flip();
                ch.write(chunk);
            }
            ch.write(ByteBuffer.wrap(tail.bytes()));
        }
        return file;
    }

    /** Used heap after a collection (the module does not read java.management, so through Runtime). */
    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            least = Math.min(least, rt.totalMemory() - rt.freeMemory());
        }
        return least;
    }

    @Test
    void a64MibUint8ArrayOpensWithLittleHeapAndReadsBackExactly() throws IOException {
        Path file = writeLarge();
        long before = usedHeapAfterGc();
        try (GgufFile f = GgufReader.open(file)) {
            long growth = usedHeapAfterGc() - before;
            assertTrue(growth < BLOB / 8, "opening a " + (BLOB >> 20) + " MiB array grew the heap by " + (growth >> 20) + " MiB");
            List<?> blob = (List<?>) f.metadata().get("test.blob");
            GgufArray view = assertInstanceOf(GgufArray.class, blob);
            assertEquals(GgufValueType.UINT8, view.elementType());
            assertEquals(BLOB, blob.size());
            for (long i : new long[] {0, 1, 255, 12345, BLOB / 2 + 7, BLOB - 1}) {
                assertEquals((long) blobByte(i), blob.get((int) i), "element " + i);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> blob.get(BLOB));
            List<?> floats = (List<?>) f.metadata().get("test.floats");
            assertEquals(10_000, floats.size());
            assertEquals(9999 * 0.25 - 7, floats.get(9999));
            List<?> strings = (List<?>) f.metadata().get("test.strings");
            assertEquals("s0", strings.get(0));
            assertEquals("s4999", strings.get(4999));
            assertEquals("llama", f.metadata().get("general.architecture"));
            // the header-only read used by model-info works on it too
            GgufReader.Header h = GgufReader.header(file);
            assertEquals(BLOB, ((List<?>) h.metadata().get("test.blob")).size());
        }
    }

    @Test
    void aViewedArrayIsCheckedLikeAListAndEqualsOne() throws IOException {
        GgufBytes b = new GgufBytes().u32(GgufReader.MAGIC).u32(3).u64(0).u64(1)
                .str("test.flags").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.BOOL.id()).u64(5000);
        for (int i = 0; i < 5000; i++) {
            b.u8(i == 4321 ? 2 : i % 2);
        }
        Path bad = java.nio.file.Files.write(dir.resolve("flags.gguf"), b.bytes());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufReader.open(bad).close());
        assertTrue(e.getMessage().contains("test.flags") && e.getMessage().contains("neither 0 nor 1"), e.getMessage());

        GgufWriter w = new GgufWriter();
        List<Long> longs = new java.util.ArrayList<>();
        for (long i = 0; i < 5000; i++) {
            longs.add(i * 7919 % 65536);
        }
        w.putArray("test.u16", GgufValueType.UINT16, longs);
        try (GgufFile f = GgufReader.open(w.write(dir.resolve("u16.gguf")))) {
            Object v = f.metadata().get("test.u16");
            assertInstanceOf(GgufArray.class, v);
            assertEquals(longs, v);
        }
    }
}
