package dev.mosaic.moa.remote;

import dev.mosaic.moa.config.MoaConfig;
import dev.mosaic.moa.profile.ModelProfile;
import dev.mosaic.moa.profile.Profiler;
import dev.mosaic.moa.worker.JobRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Measures a model's {@link ModelProfile} through an OpenAI-compatible server, from streamed
 * responses: time to first token (the prefill cost per prompt token, network round trip
 * included) and the gap between streamed tokens (the decode latency) at batch 1, and the
 * generated tokens per second of {@code concurrency} streams at once (the amortised decode cost
 * under batching). Output lengths come from sample prompts, as the local profiler's do. Each
 * timing is the median of {@code runs}. Not thread-safe; one profile at a time per server.
 */
public final class ApiProfiler {
    private final int promptTokens;
    private final int decodeTokens;
    private final int runs;
    private final Consumer<String> progress;

    /**
     * @param promptTokens about how long the prefill prompt is (in the model's tokens)
     * @param decodeTokens tokens asked for in the decode measurements
     */
    public ApiProfiler(int promptTokens, int decodeTokens, int runs, Consumer<String> progress) {
        if (promptTokens < 1 || decodeTokens < 2 || runs < 1) {
            throw new IllegalArgumentException("bad API profiler settings: prompt " + promptTokens + ", decode " + decodeTokens
                    + ", runs " + runs);
        }
        this.promptTokens = promptTokens;
        this.decodeTokens = decodeTokens;
        this.runs = runs;
        this.progress = progress;
    }

    /** Profiles {@code model} on {@code worker} (opening a replica there for the measurement). */
    public ModelProfile profile(OpenAiWorker worker, MoaConfig.ModelSpec model, List<Profiler.Sample> samples) {
        long t0 = System.nanoTime();
        try (OpenAiEndpoint ep = (OpenAiEndpoint) worker.open(model)) {
            double loadSeconds = worker.serves(model.id()) ? 0 : (System.nanoTime() - t0) / 1e9;
            JobRequest longPrompt = promptOf(ep, promptTokens);
            int promptLen = ep.promptTokens(longPrompt);
            double[] prefill = new double[runs];
            double[] latency = new double[runs];
            double[] saturated = new double[runs];
            for (int r = 0; r < runs; r++) {
                RemoteOutput.Builder b = ep.run(new JobRequest(longPrompt.messages(), 1));
                prefill[r] = b.ttftSeconds() / Math.max(1, promptLen);
            }
            double prefillPerToken = median(prefill);
            JobRequest shortPrompt = promptOf(ep, 8);
            for (int r = 0; r < runs; r++) {
                RemoteOutput.Builder b = ep.run(new JobRequest(shortPrompt.messages(), decodeTokens));
                double gap = b.interTokenSeconds();
                latency[r] = Double.isNaN(gap) ? b.ttftSeconds() : gap;
            }
            double latencyShort = median(latency);
            // The context term, as the local profiler states it, from the gap between streamed
            // tokens after the long prompt and after the short one (no prefill in either gap).
            int shortLen = ep.promptTokens(shortPrompt);
            double[] latencyLong = new double[runs];
            for (int r = 0; r < runs; r++) {
                RemoteOutput.Builder b = ep.run(new JobRequest(longPrompt.messages(), decodeTokens));
                double gap = b.interTokenSeconds();
                latencyLong[r] = Double.isNaN(gap) ? latencyShort : gap;
            }
            double perContextToken = Profiler.perContextToken(latencyShort, median(latencyLong), promptLen - shortLen);
            double shortContext = shortLen + decodeTokens / 2.0;
            double latencyPerToken = Profiler.atEmptyContext(latencyShort, perContextToken, shortContext);
            int c = Math.max(1, Math.min(ep.maxConcurrentJobs(), 8));
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int r = 0; r < runs; r++) {
                    long s = System.nanoTime();
                    List<CompletableFuture<RemoteOutput.Builder>> fs = new ArrayList<>();
                    for (int i = 0; i < c; i++) {
                        fs.add(CompletableFuture.supplyAsync(() -> ep.run(new JobRequest(shortPrompt.messages(), decodeTokens)), pool));
                    }
                    long tokens = 0;
                    for (CompletableFuture<RemoteOutput.Builder> f : fs) {
                        tokens += Math.max(1, f.join().completionTokens());
                    }
                    double wall = (System.nanoTime() - s) / 1e9;
                    saturated[r] = Math.max(1e-9, (wall - 8 * prefillPerToken) / tokens);
                }
            }
            double decodePerToken = Math.min(Profiler.atEmptyContext(median(saturated), perContextToken, shortContext), latencyPerToken);
            progress.accept(String.format(java.util.Locale.ROOT,
                    "%s on %s: TTFT %.1f ms for %d prompt tokens, %.2f ms/token at batch 1, %.2f ms/token at %d concurrent streams"
                            + " (both at an empty context), %.3f us per token of context",
                    model.id(), worker.id(), median(prefill) * promptLen * 1e3, promptLen, latencyPerToken * 1e3, decodePerToken * 1e3, c,
                    perContextToken * 1e6));
            Profiler.OutputLengths lengths = Profiler.OutputLengths.measure(samples,
                    sm -> ep.run(JobRequest.user(sm.text(), sm.maxTokens())).completionTokens());
            return new ModelProfile(model.id(), worker.replicaGiB(model), loadSeconds, prefillPerToken, decodePerToken,
                    latencyPerToken, perContextToken, lengths.mean(), lengths.byCategory(), model.model().toString(), worker.profileKey(), c, null);
        }
    }

    /** A user prompt of about {@code tokens} tokens for this model (counted with its local tokenizer). */
    private static JobRequest promptOf(OpenAiEndpoint ep, int tokens) {
        StringBuilder sb = new StringBuilder("Count:");
        int i = 1;
        JobRequest r = JobRequest.user(sb.toString(), 1);
        while (ep.promptTokens(r) < tokens) {
            int step = Math.max(1, (tokens - ep.promptTokens(r)) / 2);
            for (int k = 0; k < step; k++) {
                sb.append(' ').append(i++);
            }
            r = JobRequest.user(sb.toString(), 1);
        }
        return r;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
