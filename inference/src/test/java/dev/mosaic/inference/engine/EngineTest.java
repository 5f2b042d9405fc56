package dev.mosaic.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.buffer.TokenBufferPool;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.RopeConfig.Layout;
import dev.mosaic.inference.tensor.GgmlType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** End-to-end: requests through the engine against the float64 reference and against each other. */
class EngineTest {
    static final ModelConfig LLAMA = TestModels.llama(64, 2, 4, 2, 96, 300, Layout.INTERLEAVED);
    static final ModelConfig QWEN = TestModels.qwen2(96, 2, 6, 2, 160, 320);

    static Model llama;
    static Model qwen;
    private final List<Engine> engines = new ArrayList<>();
    private final TokenBufferPool pool = new TokenBufferPool();

    @BeforeAll
    static void models() {
        llama = TestModels.random(LLAMA, GgmlType.F32, 7);
        qwen = TestModels.random(QWEN, GgmlType.F32, 8);
    }

    @AfterAll
    static void closeModels() {
        llama.close();
        qwen.close();
    }

    /** Every test must leave every KV block free; then the engines are closed. */
    @AfterEach
    void allBlocksReturned() {
        for (Engine e : engines) {
            EngineStats s = e.stats();
            assertEquals(0, s.kvBlocksUsed(), "KV blocks still held: " + s);
            assertEquals(0, s.running());
            e.close();
        }
        assertEquals(0, pool.buffersInUse(), "token buffers not given back: " + pool);
        pool.close();
    }

    private Engine engine(Model model, EngineConfig config) {
        Engine e = Engine.create(model, config, new TestModels.SpelledTokenizer(model.config().vocabSize()));
        engines.add(e);
        return e;
    }

    private static EngineConfig cpu() {
        return EngineConfig.cpu(1).withKvBudgetBytes(4L << 20).withBlockSize(4);
    }

    private static int[] randomPrompt(Random r, int length, int vocab) {
        int[] p = new int[length];
        for (int i = 0; i < length; i++) {
            p[i] = 5 + r.nextInt(vocab - 5); // no stop token in prompts
        }
        return p;
    }

    @Test
    void greedyContinuationsEqualTheReference() {
        Random random = new Random(11);
        for (Model model : new Model[] {llama, qwen}) {
            Engine engine = engine(model, cpu());
            ReferenceForward reference = new ReferenceForward(model);
            for (int len : new int[] {1, 6}) {
                int[] prompt = randomPrompt(random, len, model.config().vocabSize());
                int[] expected = reference.greedy(prompt, 6);
                try (GenerationResult r = engine.submit(GenerationRequest.ofTokens(prompt).withMaxTokens(6).withStopAtEos(false)).join()) {
                    assertArrayEquals(expected, r.tokenIds(), model.config().architecture() + " prompt " + len);
                    assertEquals(FinishReason.MAX_TOKENS, r.finishReason());
                    assertEquals(len, r.promptTokens());
                    // the logprob of each chosen token equals the reference log-softmax at that step
                    int[] seq = new int[len + 5];
                    System.arraycopy(prompt, 0, seq, 0, len);
                    System.arraycopy(expected, 0, seq, len, 5);
                    double[][] logits = reference.logits(seq);
                    for (int i = 0; i < 6; i++) {
                        double[] row = logits[len - 1 + i];
                        double max = Double.NEGATIVE_INFINITY;
                        for (double v : row) {
                            max = Math.max(max, v);
                        }
                        double sum = 0;
                        for (double v : row) {
                            sum += Math.exp(v - max);
                        }
                        assertEquals(row[expected[i]] - max - Math.log(sum), r.logprobs()[i], 1e-4);
                    }
                }
            }
        }
    }

