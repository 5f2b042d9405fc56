package dev.mosaic.inference.buffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class TokenBufferTest {

    /** What a builder was given, to compare a built buffer against. */
    private record Written(int[] ids, float[] logprobs, byte[] text, int[] starts) {}

    private static Written fill(TokenBuffer.Builder builder, Random random, int tokens) {
        int[] ids = new int[tokens];
        float[] logprobs = new float[tokens];
        int[] starts = new int[tokens + 1];
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int i = 0; i < tokens; i++) {
            ids[i] = random.nextInt(50_000);
            logprobs[i] = -random.nextFloat() * 10;
            byte[] piece = ("tok" + ids[i] + (i % 7 == 0 ? "é" : "")).getBytes(StandardCharsets.UTF_8);
            if (i % 13 == 0) {
                piece = new byte[0]; // control tokens contribute nothing
            }
            starts[i] = text.size();
            builder.append(ids[i], logprobs[i], piece);
            text.writeBytes(piece);
        }
        starts[tokens] = text.size();
        return new Written(ids, logprobs, text.toByteArray(), starts);
    }

    private static void check(Written w, TokenBuffer buffer) {
        int n = w.ids().length;
        assertEquals(n, buffer.size());
        assertEquals(w.text().length, buffer.byteLength());
        assertArrayEquals(w.ids(), buffer.idsArray());
        assertArrayEquals(w.logprobs(), buffer.logprobsArray());
        assertArrayEquals(w.starts(), buffer.byteOffsets().toArray(ValueLayout.JAVA_INT));
        for (int i = 0; i < n; i++) {
            assertEquals(w.logprobs()[i], buffer.logprob(i));
            assertEquals(w.ids()[i], buffer.id(i));
            assertEquals(w.starts()[i], buffer.byteOffset(i));
        }
        assertEquals(new String(w.text(), StandardCharsets.UTF_8), buffer.text());
        assertArrayEquals(w.text(), buffer.bytes().toArray(ValueLayout.JAVA_BYTE));
        double sum = 0;
        for (float lp : w.logprobs()) {
            sum += lp;
        }
        assertEquals(sum, buffer.totalLogprob(), 1e-6);
    }

    @Test
    void growsAndKeepsEverythingItWasGivenOnHeapAndInAPool() {
        try (TokenBufferPool pool = new TokenBufferPool(4096)) {
            List<Supplier<TokenBuffer.Builder>> sources = List.of(() -> TokenBuffer.builder(1, 1), () -> pool.builder(1, 1));
            for (Supplier<TokenBuffer.Builder> source : sources) {
                try (TokenBuffer.Builder builder = source.get()) {
                    Written w = fill(builder, new Random(42), 1000);
                    try (TokenBuffer buffer = builder.build()) {
                        check(w, buffer);
                    }
                }
            }
            assertEquals(0, pool.buffersInUse());
            assertEquals(0, pool.bytesInUse());
        }
    }

    @Test
    void viewsAreReadOnlyAndSizedExactly() {
        try (TokenBuffer buffer = TokenBuffer.builder().append(5, -0.5f, "ab".getBytes(StandardCharsets.UTF_8))
                .append(6, -1.5f, "c".getBytes(StandardCharsets.UTF_8)).build()) {
            MemorySegment ids = buffer.ids();
            assertEquals(8, ids.byteSize());
            assertTrue(ids.isReadOnly());
            assertThrows(IllegalArgumentException.class, () -> ids.setAtIndex(ValueLayout.JAVA_INT, 0, 1));
            assertEquals(12, buffer.byteOffsets().byteSize());
            assertArrayEquals(new int[] {0, 2, 3}, buffer.byteOffsets().toArray(ValueLayout.JAVA_INT));
            assertArrayEquals(new float[] {-0.5f, -1.5f}, buffer.logprobs().toArray(ValueLayout.JAVA_FLOAT));
            assertEquals("c", buffer.text(1, 2));
            assertEquals("b", buffer.textOfBytes(1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.id(2));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.text(1, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.textOfBytes(2, 4));
        }
    }

    @Test
    void aBufferHasNoPublicMutatingMethod() {
        for (Method m : TokenBuffer.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
                continue;
            }
            assertFalse(m.getName().startsWith("append") || m.getName().startsWith("set") || m.getName().startsWith("put"),
                    "TokenBuffer." + m.getName() + " mutates");
        }
    }

    @Test
    void partialUtf8IsKeptAsBytesAndCompletesLater() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // 3 bytes, split across two byte tokens
        try (TokenBuffer partial = TokenBuffer.builder().append(1, -1f, new byte[] {euro[0], euro[1]}).build();
             TokenBuffer whole = TokenBuffer.builder().append(1, -1f, new byte[] {euro[0], euro[1]})
                     .append(2, -1f, new byte[] {euro[2]}).build()) {
            assertFalse(partial.isValidUtf8());
            assertTrue(whole.isValidUtf8());
            assertEquals("€", whole.text());
        }
    }

    @Test
    void closedBufferRefusesEveryAccessIncludingSize() {
        try (TokenBufferPool pool = new TokenBufferPool()) {
            for (TokenBuffer.Builder builder : List.of(TokenBuffer.builder(), pool.builder())) {
                TokenBuffer buffer = builder.append(1, 0f, new byte[] {'x'}).build();
                assertThrows(IllegalStateException.class, () -> builder.append(2, 0f, new byte[0]));
                assertThrows(IllegalStateException.class, builder::build);
                buffer.close();
                buffer.close();
                assertTrue(buffer.isClosed());
                assertThrows(IllegalStateException.class, buffer::text);
                assertThrows(IllegalStateException.class, buffer::size);
                assertThrows(IllegalStateException.class, buffer::byteLength);
                assertThrows(IllegalStateException.class, buffer::ids);
                assertThrows(IllegalStateException.class, () -> buffer.id(0));
            }
            assertEquals(0, pool.buffersInUse());
        }
    }

    @Test
    void poolReusesRegionsSoItsMemoryStopsGrowing() {
        try (TokenBufferPool pool = new TokenBufferPool(1 << 16)) {
            Random random = new Random(3);
            long reservedAfterFirstRound = 0;
            for (int round = 0; round < 20; round++) {
                List<TokenBuffer> live = new ArrayList<>();
                for (int b = 0; b < 16; b++) {
                    TokenBuffer.Builder builder = pool.builder(4, 16);
                    Written w = fill(builder, random, 200);
                    TokenBuffer buffer = builder.build();
                    check(w, buffer);
                    live.add(buffer);
                }
                assertEquals(16, pool.buffersInUse());
                live.forEach(TokenBuffer::close);
                assertEquals(0, pool.buffersInUse());
                assertEquals(0, pool.bytesInUse());
                if (round == 0) {
                    reservedAfterFirstRound = pool.reservedBytes();
                }
            }
            assertEquals(reservedAfterFirstRound, pool.reservedBytes(), "the pool allocated again instead of reusing");
        }
    }

    @Test
    void unbuiltBuildersGoBackToThePoolAndLargeRegionsWork() {
        try (TokenBufferPool pool = new TokenBufferPool(4096)) {
            TokenBuffer.Builder abandoned = pool.builder(10, 10).append(1, 0f, new byte[] {'a'});
            assertEquals(1, pool.buffersInUse());
            abandoned.close();
            assertEquals(0, pool.buffersInUse());
            try (TokenBuffer.Builder big = pool.builder(1, 1)) {
                Written w = fill(big, new Random(9), 5000); // regions far larger than a slab
                try (TokenBuffer buffer = big.build()) {
                    check(w, buffer);
                }
            }
        }
    }

    @Test
    void closingThePoolInvalidatesItsBuffersAndRefusesNewOnes() {
        TokenBufferPool pool = new TokenBufferPool();
        TokenBuffer buffer = pool.builder().append(7, -1f, new byte[] {'q'}).build();
        MemorySegment view = buffer.bytes();
        TokenBuffer.Builder writing = pool.builder();
        pool.close();
        assertTrue(pool.isClosed());
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, buffer::text);
        assertThrows(IllegalStateException.class, () -> writing.append(1, 0f, new byte[] {'z'}));
        assertThrows(IllegalStateException.class, pool::builder);
        buffer.close(); // harmless after the pool is gone
        writing.close();
    }

    @Test
    void manyThreadsShareOnePool() throws Exception {
        try (TokenBufferPool pool = new TokenBufferPool(1 << 14)) {
            ExecutorService executor = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    long seed = t;
                    futures.add(executor.submit(() -> {
                        Random random = new Random(seed);
                        for (int i = 0; i < 200; i++) {
                            TokenBuffer.Builder builder = pool.builder(2, 8);
                            Written w = fill(builder, random, 1 + random.nextInt(300));
                            try (TokenBuffer buffer = builder.build()) {
                                check(w, buffer);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                executor.shutdown();
            }
            assertEquals(0, pool.buffersInUse());
            assertEquals(0, pool.bytesInUse());
        }
    }
}
