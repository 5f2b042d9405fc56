package dev.mosaic.inference.engine;

import dev.mosaic.inference.buffer.TokenBuffer;
import java.util.Arrays;
import java.util.Set;

/**
 * Everything the engine knows about one request. Its tokens are the prompt followed by the
 * generated tokens; the first {@code processed} of them have K/V rows in the cache. Each step
 * feeds the next unprocessed tokens (a prompt chunk, or the one token sampled last); when that
 * reaches the end, the step's logits give the next token. Confined to the engine thread (the
 * handle is the only part other threads see).
 */
final class Sequence {
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

    long id() {
        return handle.id();
    }

    /** Most KV positions this sequence can ever store: the prompt and every generated token but the last. */
    int kvTokens() {
        return promptLength + maxTokens - 1;
    }

    /** Positions it needs to be admitted (again): all its tokens so far, and room for the next one. */
    int admissionTokens() {
        return Math.min(length + 1, kvTokens());
    }

    /** Whether it has been admitted once (its output, sampler and text stream exist). */
    boolean started() {
        return out != null;
    }

    void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.min(2 * tokens.length, promptLength + maxTokens));
        }
        tokens[length++] = token;
    }
}