    /** The same requests alone, all together, and in small chunked steps give the same tokens. */
    @Test
    void batchedAndUnbatchedRunsGiveTheSameTokens() {
        Random random = new Random(12);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int[] prompt = randomPrompt(random, 1 + random.nextInt(13), LLAMA.vocabSize());
            SamplingParams sampling = i % 2 == 0 ? SamplingParams.greedyDecoding()
                    : new SamplingParams(false, 0.9f, 20, 0.9f, 100 + i);
            requests.add(GenerationRequest.ofTokens(prompt).withMaxTokens(4 + i).withSampling(sampling).withStopAtEos(false));
        }
        List<int[]> alone = new ArrayList<>();
        Engine single = engine(llama, cpu().withMaxSequences(1));
        for (GenerationRequest r : requests) {
            try (GenerationResult result = single.submit(r).join()) {
                alone.add(result.tokenIds());
            }
        }
        for (EngineConfig config : new EngineConfig[] {cpu(), cpu().withMaxBatchTokens(5).withMaxSequences(3)}) {
            Engine batched = engine(llama, config);
            List<GenerationResult> results = batched.generateAll(requests);
            for (int i = 0; i < results.size(); i++) {
                try (GenerationResult r = results.get(i)) {
                    assertArrayEquals(alone.get(i), r.tokenIds(), "request " + i + " with " + config);
                    assertEquals(4 + i, r.generatedTokens());
                }
            }
        }
    }

    /**
     * Continuous batching under churn: requests of random lengths arrive while others run, with
     * small step budgets (chunked prefill mixed with decode) and a KV cache that forces waiting.
     * Every request must produce exactly what it produces alone, and every block must come back.
     */
    @Test
    void requestsJoiningAndLeavingMidRunGetTheSameTokensAsAlone() throws Exception {
        Random random = new Random(14);
        int bytesPerBlock = 2 * LLAMA.nLayers() * LLAMA.kvDim() * 4 * 4;
        Engine single = engine(llama, cpu().withMaxSequences(1));
        for (int round = 0; round < 5; round++) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                SamplingParams sampling = random.nextBoolean() ? SamplingParams.greedyDecoding()
                        : new SamplingParams(false, 0.7f + random.nextFloat(), random.nextInt(30), 0.5f + random.nextFloat() / 2,
                        random.nextLong());
                requests.add(GenerationRequest.ofTokens(randomPrompt(random, 1 + random.nextInt(20), LLAMA.vocabSize()))
                        .withMaxTokens(1 + random.nextInt(16)).withSampling(sampling).withStopAtEos(false));
            }
            Engine churn = engine(llama, cpu().withMaxBatchTokens(3 + random.nextInt(12)).withMaxSequences(1 + random.nextInt(5))
                    .withKvBudgetBytes((9L + random.nextInt(5)) * bytesPerBlock)); // the longest request needs 9 blocks
            List<GenerationHandle> handles = new ArrayList<>();
            for (GenerationRequest r : requests) {
                handles.add(churn.submit(r));
                if (random.nextInt(3) == 0) {
                    Thread.sleep(random.nextInt(3)); // let some steps run before the next arrival
                }
            }
            for (int i = 0; i < requests.size(); i++) {
                try (GenerationResult batched = handles.get(i).join();
                     GenerationResult alone = single.submit(requests.get(i)).join()) {
                    assertArrayEquals(alone.tokenIds(), batched.tokenIds(), "round " + round + " request " + i);
                    assertArrayEquals(alone.logprobs(), batched.logprobs(), 1e-5f);
                }
            }
            assertEquals(0, churn.stats().kvBlocksUsed());
            assertEquals(requests.size(), churn.stats().completed());
        }
    }

    @Test
    void profilingBackendChangesNothingAndCountsEveryOperation() {
        ProfilingBackend[] profiler = new ProfilingBackend[1];
        EngineConfig plain = cpu();
        Engine profiled = engine(llama, plain.withBackend("profiled", () -> profiler[0] = new ProfilingBackend(plain.backend().get())));
        Engine reference = engine(llama, plain);
        GenerationRequest request = GenerationRequest.ofTokens(9, 10, 11, 12).withMaxTokens(5).withStopAtEos(false);
        try (GenerationResult a = profiled.submit(request).join(); GenerationResult b = reference.submit(request).join()) {
            assertArrayEquals(b.tokenIds(), a.tokenIds());
        }
        java.util.Map<String, Long> calls = new java.util.HashMap<>();
        for (ProfilingBackend.OpTime op : profiler[0].snapshot()) {
            calls.put(op.op(), op.calls());
            assertTrue(op.nanos() > 0, op.toString());
        }
        // one prefill step and four decode steps, two layers each
        assertEquals(5 * LLAMA.nLayers(), calls.get("attention"));
        assertEquals(5 * LLAMA.nLayers(), calls.get("matmul ffn_down.weight"));
        assertEquals(5, calls.get("matmul output.weight"));
        assertEquals(5, calls.get("embedding"));
    }

    @Test
    void fullCacheMakesRequestsWaitWithAReasonThenTheyComplete() throws Exception {
        // 32 blocks of 4 tokens. A long request runs; one whose 120-token prompt alone needs 31
        // blocks must wait for it, and a small one queues behind (arrival order is kept).
        int bytesPerBlock = 2 * LLAMA.nLayers() * LLAMA.kvDim() * 4 * 4;
        Engine engine = engine(llama, cpu().withKvBudgetBytes(32L * bytesPerBlock));
        assertEquals(32, engine.stats().kvBlocksTotal());
        Random random = new Random(13);
        int[] p2 = randomPrompt(random, 120, LLAMA.vocabSize());
        int[] p3 = randomPrompt(random, 5, LLAMA.vocabSize());
        GenerationHandle h1 = engine.submit(GenerationRequest.ofTokens(randomPrompt(random, 5, LLAMA.vocabSize()))
                .withMaxTokens(120).withStopAtEos(false));
        waitFor(() -> h1.state() == GenerationHandle.State.RUNNING);
        GenerationHandle h2 = engine.submit(GenerationRequest.ofTokens(p2).withMaxTokens(5).withStopAtEos(false));
        GenerationHandle h3 = engine.submit(GenerationRequest.ofTokens(p3).withMaxTokens(6).withStopAtEos(false));
        waitFor(() -> h3.waitingReason().isPresent() || h1.state() == GenerationHandle.State.DONE);
        String reason = h2.waitingReason().orElseThrow();
        assertTrue(reason.startsWith("KV cache full: 121 tokens need 31 blocks (+1 kept free for the 1 running"), reason);
        assertTrue(h3.waitingReason().orElseThrow().startsWith("queued behind request " + h2.id()), h3.waitingReason().get());
        h1.cancel();
        try (GenerationResult r1 = h1.join()) {
            assertEquals(FinishReason.CANCELLED, r1.finishReason());
        }
        ReferenceForward reference = new ReferenceForward(llama);
        try (GenerationResult r2 = h2.join(); GenerationResult r3 = h3.join()) {
            assertArrayEquals(reference.greedy(p2, 5), r2.tokenIds());
            assertArrayEquals(reference.greedy(p3, 6), r3.tokenIds());
        }
        assertEquals(3, engine.stats().completed());
    }

    /** Two sequences outgrow the cache together: the newer is preempted, recomputes, and ends exactly as alone. */
    @Test
    void preemptedSequencesRecomputeAndEndAsIfAlone() {
        int bytesPerBlock = 2 * LLAMA.nLayers() * LLAMA.kvDim() * 4 * 4;
        Engine engine = engine(llama, cpu().withKvBudgetBytes(20L * bytesPerBlock));
        Engine single = engine(llama, cpu().withMaxSequences(1));
        Random random = new Random(15);
        GenerationRequest a = GenerationRequest.ofTokens(randomPrompt(random, 10, LLAMA.vocabSize())).withMaxTokens(60)
                .withStopAtEos(false);
        GenerationRequest b = GenerationRequest.ofTokens(randomPrompt(random, 10, LLAMA.vocabSize())).withMaxTokens(60)
                .withStopAtEos(false).withSampling(new SamplingParams(false, 1.1f, 40, 0.95f, 99));
        List<GenerationResult> both = engine.generateAll(List.of(a, b));
        try (GenerationResult ra = both.get(0); GenerationResult rb = both.get(1);
             GenerationResult sa = single.submit(a).join(); GenerationResult sb = single.submit(b).join()) {
            assertArrayEquals(sa.tokenIds(), ra.tokenIds());
            assertArrayEquals(sb.tokenIds(), rb.tokenIds());
            assertArrayEquals(sb.logprobs(), rb.logprobs(), 1e-5f);
        }
        assertTrue(engine.stats().preemptions() >= 1, engine.stats().toString());
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not reached in 30 s");
            Thread.sleep(1);
        }
    }

    @Test
    void requestsThatCanNeverFitOrAreInvalidFailClearly() {
        int bytesPerBlock = 2 * LLAMA.nLayers() * LLAMA.kvDim() * 4 * 4;
        Engine engine = engine(llama, cpu().withKvBudgetBytes(2L * bytesPerBlock));
        CompletionException tooBig = assertThrows(CompletionException.class,
                () -> engine.submit(GenerationRequest.ofTokens(5, 6, 7).withMaxTokens(20)).join());
        assertInstanceOf(IllegalArgumentException.class, tooBig.getCause());
        assertTrue(tooBig.getCause().getMessage().contains("KV cache too small"), tooBig.getCause().getMessage());
        CompletionException badToken = assertThrows(CompletionException.class,
                () -> engine.submit(GenerationRequest.ofTokens(5, LLAMA.vocabSize())).join());
        assertTrue(badToken.getCause().getMessage().contains("outside the vocabulary"));
        assertThrows(IllegalArgumentException.class, () -> GenerationRequest.ofTokens());
        // the engine still works afterwards
        try (GenerationResult r = engine.submit(GenerationRequest.ofTokens(5, 6).withMaxTokens(3).withStopAtEos(false)).join()) {
            assertEquals(3, r.generatedTokens());
        }
    }

    @Test
    void stopsAtStopTokensStopStringsAndStreamsTheSameText() {
        ReferenceForward reference = new ReferenceForward(llama);
        int[] prompt = {17, 42, 99};
        int[] greedy = reference.greedy(prompt, 8);
        Engine engine = engine(llama, cpu());
        // a stop id: the fourth greedy token ends generation and is the last token
        try (GenerationResult r = engine.submit(GenerationRequest.ofTokens(prompt).withMaxTokens(8)
                .withStopIds(java.util.Set.of(greedy[3]))).join()) {
            assertEquals(FinishReason.STOP_TOKEN, r.finishReason());
            assertArrayEquals(java.util.Arrays.copyOf(greedy, 4), r.tokenIds());
        }
        // a stop string spanning the end of token 2 and the start of token 3 ("<a><b><c>" -> "><c")
        String stop = ">" + "<" + greedy[2] + ">";
        StringBuilder streamed = new StringBuilder();
        try (GenerationResult r = engine.submit(GenerationRequest.ofTokens(prompt).withMaxTokens(8).withOutput(pool)
                .withStopStrings(List.of(stop)).withListener((t, lp, text) -> streamed.append(text))).join()) {
            assertEquals(FinishReason.STOP_STRING, r.finishReason());
            assertEquals(3, r.generatedTokens());
            String full = "<" + greedy[0] + "><" + greedy[1] + "><" + greedy[2] + ">";
            assertEquals(full.substring(0, full.indexOf(stop)), r.text());
            assertEquals(r.text(), streamed.toString());
            assertEquals(full, r.tokens().text());
            assertEquals(r.text().getBytes(java.nio.charset.StandardCharsets.UTF_8).length, r.textByteLength());
        }
    }

    @Test
    void cancelledRequestsEndWithTheirTokensSoFar() throws Exception {
        Engine engine = engine(llama, cpu());
        CountDownLatch started = new CountDownLatch(1);
        GenerationHandle h = engine.submit(GenerationRequest.ofTokens(5, 6, 7).withMaxTokens(400).withStopAtEos(false)
                .withListener((t, lp, s) -> started.countDown()));
        assertTrue(started.await(20, TimeUnit.SECONDS));
        h.cancel();
        try (GenerationResult r = h.join()) {
            assertEquals(FinishReason.CANCELLED, r.finishReason());
            assertTrue(r.generatedTokens() >= 1 && r.generatedTokens() < 400);
        }
    }

    @Test
    void closingTheEngineFailsUnfinishedRequests() {
        Engine engine = Engine.create(llama, cpu().withMaxSequences(1), new TestModels.SpelledTokenizer(LLAMA.vocabSize()));
        GenerationHandle running = engine.submit(GenerationRequest.ofTokens(5, 6).withMaxTokens(400).withStopAtEos(false));
        GenerationHandle queued = engine.submit(GenerationRequest.ofTokens(8, 9).withMaxTokens(400).withStopAtEos(false));
        engine.close();
        for (GenerationHandle h : new GenerationHandle[] {running, queued}) {
            assertThrows(CancellationException.class, h::join);
        }
        assertThrows(IllegalStateException.class, () -> engine.submit(GenerationRequest.ofTokens(5)));
    }

    @Test
    void tokenBufferKeepsSplitUtf8BytesAndLogprobs() {
        // Sampled at a high temperature, so byte tokens (ids 1..4, partial UTF-8) may come up;
        // the buffer must hold exactly the concatenation of each token's bytes, at the right offsets.
        Engine engine = engine(qwen, cpu());
        TestModels.SpelledTokenizer tok = new TestModels.SpelledTokenizer(QWEN.vocabSize());
        try (GenerationResult r = engine.submit(GenerationRequest.ofTokens(30, 31, 32).withMaxTokens(10).withOutput(pool)
                .withSampling(new SamplingParams(false, 1.5f, 0, 1f, 5)).withStopAtEos(false)).join()) {
            java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < r.generatedTokens(); i++) {
                assertEquals(expected.size(), r.tokens().byteOffset(i));
                expected.writeBytes(tok.tokenBytes(r.tokens().id(i)));
                assertTrue(r.tokens().logprob(i) <= 0);
            }
            assertArrayEquals(expected.toByteArray(), r.tokens().bytes().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }
}
