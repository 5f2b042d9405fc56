package dev.mosaic.moa.worker;

import dev.mosaic.inference.buffer.TokenBuffer;
import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.engine.GenerationResult;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.tokenizer.ChatMessage;
import dev.mosaic.inference.tokenizer.ChatTemplate;
import dev.mosaic.inference.tokenizer.Tokenizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A replica that is an {@link Engine} in this process. Prompts go through the model's chat
 * template where it has one (Llama 3, ChatML), else the turns are joined as plain text after BOS;
 * decoding is greedy. Outputs stay in the engine's off-heap {@link TokenBuffer}. Thread-safe.
 */
public final class LocalEngineEndpoint implements ExpertEndpoint {
    private final String modelId;
    private final Engine engine;
    private final Tokenizer tokenizer;
    private final Optional<ChatTemplate> template;
    private final Runnable onClose;
    private boolean closed;

    LocalEngineEndpoint(String modelId, Model model, EngineConfig config, Runnable onClose) {
        this.modelId = modelId;
        this.engine = Engine.create(model, config);
        this.tokenizer = engine.tokenizer();
        this.template = tokenizer.chatTemplate();
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
        if (template.isPresent()) {
            return tokenizer.encode(template.get().render(request.messages(), true), true);
        }
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : request.messages()) {
            if (!sb.isEmpty()) {
                sb.append("\n\n");
            }
            sb.append(m.content());
        }
        int[] body = tokenizer.encode(sb.toString(), false);
        if (tokenizer.bosId() < 0) {
            return body;
        }
        int[] ids = new int[body.length + 1];
        ids[0] = tokenizer.bosId();
        System.arraycopy(body, 0, ids, 1, body.length);
        return ids;
    }

    @Override
    public int promptTokens(JobRequest request) {
        return encode(request).length;
    }

    @Override
    public CompletableFuture<JobOutput> submit(JobRequest request) {
        int[] ids = encode(request);
        long t0 = System.nanoTime();
        GenerationRequest g = GenerationRequest.ofTokens(ids).withMaxTokens(request.maxTokens());
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
            return result.tokens().bytes();
        }

        @Override
        public double meanLogprob(long start, long end) {
            return meanLogprob(result.tokens(), start, end);
        }

        /** Mean log-prob of the tokens of {@code b} whose bytes overlap {@code [start, end)}; NaN if none. */
        static double meanLogprob(TokenBuffer b, long start, long end) {
            MemorySegment off = b.byteOffsets();
            MemorySegment lp = b.logprobs();
            int n = b.size();
            double sum = 0;
            int count = 0;
            for (int i = 0; i < n; i++) {
                int s = off.getAtIndex(ValueLayout.JAVA_INT, i);
                int e = off.getAtIndex(ValueLayout.JAVA_INT, i + 1);
                if (e > start && s < end && e > s) {
                    sum += lp.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                    count++;
                }
            }
            return count == 0 ? Double.NaN : sum / count;
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
