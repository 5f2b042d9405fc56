package dev.mosaic.inference.buffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenBufferTest {

    @Test
    void growsAndKeepsEverythingItWasGiven() {
        Random random = new Random(42);
        List<Integer> ids = new ArrayList<>();
        List<Float> logprobs = new ArrayList<>();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        List<Integer> starts = new ArrayList<>();
        try (TokenBuffer buffer = new TokenBuffer(1, 1)) {
            for (int i = 0; i < 1000; i++) {
                int id = random.nextInt(50_000);
                float lp = -random.nextFloat() * 10;
                byte[] piece = ("tok" + id + (i % 7 == 0 ? "é" : "")).getBytes(StandardCharsets.UTF_8);
                if (i % 13 == 0) {
                    piece = new byte[0]; // control tokens contribute nothing
                }
                starts.add(text.size());
                buffer.append(id, lp, piece);
                ids.add(id);
                logprobs.add(lp);
                text.writeBytes(piece);
            }
            assertEquals(1000, buffer.size());
            assertEquals(text.size(), buffer.byteLength());
            assertArrayEquals(ids.stream().mapToInt(Integer::intValue).toArray(), buffer.idsArray());
            for (int i = 0; i < 1000; i++) {
                assertEquals(logprobs.get(i), buffer.logprob(i));
                assertEquals(starts.get(i), buffer.byteOffset(i));
            }
            assertEquals(text.size(), buffer.byteOffset(1000));
            assertEquals(text.toString(StandardCharsets.UTF_8), buffer.text());
            assertArrayEquals(text.toByteArray(), buffer.bytes().toArray(ValueLayout.JAVA_BYTE));
            double sum = 0;
            for (float lp : logprobs) {
                sum += lp;
            }
            assertEquals(sum, buffer.totalLogprob(), 1e-6);
        }
    }

    @Test
    void viewsAreReadOnlyAndSizedExactly() {
        try (TokenBuffer buffer = new TokenBuffer()) {
            buffer.append(5, -0.5f, "ab".getBytes(StandardCharsets.UTF_8));
            buffer.append(6, -1.5f, "c".getBytes(StandardCharsets.UTF_8));
            MemorySegment ids = buffer.ids();
            assertEquals(8, ids.byteSize());
            assertTrue(ids.isReadOnly());
            assertThrows(IllegalArgumentException.class, () -> ids.setAtIndex(ValueLayout.JAVA_INT, 0, 1));
            assertEquals(12, buffer.byteOffsets().byteSize());
            assertArrayEquals(new int[] {0, 2, 3}, buffer.byteOffsets().toArray(ValueLayout.JAVA_INT));
            assertArrayEquals(new float[] {-0.5f, -1.5f}, buffer.logprobs().toArray(ValueLayout.JAVA_FLOAT));
            assertEquals("c", buffer.text(1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.id(2));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.text(1, 3));
        }
    }

    @Test
    void partialUtf8IsKeptAsBytesAndCompletesLater() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // 3 bytes, split across two byte tokens
        try (TokenBuffer buffer = new TokenBuffer()) {
            buffer.append(1, -1f, new byte[] {euro[0], euro[1]});
            assertFalse(buffer.isValidUtf8());
            buffer.append(2, -1f, new byte[] {euro[2]});
            assertTrue(buffer.isValidUtf8());
            assertEquals("€", buffer.text());
        }
    }

    @Test
    void closedBufferRefusesAccess() {
        TokenBuffer buffer = new TokenBuffer();
        buffer.append(1, 0f, new byte[] {'x'});
        MemorySegment view = buffer.bytes();
        buffer.close();
        buffer.close();
        assertThrows(IllegalStateException.class, buffer::text);
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> buffer.append(2, 0f, new byte[0]));
    }
}
