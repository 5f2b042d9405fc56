package dev.mosaic.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.cpu.CpuBackend;
import dev.mosaic.inference.buffer.TokenBufferPool;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.RopeConfig.Layout;
import dev.mosaic.inference.tensor.GgmlType;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** Who owns what: the model lease, heap and pooled results, cancellation through futures, and nothing left after close. */
class EngineLifetimeTest {
    static final ModelConfig LLAMA = TestModels.llama(64, 2, 4, 2, 96, 300, Layout.INTERLEAVED);

    /** A CPU engine config whose backend is also handed to {@code backend}, so a test can read its resource counters. */
    private static EngineConfig observed(AtomicReference<CpuBackend> backend) {
        return EngineConfig.cpu(1).withKvBudgetBytes(4L << 20).withBlockSize(4).withBackend("cpu", () -> {
            CpuBackend b = new CpuBackend(1);
            backend.set(b);
            return b;
        });
    }

    private static Engine engine(Model model, EngineConfig config) {
        return Engine.create(model, config, new TestModels.SpelledTokenizer(model.config().vocabSize()));
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    private static GenerationRequest longRequest(int... prompt) {
        return GenerationRequest.ofTokens(prompt).withMaxTokens(400).withStopAtEos(false);
    }

    @Test
    void creatingAnEngineOnAClosedModelFailsAtOnceNamingTheModel() {
        Model model = TestModels.random(LLAMA, GgmlType.F32, 7);
        model.close();
        assertFalse(model.isOpen());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> engine(model, EngineConfig.cpu(1)));
        assertTrue(e.getMessage().contains("memory") && e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void anEngineKeepsItsModelMappedUntilItCloses() {
        Model model = TestModels.random(LLAMA, GgmlType.F32, 7);
        var embeddings = model.tensor("token_embd.weight").data();
        int[] alone;
        try (Engine first = engine(model, EngineConfig.cpu(1))) {
            alone = first.submit(GenerationRequest.ofTokens(5, 6, 7).withMaxTokens(6).withStopAtEos(false)).join().tokenIds();
        }
        Engine a = engine(model, EngineConfig.cpu(1));
        Engine b = engine(model, EngineConfig.cpu(1));
        model.close(); // the user is done with it; the engines still hold it
        assertFalse(model.isOpen());
        assertThrows(IllegalStateException.class, () -> engine(model, EngineConfig.cpu(1)));
        assertArrayEquals(alone, a.submit(GenerationRequest.ofTokens(5, 6, 7).withMaxTokens(6).withStopAtEos(false)).join().tokenIds());
        a.close();
        embeddings.get(ValueLayout.JAVA_FLOAT, 0); // still mapped: b holds it
        assertArrayEquals(alone, b.submit(GenerationRequest.ofTokens(5, 6, 7).withMaxTokens(6).withStopAtEos(false)).join().tokenIds());
        b.close();
        assertThrows(IllegalStateException.class, () -> embeddings.get(ValueLayout.JAVA_FLOAT, 0)); // freed with the last lease
    }

    @Test
    void resultsAreOnTheHeapUnlessAPoolIsAskedFor() {
        try (Model model = TestModels.random(LLAMA, GgmlType.F32, 7);
             Engine engine = engine(model, EngineConfig.cpu(1));
             TokenBufferPool pool = new TokenBufferPool()) {
            GenerationRequest request = GenerationRequest.ofTokens(9, 8, 7).withMaxTokens(7).withStopAtEos(false);
            GenerationResult heap = engine.submit(request).join();
            assertFalse(heap.hasTokenBuffer());
            IllegalStateException e = assertThrows(IllegalStateException.class, heap::tokens);
            assertTrue(e.getMessage().contains("withOutput"), e.getMessage());
            assertEquals(7, heap.generatedTokens());
            try (GenerationResult pooled = engine.submit(request.withOutput(pool)).join()) {
                assertTrue(pooled.hasTokenBuffer());
                assertEquals(1, pool.buffersInUse());
                assertArrayEquals(heap.tokenIds(), pooled.tokenIds());
                assertArrayEquals(heap.tokenIds(), pooled.tokens().idsArray());
                assertArrayEquals(heap.logprobs(), pooled.tokens().logprobsArray());
                assertEquals(heap.text(), pooled.text());
                assertEquals(heap.text(), pooled.tokens().text());
                assertEquals(heap.textByteLength(), pooled.tokens().byteLength());
            }
            assertEquals(0, pool.buffersInUse());
        }
    }

    @Test
    void cancellingTheFutureOrAnyFutureDerivedFromItStopsTheRequestAndFreesItsBlocks() throws Exception {
        try (Model model = TestModels.random(LLAMA, GgmlType.F32, 7);
             Engine engine = engine(model, EngineConfig.cpu(1).withKvBudgetBytes(4L << 20).withBlockSize(4));
             TokenBufferPool pool = new TokenBufferPool()) {
            for (boolean derived : new boolean[] {false, true}) {
                long completedBefore = engine.stats().completed();
                CountDownLatch started = new CountDownLatch(1);
                GenerationHandle h = engine.submit(longRequest(5, 6, 7).withOutput(pool).withListener((t, lp, s) -> started.countDown()));
                assertTrue(started.await(20, TimeUnit.SECONDS));
                waitFor(() -> engine.stats().kvBlocksUsed() > 0, "the request to hold KV blocks");
                CompletableFuture<?> future = derived ? h.result().thenApply(GenerationResult::text) : h.result();
                assertTrue(future.cancel(true));
                assertThrows(CancellationException.class, future::join);
                waitFor(() -> engine.stats().completed() == completedBefore + 1 && engine.stats().kvBlocksUsed() == 0,
                        "the cancelled request to give its KV blocks back");
                assertEquals(GenerationHandle.State.DONE, h.state());
                assertTrue(engine.stats().generatedTokens() < 2 * 400, "generation went on after the cancel");
                assertThrows(CancellationException.class, h::join);
                assertEquals(0, pool.buffersInUse(), "the partial result's buffer was not given back");
            }
            // the engine still serves requests
            assertEquals(3, engine.submit(GenerationRequest.ofTokens(5).withMaxTokens(3).withStopAtEos(false)).join().generatedTokens());
        }
    }

    @Test
    void nothingOffHeapSurvivesAClosedEngine() throws Exception {
        AtomicReference<CpuBackend> backend = new AtomicReference<>();
        Model model = TestModels.random(LLAMA, GgmlType.F32, 7);
        var embeddings = model.tensor("token_embd.weight").data();
        TokenBufferPool pool = new TokenBufferPool();
        Engine engine = engine(model, observed(backend).withMaxSequences(2));
        assertTrue(backend.get().openResources() > 0); // activations and the KV storage
        GenerationResult kept = engine.submit(GenerationRequest.ofTokens(5, 6).withMaxTokens(4).withOutput(pool)).join();
        CountDownLatch started = new CountDownLatch(2);
        List<GenerationHandle> unfinished = new ArrayList<>();
        for (int i = 0; i < 4; i++) { // two running, two waiting
            unfinished.add(engine.submit(longRequest(5 + i, 9).withOutput(pool).withListener((t, lp, s) -> started.countDown())));
        }
        assertTrue(started.await(20, TimeUnit.SECONDS));
        model.close();
        engine.close();
        for (GenerationHandle h : unfinished) {
            assertThrows(CancellationException.class, h::join);
        }
        assertEquals(0, backend.get().openResources(), "buffers or KV storage left open");
        assertEquals(1, pool.buffersInUse(), "only the finished result should hold a buffer");
        assertThrows(IllegalStateException.class, () -> embeddings.get(ValueLayout.JAVA_FLOAT, 0), "model still mapped");
        assertEquals(4, kept.tokens().size()); // the result belongs to the caller, not the engine
        kept.close();
        assertEquals(0, pool.buffersInUse());
        pool.close();
    }

    @Test
    void aRequestWhoseOutputPoolIsClosedFailsClearly() {
        try (Model model = TestModels.random(LLAMA, GgmlType.F32, 7);
             Engine engine = engine(model, EngineConfig.cpu(1))) {
            TokenBufferPool pool = new TokenBufferPool();
            pool.close();
            CompletionException e = assertThrows(CompletionException.class,
                    () -> engine.submit(GenerationRequest.ofTokens(5).withOutput(pool)).join());
            assertTrue(e.getCause().getMessage().contains("pool is closed"), e.getCause().getMessage());
            assertEquals(0, engine.stats().kvBlocksUsed());
        }
    }

    @Test
    void twoEnginesOnOneModelGenerateAtOnceWithTheTokensTheyGiveAlone() throws Exception {
        try (Model model = TestModels.random(LLAMA, GgmlType.F32, 7)) {
            int[][] prompts = {{5, 6, 7}, {11, 12}, {40, 41, 42, 43}};
            int[][] alone = new int[prompts.length][];
            try (Engine solo = engine(model, EngineConfig.cpu(2))) {
                for (int i = 0; i < prompts.length; i++) {
                    alone[i] = solo.submit(GenerationRequest.ofTokens(prompts[i]).withMaxTokens(24).withStopAtEos(false)).join().tokenIds();
                }
            }
            int before = CpuBackend.nativePoolsLive();
            try (Engine a = engine(model, EngineConfig.cpu(2)); Engine b = engine(model, EngineConfig.cpu(2))) {
                assertEquals(before + 2, CpuBackend.nativePoolsLive(), "each engine owns its pool");
                for (int round = 0; round < 3; round++) {
                    List<GenerationHandle> ha = new ArrayList<>();
                    List<GenerationHandle> hb = new ArrayList<>();
                    for (int[] p : prompts) { // both engines busy at the same time
                        ha.add(a.submit(GenerationRequest.ofTokens(p).withMaxTokens(24).withStopAtEos(false)));
                        hb.add(b.submit(GenerationRequest.ofTokens(p).withMaxTokens(24).withStopAtEos(false)));
                    }
                    for (int i = 0; i < prompts.length; i++) {
                        assertArrayEquals(alone[i], ha.get(i).join().tokenIds(), "engine a, prompt " + i);
                        assertArrayEquals(alone[i], hb.get(i).join().tokenIds(), "engine b, prompt " + i);
                    }
                }
            }
            assertEquals(before, CpuBackend.nativePoolsLive(), "closing the engines stops their pools");
        }
    }
}
