package dev.mosaic.inference.engine;

import dev.mosaic.inference.buffer.TokenBuffer;

/**
 * A finished generation. Owns the {@link TokenBuffer} of generated tokens (ids, log-probabilities,
 * UTF-8 bytes), so close the result when done with it. Times are {@link System#nanoTime()} stamps.
 *
 * @param requestId the id of the handle it completes
 * @param promptTokens number of prompt tokens fed to the model
 * @param tokens every generated token, including a final stop token
 * @param text the generated text, cut before a matched stop string
 * @param finishReason why generation ended
 * @param submittedNanos when the request was submitted
 * @param admittedNanos when it got its KV blocks and started prefill
 * @param firstTokenNanos when its first token was sampled (end of prefill)
 * @param finishedNanos when it finished
 */
public record GenerationResult(long requestId, int promptTokens, TokenBuffer tokens, String text, FinishReason finishReason,
                               long submittedNanos, long admittedNanos, long firstTokenNanos, long finishedNanos)
        implements AutoCloseable {

    /** Number of generated tokens. */
    public int generatedTokens() {
        return tokens.size();
    }

    /** Generated token ids, copied. */
    public int[] tokenIds() {
        return tokens.idsArray();
    }

    /** Log-probabilities of the generated tokens, copied. */
    public float[] logprobs() {
        return tokens.logprobsArray();
    }

    /** Frees the token buffer. */
    @Override
    public void close() {
        tokens.close();
    }
}
