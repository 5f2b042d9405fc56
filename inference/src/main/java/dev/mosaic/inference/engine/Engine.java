package dev.mosaic.inference.engine;

import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.buffer.TokenBuffer;
import dev.mosaic.inference.kv.PagedKvCache;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.tokenizer.Tokenizer;
import dev.mosaic.inference.tokenizer.Tokenizers;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
 * Those decisions live in the engine's batch scheduler ({@code BatchScheduler}); the engine runs
 * the model and samples; {@link #queue()} shows the scheduler's state.
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
 *      Engine engine = Engine.create(model, EngineConfig.cpu(4).withKvBudgetBytes(512L << 20))) {
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
    private final BatchScheduler scheduler;
    private final Thread thread;
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final float[] logits;
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
            // The KV cache first: a shape or size the backend refuses fails before any weight is prepared or uploaded.
            KvGeometry oneBlock = b.kvGeometry(config.nLayers(), 1, engineConfig.blockSize(), config.nKvHeads(), config.headDim());
            long blocks = BatchScheduler.blocks(engineConfig.kvBudgetBytes(), oneBlock.bytesPerBlock(), engineConfig.blockSize(),
                    engineConfig.effectiveMaxSequences(), config.contextLength());
            c = new PagedKvCache(b.allocateKv(oneBlock.withBlocks(Math.toIntExact(Math.min(blocks, Integer.MAX_VALUE)))));
            f = new ForwardPass(model, b, engineConfig.maxBatchTokens(), engineConfig.effectiveMaxSequences());
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
        this.scheduler = new BatchScheduler(c, engineConfig.effectiveMaxSequences(), engineConfig.maxBatchTokens());
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
        return scheduler.cache().geometry().slots();
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
                    throw new IllegalArgumentException("prompt token " + t + " is outside the vocabulary of " + config.vocabSize()
                            + " of " + model.source());
                }
            }
            if (prompt.length >= config.contextLength()) {
                throw new IllegalArgumentException("prompt of " + prompt.length + " tokens leaves no room in the context of "
                        + config.contextLength() + " of " + model.source());
            }
            int maxTokens = Math.min(request.maxTokens(), config.contextLength() - prompt.length);
            Set<Integer> stopIds = new HashSet<>(request.stopIds());
            if (request.stopAtEos()) {
                stopIds.addAll(tokenizer.stopIds());
            }
            Sequence s = new Sequence(handle, request, prompt, maxTokens, Set.copyOf(stopIds));
            scheduler.checkFitsEver(s); // the cache's size is fixed: safe to read from this thread
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
            scheduler.close();
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
                Object msg = scheduler.idle() ? inbox.take() : inbox.poll();
                boolean stop = false;
                while (msg != null) {
                    if (msg == STOP) {
                        stop = true;
                    } else if (msg instanceof Sequence s) {
                        scheduler.enqueue(s);
                    }
                    msg = inbox.poll();
                }
                if (stop) {
                    break;
                }
                scheduler.dropCancelled(this::cancelled);
                scheduler.admit(this::prepare);
                if (scheduler.hasRunning()) {
                    try {
                        model.checkUnchanged();
                    } catch (ModelFormatException e) {
                        // The mapped weights may be gone: fail every request, refuse new ones, touch nothing.
                        loopFailure = e;
                        break;
                    }
                    java.util.concurrent.locks.Lock gate = engineConfig.stepLock();
                    if (gate != null) {
                        gate.lock();
                    }
                    try {
                        step();
                    } finally {
                        if (gate != null) {
                            gate.unlock();
                        }
                    }
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

    /** Ends a sequence whose cancellation was requested, with the tokens it has. */
    private void cancelled(Sequence s) {
        if (!s.started()) { // never admitted: no tokens
            try {
                s.out = newOutput(s.request, 1);
            } catch (RuntimeException e) {
                fail(s, e);
                return;
            }
        }
        finish(s, FinishReason.CANCELLED, s.out.byteLength());
    }

    /** Readies a sequence admitted for the first time; false (and failed) if its output pool is closed. */
    private boolean prepare(Sequence s) {
        try {
            s.out = newOutput(s.request, Math.min(s.maxTokens, 1024));
        } catch (RuntimeException e) {
            fail(s, e);
            return false;
        }
        s.admittedNanos = System.nanoTime();
        s.sampler = new Sampler(s.request.sampling());
        s.text = new TextStream(s.request.stopStrings());
        return true;
    }

    /** Runs the scheduler's next batch through the model and samples the sequences it completes. */
    private void step() {
        BatchScheduler.Batch batch = scheduler.schedule();
        if (batch == null) {
            return;
        }
        try {
            forward.run(batch.step(), scheduler.cache().storage(), logits);
        } catch (RuntimeException | Error e) {
            // A failed step leaves the KV cache of every sequence in it unusable.
            for (Sequence s : batch.chunks().keySet()) {
                scheduler.remove(s);
                fail(s, e);
            }
            return;
        }
        steps++;
        for (var e : batch.chunks().entrySet()) {
            Sequence s = e.getKey();
            if (s.processed < s.promptLength) {
                promptTokens += Math.min(e.getValue(), s.promptLength - s.processed);
            }
            s.processed += e.getValue();
        }
        int vocab = config.vocabSize();
        List<Sequence> sampled = batch.sampled();
        for (int k = 0; k < sampled.size(); k++) {
            Sequence s = sampled.get(k);
            try {
                Sampler.TopLogprobs top = s.request.listener() instanceof TopLogprobsListener t
                        ? Sampler.topLogprobs(logits, k * vocab, vocab, t.topLogprobs()) : null;
                accept(s, s.sampler.sample(logits, k * vocab, vocab), top);
            } catch (Sampler.NonFiniteLogitsException e) {
                scheduler.remove(s);
                fail(s, new ModelFormatException(model.source(), "weights", "the forward pass gave no finite logits (NaN or all "
                        + "-inf): the file's weights or metadata are corrupt", e));
            } catch (RuntimeException | Error e) {
                scheduler.remove(s);
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
            scheduler.remove(s);
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

    /** Completes a sequence's future; the scheduler has already taken back its KV blocks. */
    private void finish(Sequence s, FinishReason reason, long textEnd) {
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
        for (Sequence s : scheduler.drain()) {
            fail(s, cause);
        }
        Object msg;
        while ((msg = inbox.poll()) != null) {
            if (msg instanceof Sequence s) {
                fail(s, cause);
            }
        }
    }

    private void publishStats() {
        QueueSnapshot q = scheduler.snapshot();
        queue = q;
        stats = new EngineStats(q.waiting(), q.running(), q.kvBlocksTotal(), q.kvBlocksFree(), q.kvBlockSize(),
                steps, promptTokens, generatedTokens, completed, scheduler.preemptions());
    }
}
