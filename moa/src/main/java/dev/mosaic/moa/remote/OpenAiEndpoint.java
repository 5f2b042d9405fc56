package dev.mosaic.moa.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.tokenizer.ChatMessage;
import dev.mosaic.moa.worker.ExpertEndpoint;
import dev.mosaic.moa.worker.JobOutput;
import dev.mosaic.moa.worker.JobRequest;
import dev.mosaic.moa.worker.WorkerLostException;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToIntFunction;

/**
 * A model served by an OpenAI-compatible server. Each job is one streamed chat completion
 * ({@code temperature: 0}, {@code logprobs} with {@code top_logprobs}); a model without a chat
 * template on the server ({@code 400 no_chat_template}, as mosaic serve answers) is driven through
 * {@code /v1/completions} with the turns joined by blank lines, which is what the local endpoint
 * feeds such a model, so both give the same greedy answer. The answer comes back as text plus
 * per-token log-probs ({@link RemoteOutput}). A job whose server stays down through the client's
 * retries fails with {@link WorkerLostException}. Thread-safe.
 */
public final class OpenAiEndpoint implements ExpertEndpoint {
    /** Alternatives per token asked for (the answer-span scoring uses the chosen token's log-prob). */
    public static final int TOP_LOGPROBS = 5;

    private final String workerId;
    private final String modelId;
    private final String servedName;
    private final OpenAiClient client;
    private final int concurrency;
    private final ToIntFunction<JobRequest> promptTokens;
    private final Runnable onClose;
    private volatile boolean completionsOnly;
    private volatile boolean closed;

    /**
     * @param promptTokens the prompt length of a request for this model (its local tokenizer), for planning
     * @param onClose runs once on close (unloading a replica the worker loaded)
     */
    public OpenAiEndpoint(String workerId, String modelId, String servedName, OpenAiClient client, int concurrency,
                          ToIntFunction<JobRequest> promptTokens, Runnable onClose) {
        this.workerId = workerId;
        this.modelId = modelId;
        this.servedName = servedName;
        this.client = client;
        this.concurrency = concurrency;
        this.promptTokens = promptTokens;
        this.onClose = onClose;
    }

    @Override
    public String modelId() {
        return modelId;
    }

    /** The model's name on the server. */
    public String servedName() {
        return servedName;
    }

    @Override
    public int maxConcurrentJobs() {
        return concurrency;
    }

    @Override
    public int promptTokens(JobRequest request) {
        return promptTokens.applyAsInt(request);
    }

    @Override
    public CompletableFuture<JobOutput> submit(JobRequest request) {
        CompletableFuture<JobOutput> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new IllegalStateException("endpoint " + modelId + " on " + workerId + " is closed"));
            return f;
        }
        long t0 = System.nanoTime();
        Thread t = Thread.ofVirtual().name("openai-" + workerId + "-" + modelId).start(() -> {
            try {
                RemoteOutput.Builder b = run(request);
                f.complete(b.build((System.nanoTime() - t0) / 1e9));
            } catch (RemoteException e) {
                f.completeExceptionally(e.unavailable() ? new WorkerLostException(workerId, e.getMessage(), e) : e);
            } catch (RuntimeException | Error e) {
                f.completeExceptionally(e);
            }
        });
        f.whenComplete((x, e) -> {
            if (f.isCancelled()) {
                t.interrupt(); // the blocked read fails, the connection closes, the server cancels the generation
            }
        });
        return f;
    }

    /** One streamed job: chat, or plain completions for a model the server has no chat template for. */
    RemoteOutput.Builder run(JobRequest request) {
        if (!completionsOnly) {
            try {
                return client.stream("/chat/completions", chatBody(request), () -> new RemoteOutput.Builder(true));
            } catch (RemoteException e) {
                if (e.status() != 400 || !String.valueOf(e.getMessage()).contains("no_chat_template")) {
                    throw e;
                }
                completionsOnly = true;
            }
        }
        return client.stream("/completions", completionBody(request), () -> new RemoteOutput.Builder(false));
    }

    private ObjectNode common(JobRequest request) {
        ObjectNode b = JsonNodeFactory.instance.objectNode();
        b.put("model", servedName);
        b.put("max_tokens", request.maxTokens());
        b.put("temperature", 0);
        b.put("stream", true);
        b.putObject("stream_options").put("include_usage", true);
        return b;
    }

    ObjectNode chatBody(JobRequest request) {
        ObjectNode b = common(request);
        var msgs = b.putArray("messages");
        for (ChatMessage m : request.messages()) {
            msgs.addObject().put("role", m.role()).put("content", m.content());
        }
        b.put("logprobs", true);
        b.put("top_logprobs", TOP_LOGPROBS);
        return b;
    }

    ObjectNode completionBody(JobRequest request) {
        ObjectNode b = common(request);
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : request.messages()) {
            if (!sb.isEmpty()) {
                sb.append("\n\n");
            }
            sb.append(m.content());
        }
        b.put("prompt", sb.toString());
        b.put("logprobs", TOP_LOGPROBS);
        return b;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        onClose.run();
    }

    /** The usage counts of a chunk, when it has them. */
    static JsonNode usage(JsonNode chunk) {
        JsonNode u = chunk.get("usage");
        return u != null && u.isObject() ? u : null;
    }
}
