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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Generates text with one model, many requests at once (continuous batching): requests join and
 * leave between steps, and each step runs one batch mixing prompt chunks (prefill) and the next
 * token of every decoding sequence through the model. KV blocks are taken as sequences grow: a
 * request is admitted when the paged KV cache has room for its prompt (plus one free block per
 * running sequence); until then it waits in order of arrival and
 * {@link GenerationHandle#waitingReason()} says why. When the oldest running sequence needs a
 * block and none is free, the newest one is preempted: it gives its blocks back, waits first in
 * line, and recomputes its K/V when readmitted, so its tokens are the same as without preemption.
 *
 * <p>Thread safety: the engine runs its steps on its own thread; {@link #submit}, {@link #stats()},
 * {@link #queue()} and {@link #close()} may be called from any thread. {@link #close()} stops the
 * thread, fails unfinished requests (their pooled token buffers go back to their pools) and frees
 * the backend, its activations and KV cache. The engine holds a {@link Model.Lease} on its model
 * from {@link #create} to {@link #close()}: the model may be closed first, and several engines may
 * share one model (its weights are mapped once).
 *
 * <pre>{@code
 * try (Model model = ModelLoader.open(path);
 *      Engine engine = Engine.create(model, EngineConfig.cpu(4).kvBudgetBytes(512L << 20))) {
 *     GenerationResult r = engine.submit(GenerationRequest.ofText("Hello").withMaxTokens(20)).join();
 *     System.out.println(r.text());
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {
    private static final Object WAKE = new Object();
    private static final Object STOP = new Object();

    private final Model model;
    private final Model.Lease modelLease;
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
    private volatile QueueSnapshot queue;
    private volatile boolean closed;
    /** Set when the step loop has ended (closed or failed); guarded by {@code inbox}. */
    private boolean loopEnded;
    private volatile Throwable loopFailure;
    private long steps;
    private long promptTokens;
    private long generatedTokens;
    private long completed;
    private long preemptions;

    /**
     * Everything the step loop knows about one request. Its tokens are the prompt followed by
     * the generated tokens; the first {@code processed} of them have K/V rows in the cache. Each
     * step feeds the next unprocessed tokens (a prompt chunk, or the one token sampled last);
     * when that reaches the end, the step's logits give the next token.
     */
    private static final class Sequence {
        final GenerationHandle handle;
        final GenerationRequest request;
        final int promptLength;
        final int maxTokens;
        final Set<Integer> stopIds;
        final long submittedNanos;
        int[] tokens;
        int length;
        int processed;
        Sampler sampler;
        TokenBuffer.Builder out;
        TextStream text;
        long admittedNanos;
        long firstTokenNanos;

        Sequence(GenerationHandle handle, GenerationRequest request, int[] prompt, int maxTokens, Set<Integer> stopIds) {
            this.handle = handle;
            this.request = request;
            this.promptLength = prompt.length;
            this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(maxTokens, 256));
            this.length = prompt.length;
            this.maxTokens = maxTokens;
            this.stopIds = stopIds;
            this.submittedNanos = System.nanoTime();
        }

        /** Most KV positions this sequence can ever store: the prompt and every generated token but the last. */
        int kvTokens() {
            return promptLength + maxTokens - 1;
        }

        /** Positions it needs to be admitted (again): all its tokens so far, and room for the next one. */
        int admissionTokens() {
            return Math.min(length + 1, kvTokens());
        }

        void append(int token) {
            if (length == tokens.length) {
                tokens = Arrays.copyOf(tokens, Math.min(2 * tokens.length, promptLength + maxTokens));
            }
            tokens[length++] = token;
        }
    }

    private Engine(Model model, EngineConfig engineConfig, Tokenizer tokenizer) {
        this.model = model;
        this.engineConfig = engineConfig;
        this.tokenizer = tokenizer;
        // Fails fast, naming the model, if it is closed; from here on the weights stay mapped until close().
        Model.Lease lease = model.retain();
        this.modelLease = lease;
        this.config = model.config();
        Backend b;
        try {
            b = engineConfig.backend().get();
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
        ForwardPass f = null;
        PagedKvCache c = null;
        try {
            f = new ForwardPass(model, b, engineConfig.maxBatchTokens(), engineConfig.effectiveMaxSequences());
            KvGeometry oneBlock = b.kvGeometry(config.nLayers(), 1, engineConfig.blockSize(), config.nKvHeads(), config.headDim());
            long bytesPerBlock = oneBlock.bytesPerBlock();
            // No point in more blocks than all sequences at full context could ever hold.
            long usable = ((long) engineConfig.effectiveMaxSequences() * config.contextLength() + engineConfig.blockSize() - 1)
                    / engineConfig.blockSize();
            long blocks = Math.min(engineConfig.kvBudgetBytes() / bytesPerBlock, usable);
            if (blocks < 1) {
                throw new IllegalArgumentException("KV budget of " + engineConfig.kvBudgetBytes() + " bytes is less than one block ("
                        + bytesPerBlock + " bytes for " + engineConfig.blockSize() + " tokens of this model)");
            }
            c = new PagedKvCache(b.allocateKv(oneBlock.withBlocks(Math.toIntExact(Math.min(blocks, Integer.MAX_VALUE)))));
        } catch (RuntimeException | Error e) {
            if (c != null) {
                c.close();
            }
            if (f != null) {
                f.close();
            }
            b.close();
            lease.close();
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

    /**
     * An engine for {@code model} using the tokenizer described by the model's own metadata.
     *
     * @throws IllegalStateException naming the model if it is closed
     */
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

    /** The latest snapshot of the scheduler's queue and KV occupancy (at most a step old). */
    public QueueSnapshot queue() {
        return queue;
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

    /** Submits all requests, waits for all, and returns their results in order (pooled ones to be closed by the caller). */
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
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("an engine cannot be closed from its own thread (a token listener)");
        }
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
            try {
                backend.close();
            } finally {
                modelLease.close();
            }
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
                if (s.out == null) { // never admitted: no tokens
                    try {
                        s.out = newOutput(s.request, 1);
                    } catch (RuntimeException e) {
                        fail(s, e);
                        continue;
                    }
                }
                finish(s, FinishReason.CANCELLED, s.out.byteLength());
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

    /**
     * Admits waiting requests in arrival order while sequences and KV blocks allow. A request
     * gets blocks for its tokens so far plus one; it is admitted only if one free block per
     * running sequence stays free for them to grow, which keeps preemption rare.
     */
    private void admit() {
        while (!waiting.isEmpty()) {
            Sequence s = waiting.peek();
            int max = engineConfig.effectiveMaxSequences();
            if (running.size() >= max) {
                s.handle.waiting("engine busy: " + running.size() + " sequences running (max " + max + ")");
                return;
            }
            int need = cache.blocksFor(s.admissionTokens());
            int headroom = running.isEmpty() ? 0 : running.size();
            if (need + headroom > cache.freeBlocks()) {
                String reason = "KV cache full: " + s.admissionTokens() + " tokens need " + need + " blocks"
                        + (headroom > 0 ? " (+" + headroom + " kept free for the " + headroom + " running sequences to grow)" : "")
                        + ", " + cache.freeBlocks() + " of " + cache.totalBlocks() + " free";
                s.handle.waiting(reason);
                for (Sequence behind : waiting) {
                    if (behind != s) {
                        behind.handle.waiting("queued behind request " + s.handle.id() + ": " + reason);
                    }
                }
                return;
            }
            waiting.poll();
            if (s.out == null) {
                try {
                    s.out = newOutput(s.request, Math.min(s.maxTokens, 1024));
                } catch (RuntimeException e) {
                    fail(s, e); // its output pool is closed
                    continue;
                }
                s.admittedNanos = System.nanoTime();
                s.sampler = new Sampler(s.request.sampling());
                s.text = new TextStream(s.request.stopStrings());
            }
            cache.reserve(s.handle.id(), s.admissionTokens());
            s.handle.state(GenerationHandle.State.RUNNING);
            running.add(s);
        }
    }

    /**
     * Makes room for sequence {@code s} to store positions up to {@code tokens}, preempting the
     * most recently admitted other sequences if needed; false if {@code s} itself had to go.
     * Only the oldest running sequence preempts others, so it always progresses and every
     * request eventually completes (it fits the empty cache: {@link #submit} checked).
     */
    private boolean grow(Sequence s, int tokens, Map<Sequence, Integer> batch) {
        long id = s.handle.id();
        while (cache.blocksFor(tokens) - cache.blockCount(id) > cache.freeBlocks()) {
            if (running.get(0) != s) {
                return false;
            }
            Sequence victim = running.get(running.size() - 1);
            if (victim == s) {
                throw new IllegalStateException("sequence " + id + " alone cannot grow to " + tokens + " tokens: "
                        + cache.totalBlocks() + " blocks in all");
            }
            preempt(victim, s);
            batch.remove(victim);
        }
        cache.extend(id, tokens);
        return true;
    }

    /** Frees a running sequence's blocks and puts it first in line; it recomputes its K/V when readmitted. */
    private void preempt(Sequence victim, Sequence forWhom) {
        running.remove(victim);
        cache.release(victim.handle.id());
        victim.processed = 0;
        preemptions++;
        victim.handle.waiting("preempted to free KV blocks for request " + forWhom.handle.id() + "; will recompute its "
                + victim.length + " tokens");
        victim.handle.state(GenerationHandle.State.WAITING);
        waiting.addFirst(victim);
    }

    /**
     * Builds one batch within the token budget (decode rows first, then prompt chunks, oldest
     * sequences first), grows the KV blocks it needs, runs it and samples.
     */
    private void step() {
        int budget = engineConfig.maxBatchTokens();
        Map<Sequence, Integer> batch = new LinkedHashMap<>();
        for (Sequence s : List.copyOf(running)) {
            if (running.contains(s) && s.length - s.processed == 1 && s.processed > 0 && grow(s, s.processed + 1, batch)) {
                batch.put(s, 1);
            }
        }
        int rows = batch.size();
        for (Sequence s : List.copyOf(running)) {
            if (!running.contains(s) || batch.containsKey(s) || rows >= budget) {
                continue;
            }
            int chunk = Math.min(s.length - s.processed, budget - rows);
            int room = cache.capacity(s.handle.id()) + cache.freeBlocks() * cache.blockSize() - s.processed;
            if (chunk > room && running.get(0) != s) {
                chunk = room; // take what is free; only the oldest sequence preempts
            }
            if (chunk > 0 && grow(s, s.processed + chunk, batch)) {
                batch.put(s, chunk);
                rows = 0;
                for (int c : batch.values()) {
                    rows += c;
                }
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        int n = batch.size();
        int[] tokenIds = new int[rows];
        int[] positions = new int[rows];
        int[] slots = new int[rows];
        int[] rowStart = new int[n];
        int[] rowCount = new int[n];
        int[] firstPosition = new int[n];
        int[] tableStart = new int[n];
        int tableLength = 0;
        for (Sequence s : batch.keySet()) {
            tableLength += cache.blockCount(s.handle.id());
        }
        int[] tables = new int[tableLength];
        List<Integer> logitRows = new ArrayList<>();
        List<Sequence> logitSequences = new ArrayList<>();
        int row = 0;
        int table = 0;
        int i = 0;
        for (var e : batch.entrySet()) {
            Sequence s = e.getKey();
            long id = s.handle.id();
            int count = e.getValue();
            rowStart[i] = row;
            rowCount[i] = count;
            firstPosition[i] = s.processed;
            tableStart[i] = table;
            table += cache.copyBlockTable(id, tables, table);
            for (int j = 0; j < count; j++) {
                int pos = s.processed + j;
                tokenIds[row + j] = s.tokens[pos];
                positions[row + j] = pos;
                slots[row + j] = cache.slot(id, pos);
            }
            row += count;
            if (s.processed + count == s.length) {
                logitRows.add(row - 1);
                logitSequences.add(s);
            }
            i++;
        }
        ForwardPass.Step step = new ForwardPass.Step(tokenIds, positions, slots,
                new AttentionBatch(rowStart, rowCount, firstPosition, tableStart, tables),
                logitRows.stream().mapToInt(Integer::intValue).toArray());
        try {
            forward.run(step, cache.storage(), logits);
        } catch (RuntimeException | Error e) {
            // A failed step leaves the KV cache of every sequence in it unusable.
            for (Sequence s : batch.keySet()) {
                running.remove(s);
                fail(s, e);
            }
            return;
        }
        steps++;
        for (var e : batch.entrySet()) {
            Sequence s = e.getKey();
            if (s.processed < s.promptLength) {
                promptTokens += Math.min(e.getValue(), s.promptLength - s.processed);
            }
            s.processed += e.getValue();
        }
        int vocab = config.vocabSize();
        for (int k = 0; k < logitSequences.size(); k++) {
            Sequence s = logitSequences.get(k);
            try {
                Sampler.TopLogprobs top = s.request.listener() instanceof TopLogprobsListener t
                        ? Sampler.topLogprobs(logits, k * vocab, vocab, t.topLogprobs()) : null;
                accept(s, s.sampler.sample(logits, k * vocab, vocab), top);
            } catch (RuntimeException | Error e) {
                running.remove(s);
                fail(s, e);
            }
        }
    }

    /** Appends a sampled token, streams its text and ends the sequence when a stop condition holds. */
    private void accept(Sequence s, Sampler.Choice choice, Sampler.TopLogprobs top) {
        int token = choice.token();
        if (s.firstTokenNanos == 0) {
            s.firstTokenNanos = System.nanoTime();
        }
        long before = s.out.byteLength();
        // Models may pad their vocabulary past the tokenizer's; such ids have no text.
        byte[] bytes = token < tokenizer.vocabSize() ? tokenizer.tokenBytes(token) : new byte[0];
        s.out.append(token, choice.logprob(), bytes);
        generatedTokens++;
        s.append(token);
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
            if (top != null) {
                ((TopLogprobsListener) s.request.listener()).onToken(token, choice.logprob(), piece, top);
            } else {
                s.request.listener().onToken(token, choice.logprob(), piece);
            }
        }
        if (reason != null) {
            running.remove(s);
            finish(s, reason, textEnd);
        }
    }

    /** A builder for a request's output: in its pool when it asked for one, else on the heap. */
    private static TokenBuffer.Builder newOutput(GenerationRequest request, int tokens) {
        if (request.output() == null) {
            return TokenBuffer.builder(tokens, 256);
        }
        if (request.output().isClosed()) {
            throw new IllegalStateException("the request's output token buffer pool is closed");
        }
        return request.output().builder(tokens, 256);
    }

    private void finish(Sequence s, FinishReason reason, long textEnd) {
        cache.release(s.handle.id());
        completed++;
        long now = System.nanoTime();
        long admitted = s.admittedNanos == 0 ? now : s.admittedNanos;
        long firstToken = s.firstTokenNanos == 0 ? now : s.firstTokenNanos;
        GenerationResult result;
        if (s.request.output() != null) {
            result = GenerationResult.inBuffer(s.handle.id(), s.promptLength, reason, s.submittedNanos, admitted, firstToken,
                    now, s.out.build(), textEnd);
        } else {
            try (TokenBuffer heap = s.out.build()) {
                String text = heap.textOfBytes(0, textEnd);
                result = GenerationResult.onHeap(s.handle.id(), s.promptLength, reason, s.submittedNanos, admitted, firstToken,
                        now, heap.idsArray(), heap.logprobsArray(), text, textEnd);
            }
        }
        s.out = null;
        publishStats();
        s.handle.state(GenerationHandle.State.DONE);
        if (s.handle.futureCancelled()) {
            result.close(); // a future of the request was cancelled: nobody wants the result
            s.handle.future().completeExceptionally(new CancellationException("request " + s.handle.id() + " was cancelled"));
        } else if (!s.handle.future().complete(result)) {
            result.close();
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
        long waitingTokens = 0;
        for (Sequence s : waiting) {
            waitingTokens += s.admissionTokens();
        }
        queue = new QueueSnapshot(waiting.size(), running.size(), engineConfig.effectiveMaxSequences(), waitingTokens,
                cache.usedBlocks(), cache.totalBlocks(), cache.blockSize());
        stats = new EngineStats(waiting.size(), running.size(), cache.totalBlocks(), cache.freeBlocks(), cache.blockSize(),
                steps, promptTokens, generatedTokens, completed, preemptions);
    }
}
