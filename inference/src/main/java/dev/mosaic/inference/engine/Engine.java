package dev.mosaic.inference.engine;

import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.buffer.TokenBuffer;
import dev.mosaic.inference.kv.PagedKvCache;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.tokenizer.Tokenizer;
import dev.mosaic.inference.tokenizer.Tokenizers;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Generates text with one model, many requests at once (continuous batching): requests join and
 * leave between steps, and each step runs one batch mixing prompt chunks (prefill) and the next
 * token of every decoding sequence through the model. A request is admitted when the paged KV
 * cache has room for its prompt plus its token limit; until then it waits in order of arrival,
 * and {@link GenerationHandle#waitingReason()} says why.
 *
 * <p>The engine runs its steps on its own thread; {@link #submit} may be called from any thread.
 * {@link #close()} stops the thread, fails unfinished requests and frees the backend, its weights,
 * activations and KV cache. The model must stay open while the engine is.
 *
 * <pre>{@code
 * try (Model model = ModelLoader.open(path);
 *      Engine engine = Engine.create(model, EngineConfig.cpu(4).kvBudgetBytes(512L << 20))) {
 *     try (GenerationResult r = engine.submit(GenerationRequest.ofText("Hello").withMaxTokens(20)).join()) {
 *         System.out.println(r.text());
 *     }
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {
    private static final Object WAKE = new Object();
    private static final Object STOP = new Object();

    private final Model model;
    private final ModelConfig config;
    private final EngineConfig engineConfig;
    private final Tokenizer tokenizer;
    private final Backend backend;
    private final ForwardPass forward;
    private final PagedKvCache cache;
    private final Thread thread;
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private final float[] logits;
    private final int kvBlocks;
    private volatile EngineStats stats;
    private volatile boolean closed;
    /** Set when the step loop has ended (closed or failed); guarded by {@code inbox}. */
    private boolean loopEnded;
    private volatile Throwable loopFailure;
    private long steps;
    private long promptTokens;
    private long generatedTokens;
    private long completed;

    /** Everything the step loop knows about one request. */
    private static final class Sequence {
        final GenerationHandle handle;
        final GenerationRequest request;
        final int[] prompt;
        final int maxTokens;
        final Set<Integer> stopIds;
        final long submittedNanos;
        Sampler sampler;
        TokenBuffer out;
        TextStream text;
        int processed;
        int pending = -1;
        long admittedNanos;
        long firstTokenNanos;

        Sequence(GenerationHandle handle, GenerationRequest request, int[] prompt, int maxTokens, Set<Integer> stopIds) {
            this.handle = handle;
            this.request = request;
            this.prompt = prompt;
            this.maxTokens = maxTokens;
            this.stopIds = stopIds;
            this.submittedNanos = System.nanoTime();
        }

        /** KV positions this sequence will ever store: the prompt and every generated token but the last. */
        int kvTokens() {
            return prompt.length + maxTokens - 1;
        }
    }

    private Engine(Model model, EngineConfig engineConfig, Tokenizer tokenizer) {
        this.model = model;
        this.config = model.config();
        this.engineConfig = engineConfig;
        this.tokenizer = tokenizer;
        Backend b = engineConfig.backend().get();
        ForwardPass f = null;
        PagedKvCache c = null;
        try {
            f = new ForwardPass(model, b, engineConfig.maxBatchTokens(), engineConfig.effectiveMaxSequences());
            long bytesPerBlock = 2L * config.nLayers() * config.kvDim() * Float.BYTES * engineConfig.blockSize();
            // No point in more blocks than all sequences at full context could ever hold.
            long usable = ((long) engineConfig.effectiveMaxSequences() * config.contextLength() + engineConfig.blockSize() - 1)
                    / engineConfig.blockSize();
            long blocks = Math.min(engineConfig.kvBudgetBytes() / bytesPerBlock, usable);
            if (blocks < 1) {
                throw new IllegalArgumentException("KV budget of " + engineConfig.kvBudgetBytes() + " bytes is less than one block ("
                        + bytesPerBlock + " bytes for " + engineConfig.blockSize() + " tokens of this model)");
            }
            c = new PagedKvCache(b.allocateKv(new KvGeometry(config.nLayers(), Math.toIntExact(Math.min(blocks, Integer.MAX_VALUE)),
                    engineConfig.blockSize(), config.nKvHeads(), config.headDim())));
        } catch (RuntimeException | Error e) {
            if (c != null) {
                c.close();
            }
            if (f != null) {
                f.close();
            }
            b.close();
            throw e;
        }
        this.backend = b;
        this.forward = f;
        this.cache = c;
        this.kvBlocks = c.totalBlocks();
        this.logits = new float[Math.multiplyExact(engineConfig.effectiveMaxSequences(), config.vocabSize())];
        publishStats();
        this.thread = Thread.ofPlatform().name("mosaic-engine").daemon(true).unstarted(this::loop);
        thread.start();
    }

    /** An engine for {@code model} using the tokenizer described by the model's own metadata. */
    public static Engine create(Model model, EngineConfig config) {
        return new Engine(model, config, Tokenizers.forModel(model));
    }

    /** An engine for {@code model} with an explicit tokenizer. */
    public static Engine create(Model model, EngineConfig config, Tokenizer tokenizer) {
        return new Engine(model, config, tokenizer);
    }

    public Model model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public EngineConfig config() {
        return engineConfig;
    }

    /** Bytes of weights one decoded token reads (for the memory-bandwidth bound). */
    public long weightBytesPerToken() {
        return forward.weightBytesPerToken();
    }

    /** KV cache positions in all (blocks times block size). */
    public long kvCapacityTokens() {
        return cache.geometry().slots();
    }

    /** The latest snapshot of the engine's counters. */
    public EngineStats stats() {
        return stats;
    }

    /**
     * Queues a request. Text prompts are encoded here, on the caller's thread. The handle's
     * future fails with {@link IllegalArgumentException} when the prompt is invalid (token ids
     * outside the vocabulary, longer than the context) or can never fit in the KV cache.
     */
    public GenerationHandle submit(GenerationRequest request) {
        if (closed) {
            throw new IllegalStateException("engine is closed");
        }
        GenerationHandle handle = new GenerationHandle(nextId.getAndIncrement(), () -> inbox.offer(WAKE));
        try {
            int[] prompt = encode(request);
            for (int t : prompt) {
                if (t < 0 || t >= config.vocabSize()) {
                    throw new IllegalArgumentException("prompt token " + t + " is outside the vocabulary of " + config.vocabSize());
                }
            }
            if (prompt.length >= config.contextLength()) {
                throw new IllegalArgumentException("prompt of " + prompt.length + " tokens leaves no room in the context of "
                        + config.contextLength());
            }
            int maxTokens = Math.min(request.maxTokens(), config.contextLength() - prompt.length);
            Set<Integer> stopIds = new HashSet<>(request.stopIds());
            if (request.stopAtEos()) {
                stopIds.addAll(tokenizer.stopIds());
            }
            Sequence s = new Sequence(handle, request, prompt, maxTokens, Set.copyOf(stopIds));
            long blocksNeeded = (s.kvTokens() + (long) engineConfig.blockSize() - 1) / engineConfig.blockSize();
            if (blocksNeeded > kvBlocks) {
                throw new IllegalArgumentException("KV cache too small: " + s.kvTokens() + " tokens need " + blocksNeeded
                        + " blocks but the cache has " + kvBlocks + " in all (raise the KV budget or lower max tokens)");
            }
            // Under the lock so that no request slips in behind close()'s STOP and is never answered.
            synchronized (inbox) {
                if (closed || loopEnded) {
                    throw new IllegalStateException(loopFailure != null ? "engine failed: " + loopFailure : "engine is closed");
                }
                inbox.add(s);
            }
        } catch (RuntimeException e) {
            handle.state(GenerationHandle.State.DONE);
            handle.future().completeExceptionally(e);
        }
        return handle;
    }

    /** Submits all requests, waits for all, and returns their results in order (each to be closed by the caller). */
    public List<GenerationResult> generateAll(List<GenerationRequest> requests) {
        List<GenerationHandle> handles = new ArrayList<>();
        for (GenerationRequest r : requests) {
            handles.add(submit(r));
        }
        List<GenerationResult> results = new ArrayList<>();
        try {
            for (GenerationHandle h : handles) {
                results.add(h.join());
            }
        } catch (CompletionException | CancellationException e) {
            for (GenerationResult r : results) {
                r.close();
            }
            for (GenerationHandle h : handles) {
                h.result().thenAccept(GenerationResult::close);
            }
            throw e;
        }
        return results;
    }

    /** Stops the step loop, fails unfinished requests with {@link CancellationException}, and frees everything. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        synchronized (inbox) {
            closed = true;
            inbox.add(STOP);
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        try {
            forward.close();
            cache.close();
        } finally {
            backend.close();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private int[] encode(GenerationRequest request) {
        if (request.promptTokens() != null) {
            return request.promptTokens();
        }
        int[] body = tokenizer.encode(request.promptText(), request.parseSpecial());
        int bos = tokenizer.bosId();
        if (!request.addBos() || bos < 0) {
            if (body.length == 0) {
                throw new IllegalArgumentException("prompt text encodes to no tokens");
            }
            return body;
        }
        int[] ids = new int[body.length + 1];
        ids[0] = bos;
        System.arraycopy(body, 0, ids, 1, body.length);
        return ids;
    }

    // ---- the step loop (engine thread only below this line) ----

    private void loop() {
        try {
            while (true) {
                Object msg = running.isEmpty() && waiting.isEmpty() ? inbox.take() : inbox.poll();
                boolean stop = false;
                while (msg != null) {
                    if (msg == STOP) {
                        stop = true;
                    } else if (msg instanceof Sequence s) {
                        waiting.add(s);
                    }
                    msg = inbox.poll();
                }
                if (stop) {
                    break;
                }
                dropCancelled();
                admit();
                if (!running.isEmpty()) {
                    step();
                }
                publishStats();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // A bug, or the backend failing outside a step: requests must not wait forever.
            loopFailure = e;
        } finally {
            synchronized (inbox) {
                loopEnded = true;
            }
            failAll(loopFailure != null ? loopFailure : new CancellationException("engine closed"));
        }
    }

    private void dropCancelled() {
        for (Iterator<Sequence> it = waiting.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.handle.cancelRequested()) {
                it.remove();
                s.out = new TokenBuffer(1, 1);
                s.text = new TextStream(List.of());
                finish(s, FinishReason.CANCELLED, 0);
            }
        }
        for (Iterator<Sequence> it = running.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.handle.cancelRequested()) {
                it.remove();
                finish(s, FinishReason.CANCELLED, s.out.byteLength());
            }
        }
    }

    /** Admits waiting requests in arrival order while sequences and KV blocks allow. */
    private void admit() {
        while (!waiting.isEmpty()) {
            Sequence s = waiting.peek();
            if (running.size() >= engineConfig.effectiveMaxSequences()) {
                s.handle.waiting("engine busy: " + running.size() + " sequences running (max " + engineConfig.effectiveMaxSequences() + ")");
                return;
            }
            var blocker = cache.admissionBlocker(s.kvTokens());
            if (blocker.isPresent()) {
                s.handle.waiting(blocker.get());
                for (Sequence behind : waiting) {
                    if (behind != s) {
                        behind.handle.waiting("queued behind request " + s.handle.id() + ": " + blocker.get());
                    }
                }
                return;
            }
            waiting.poll();
            cache.reserve(s.handle.id(), s.kvTokens());
            s.admittedNanos = System.nanoTime();
            s.sampler = new Sampler(s.request.sampling());
            s.out = new TokenBuffer(Math.min(s.maxTokens, 1024), 256);
            s.text = new TextStream(s.request.stopStrings());
            s.handle.state(GenerationHandle.State.RUNNING);
            running.add(s);
        }
    }

    /** Builds one batch (decode rows first, then prompt chunks within the token budget), runs it, samples. */
    private void step() {
        int budget = engineConfig.maxBatchTokens();
        List<Sequence> batch = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        int rows = 0;
        for (Sequence s : running) {
            if (s.pending >= 0) {
                batch.add(s);
                counts.add(1);
                rows++;
            }
        }
        for (Sequence s : running) {
            if (s.pending < 0 && rows < budget) {
                int chunk = Math.min(s.prompt.length - s.processed, budget - rows);
                batch.add(s);
                counts.add(chunk);
                rows += chunk;
            }
        }
        int n = batch.size();
        int[] tokens = new int[rows];
        int[] positions = new int[rows];
        int[] slots = new int[rows];
        int[] rowStart = new int[n];
        int[] rowCount = new int[n];
        int[] firstPosition = new int[n];
        int[] tableStart = new int[n];
        int tableLength = 0;
        for (Sequence s : batch) {
            tableLength += cache.blockCount(s.handle.id());
        }
        int[] tables = new int[tableLength];
        List<Integer> logitRows = new ArrayList<>();
        List<Sequence> logitSequences = new ArrayList<>();
        int row = 0;
        int table = 0;
        for (int i = 0; i < n; i++) {
            Sequence s = batch.get(i);
            long id = s.handle.id();
            int count = counts.get(i);
            rowStart[i] = row;
            rowCount[i] = count;
            firstPosition[i] = s.processed;
            tableStart[i] = table;
            table += cache.copyBlockTable(id, tables, table);
            for (int j = 0; j < count; j++) {
                int pos = s.processed + j;
                tokens[row + j] = s.pending >= 0 ? s.pending : s.prompt[pos];
                positions[row + j] = pos;
                slots[row + j] = cache.slot(id, pos);
            }
            row += count;
            if (s.pending >= 0 || s.processed + count == s.prompt.length) {
                logitRows.add(row - 1);
                logitSequences.add(s);
            }
        }
        ForwardPass.Step step = new ForwardPass.Step(tokens, positions, slots,
                new AttentionBatch(rowStart, rowCount, firstPosition, tableStart, tables),
                logitRows.stream().mapToInt(Integer::intValue).toArray());
        try {
            forward.run(step, cache.storage(), logits);
        } catch (RuntimeException | Error e) {
            // A failed step leaves the KV cache of every sequence in it unusable.
            for (Sequence s : batch) {
                running.remove(s);
                fail(s, e);
            }
            return;
        }
        steps++;
        for (int i = 0; i < n; i++) {
            Sequence s = batch.get(i);
            if (s.pending < 0) {
                promptTokens += counts.get(i);
            }
            s.processed += counts.get(i);
        }
        int vocab = config.vocabSize();
        for (int i = 0; i < logitSequences.size(); i++) {
            Sequence s = logitSequences.get(i);
            try {
                accept(s, s.sampler.sample(logits, i * vocab, vocab));
            } catch (RuntimeException | Error e) {
                running.remove(s);
                fail(s, e);
            }
        }
    }

    /** Appends a sampled token, streams its text and ends the sequence when a stop condition holds. */
    private void accept(Sequence s, Sampler.Choice choice) {
        int token = choice.token();
        if (s.firstTokenNanos == 0) {
            s.firstTokenNanos = System.nanoTime();
        }
        long before = s.out.byteLength();
        // Models may pad their vocabulary past the tokenizer's; such ids have no text.
        byte[] bytes = token < tokenizer.vocabSize() ? tokenizer.tokenBytes(token) : new byte[0];
        s.out.append(token, choice.logprob(), bytes);
        generatedTokens++;
        s.pending = token;
        FinishReason reason = null;
        long textEnd = s.out.byteLength();
        if (s.stopIds.contains(token)) {
            reason = FinishReason.STOP_TOKEN;
        } else {
            long stopAt = s.text.findStop(s.out.bytes(), before);
            if (stopAt >= 0) {
                reason = FinishReason.STOP_STRING;
                textEnd = stopAt;
            } else if (s.out.size() >= s.maxTokens) {
                reason = FinishReason.MAX_TOKENS;
            }
        }
        if (s.request.listener() != null) {
            String piece = reason == null ? s.text.advance(s.out.bytes()) : s.text.flush(s.out.bytes(), textEnd);
            s.request.listener().onToken(token, choice.logprob(), piece);
        }
        if (reason != null) {
            running.remove(s);
            finish(s, reason, textEnd);
        }
    }

    private void finish(Sequence s, FinishReason reason, long textEnd) {
        cache.release(s.handle.id());
        completed++;
        long now = System.nanoTime();
        String text = new String(s.out.bytes().asSlice(0, textEnd).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        GenerationResult result = new GenerationResult(s.handle.id(), s.prompt.length, s.out, text, reason,
                s.submittedNanos, s.admittedNanos == 0 ? now : s.admittedNanos,
                s.firstTokenNanos == 0 ? now : s.firstTokenNanos, now);
        s.out = null;
        publishStats();
        s.handle.state(GenerationHandle.State.DONE);
        if (!s.handle.future().complete(result)) {
            result.close(); // the caller cancelled the future itself: nobody will close the result
        }
    }

    private void fail(Sequence s, Throwable cause) {
        cache.release(s.handle.id());
        completed++;
        if (s.out != null) {
            s.out.close();
            s.out = null;
        }
        publishStats();
        s.handle.state(GenerationHandle.State.DONE);
        s.handle.future().completeExceptionally(cause);
    }

    private void failAll(Throwable cause) {
        for (Sequence s : running) {
            fail(s, cause);
        }
        running.clear();
        for (Sequence s : waiting) {
            fail(s, cause);
        }
        waiting.clear();
        Object msg;
        while ((msg = inbox.poll()) != null) {
            if (msg instanceof Sequence s) {
                fail(s, cause);
            }
        }
    }

    private void publishStats() {
        stats = new EngineStats(waiting.size(), running.size(), cache.totalBlocks(), cache.freeBlocks(), cache.blockSize(),
                steps, promptTokens, generatedTokens, completed);
    }
}
