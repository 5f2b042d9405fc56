package dev.mosaic.moa.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mosaic.moa.extract.SpanLogprob;
import dev.mosaic.moa.worker.JobOutput;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A remote job's answer: its text and the chosen tokens' log-probs with their byte offsets in
 * the text (from each token's {@code bytes}, or its UTF-8 where a server sends none), held on the
 * heap. Answer extraction and span scoring read it through the same views as a local token
 * buffer ({@link SpanLogprob} over heap segments). Not thread-safe.
 */
public final class RemoteOutput implements JobOutput {
    private final byte[] utf8;
    private final float[] logprobs;
    private final int[] offsets; // tokens + 1 entries
    private final int tokens;
    private final int promptTokens;
    private final int generated;
    private final double seconds;

    RemoteOutput(byte[] utf8, float[] logprobs, int[] offsets, int tokens, int promptTokens, int generated, double seconds) {
        this.utf8 = utf8;
        this.logprobs = logprobs;
        this.offsets = offsets;
        this.tokens = tokens;
        this.promptTokens = promptTokens;
        this.generated = generated;
        this.seconds = seconds;
    }

    @Override
    public int tokens() {
        return generated;
    }

    @Override
    public int promptTokens() {
        return promptTokens;
    }

    @Override
    public MemorySegment utf8() {
        return MemorySegment.ofArray(utf8).asReadOnly();
    }

    @Override
    public double meanLogprob(long start, long end) {
        if (tokens == 0) {
            return Double.NaN;
        }
        return SpanLogprob.mean(MemorySegment.ofArray(logprobs), MemorySegment.ofArray(offsets), tokens, start, end);
    }

    /** Tokens that came with a log-prob. */
    public int scoredTokens() {
        return tokens;
    }

    @Override
    public String text() {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    @Override
    public double seconds() {
        return seconds;
    }

    @Override
    public void close() {
        // heap memory: nothing to free
    }

    /** Collects one streamed attempt (chat chunks when {@code chat}, else completion chunks). */
    static final class Builder implements OpenAiClient.StreamHandler<Builder> {
        private final boolean chat;
        private final ByteArrayOutputStream text = new ByteArrayOutputStream();
        private float[] logprobs = new float[64];
        private int[] offsets = new int[65];
        private int n;
        private int promptTokens = -1;
        private int completionTokens = -1;
        private int textChunks;
        /** Seconds from the first byte of the request to the first generated text (TTFT), and each later chunk. */
        private final long start = System.nanoTime();
        private long firstToken = -1;
        private long lastToken = -1;

        Builder(boolean chat) {
            this.chat = chat;
        }

        @Override
        public void chunk(JsonNode c) {
            JsonNode u = OpenAiEndpoint.usage(c);
            if (u != null) {
                promptTokens = u.path("prompt_tokens").asInt(promptTokens);
                completionTokens = u.path("completion_tokens").asInt(completionTokens);
            }
            JsonNode choices = c.get("choices");
            if (choices == null || !choices.isArray() || choices.isEmpty()) {
                return;
            }
            JsonNode choice = choices.get(0);
            String piece = chat ? choice.path("delta").path("content").asText("") : choice.path("text").asText("");
            JsonNode lp = choice.get("logprobs");
            boolean any = !piece.isEmpty() || lp != null && !lp.isNull();
            if (any && choice.path("finish_reason").isNull()) {
                long now = System.nanoTime();
                if (firstToken < 0) {
                    firstToken = now;
                }
                lastToken = now;
                textChunks++;
            }
            text.writeBytes(piece.getBytes(StandardCharsets.UTF_8));
            if (lp == null || lp.isNull()) {
                return;
            }
            if (chat) {
                for (JsonNode t : lp.path("content")) {
                    add((float) t.path("logprob").asDouble(Double.NaN), tokenBytes(t));
                }
            } else {
                JsonNode toks = lp.path("tokens");
                JsonNode lps = lp.path("token_logprobs");
                for (int i = 0; i < toks.size(); i++) {
                    add((float) lps.path(i).asDouble(Double.NaN), toks.get(i).asText("").getBytes(StandardCharsets.UTF_8).length);
                }
            }
        }

        private static int tokenBytes(JsonNode t) {
            JsonNode b = t.get("bytes");
            if (b != null && b.isArray()) {
                return b.size();
            }
            return t.path("token").asText("").getBytes(StandardCharsets.UTF_8).length;
        }

        private void add(float logprob, int bytes) {
            if (n == logprobs.length) {
                logprobs = Arrays.copyOf(logprobs, n * 2);
                offsets = Arrays.copyOf(offsets, n * 2 + 1);
            }
            logprobs[n] = logprob;
            offsets[n + 1] = offsets[n] + bytes;
            n++;
        }

        @Override
        public Builder done() {
            return this;
        }

        /** Seconds to the first streamed token, or NaN if none came. */
        double ttftSeconds() {
            return firstToken < 0 ? Double.NaN : (firstToken - start) / 1e9;
        }

        /** Mean seconds between streamed tokens after the first, or NaN with fewer than two. */
        double interTokenSeconds() {
            return textChunks < 2 ? Double.NaN : (lastToken - firstToken) / 1e9 / (textChunks - 1);
        }

        int completionTokens() {
            return completionTokens >= 0 ? completionTokens : n;
        }

        RemoteOutput build(double seconds) {
            return new RemoteOutput(text.toByteArray(), Arrays.copyOf(logprobs, n), Arrays.copyOf(offsets, n + 1), n,
                    Math.max(promptTokens, 0), completionTokens(), seconds);
        }
    }
}
