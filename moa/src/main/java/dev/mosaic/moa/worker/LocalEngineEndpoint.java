package dev.mosaic.moa.worker;

import dev.mosaic.inference.buffer.TokenBuffer;
import dev.mosaic.inference.buffer.TokenBufferPool;
import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.engine.GenerationResult;
import dev.mosaic.inference.model.Model;
import dev.mosaic.moa.extract.SpanLogprob;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * A replica that is an {@link Engine} in this process. Prompts go through the model's chat
 * template where it has one (Llama 3, ChatML), else the turns are joined as plain text after BOS;
 * decoding is greedy. Outputs stay in the engine's off-heap {@link TokenBuffer}. Thread-safe.
 */
public final class LocalEngineEndpoint implements ExpertEndpoint {
    private final String modelId;
    private final Engine engine;
    private final PromptEncoder encoder;
    private final TokenBufferPool outputs;
    private final Runnable onClose;
    private boolean closed;

    /**
     * @param outputs where generated tokens land (shared by the replicas of a run; owned by the caller)
     * @param onClose runs once after the engine closed (memory accounting)
     */
    LocalEngineEndpoint(String modelId, Model model, EngineConfig config, TokenBufferPool outputs, Runnable onClose) {
        this.modelId = modelId;
        this.engine = Engine.create(model, config);
        try {
            EngineWarmup.run(engine);
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
        this.encoder = new PromptEncoder(engine.tokenizer());
        this.outputs = outputs;
        this.onClose = onClose;
    }

    @Override
    public String modelId() {
        return modelId;
    }

    /** The engine behind this replica (for statistics). */
    public Engine engine() {
        return engine;
    }

    @Override
    public int maxConcurrentJobs() {
        return engine.config().effectiveMaxSequences();
    }

    /** The prompt token ids of {@code request} for this model. */
    public int[] encode(JobRequest request) {
        return encoder.encode(request);
    }

    @Override
    public int promptTokens(JobRequest request) {
        return encode(request).length;
    }

    @Override
    public CompletableFuture<JobOutput> submit(JobRequest request) {
        int[] ids = encode(request);
        long t0 = System.nanoTime();
        GenerationRequest g = GenerationRequest.ofTokens(ids).withMaxTokens(request.maxTokens()).withOutput(outputs);
        return engine.submit(g).result().thenApply(r -> new Output(r, (System.nanoTime() - t0) / 1e9));
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            engine.close();
        } finally {
            onClose.run();
        }
    }

    /** A finished generation, its bytes still in the engine's token buffer. */
    static final class Output implements JobOutput {
        private final GenerationResult result;
        private final double seconds;

        Output(GenerationResult result, double seconds) {
            this.result = result;
            this.seconds = seconds;
        }

        @Override
        public int tokens() {
            return result.generatedTokens();
        }

        @Override
        public int promptTokens() {
            return result.promptTokens();
        }

        @Override
        public MemorySegment utf8() {
            return result.tokens().bytes().asSlice(0, result.textByteLength());
        }

        @Override
        public double meanLogprob(long start, long end) {
            TokenBuffer t = result.tokens();
            return SpanLogprob.mean(t.logprobs(), t.byteOffsets(), t.size(), start, end);
        }

        @Override
        public String text() {
            return result.text();
        }

        @Override
        public double seconds() {
            return seconds;
        }

        @Override
        public void close() {
            result.close();
        }
    }
}
