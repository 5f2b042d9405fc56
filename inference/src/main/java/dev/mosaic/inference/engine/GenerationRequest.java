package dev.mosaic.inference.engine;

import dev.mosaic.inference.buffer.TokenBuffer;
import dev.mosaic.inference.buffer.TokenBufferPool;
import java.util.List;
import java.util.Set;

/**
 * What to generate: a prompt (token ids, or text the engine's tokenizer encodes), how many
 * tokens at most, how to sample, when to stop, an optional streaming listener, and where the
 * output goes (a heap result by default; an off-heap {@link TokenBuffer} from a pool with
 * {@link #withOutput}). Immutable and thread-safe; the {@code with...} methods return modified
 * copies.
 *
 * <pre>{@code
 * GenerationRequest r = GenerationRequest.ofText("The capital of France is")
 *         .withMaxTokens(32)
 *         .withSampling(SamplingParams.temperature(0.8f, 42).withTopP(0.95f))
 *         .withStopStrings(List.of("\n"));
 * }</pre>
 *
 * @param promptTokens prompt as token ids, or {@code null} when {@code promptText} is given
 * @param promptText prompt as text, or {@code null} when {@code promptTokens} is given
 * @param addBos prepend the tokenizer's BOS token to a text prompt (when it has one)
 * @param parseSpecial let special-token text in a text prompt (e.g. {@code <|im_start|>}) become special tokens
 * @param maxTokens most tokens to generate, {@code >= 1}
 * @param sampling how each token is chosen
 * @param stopStrings generation stops once the text contains one of these
 * @param stopAtEos stop at the tokenizer's stop tokens (EOS, end-of-turn)
 * @param stopIds additional token ids that stop generation
 * @param listener streaming callback, or {@code null}
 * @param output pool the result's {@link TokenBuffer} is taken from, or {@code null} for a heap result
 */
public record GenerationRequest(int[] promptTokens, String promptText, boolean addBos, boolean parseSpecial, int maxTokens,
                                SamplingParams sampling, List<String> stopStrings, boolean stopAtEos, Set<Integer> stopIds,
                                TokenListener listener, TokenBufferPool output) {

    /** Default token limit of a new request. */
    public static final int DEFAULT_MAX_TOKENS = 128;

    public GenerationRequest {
        if ((promptTokens == null) == (promptText == null)) {
            throw new IllegalArgumentException("give exactly one of prompt tokens and prompt text");
        }
        if (promptTokens != null) {
            if (promptTokens.length == 0) {
                throw new IllegalArgumentException("prompt has no tokens");
            }
            promptTokens = promptTokens.clone();
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max tokens must be >= 1, got " + maxTokens);
        }
        if (sampling == null) {
            throw new IllegalArgumentException("sampling parameters are required");
        }
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        stopIds = Set.copyOf(stopIds);
    }

    /** A greedy request for {@link #DEFAULT_MAX_TOKENS} tokens after these prompt token ids. */
    public static GenerationRequest ofTokens(int... promptTokens) {
        return new GenerationRequest(promptTokens, null, false, false, DEFAULT_MAX_TOKENS, SamplingParams.greedyDecoding(),
                List.of(), true, Set.of(), null, null);
    }

    /** A greedy request for {@link #DEFAULT_MAX_TOKENS} tokens after this text (BOS prepended when the tokenizer has one). */
    public static GenerationRequest ofText(String promptText) {
        return new GenerationRequest(null, promptText, true, false, DEFAULT_MAX_TOKENS, SamplingParams.greedyDecoding(),
                List.of(), true, Set.of(), null, null);
    }

    @Override
    public int[] promptTokens() {
        return promptTokens == null ? null : promptTokens.clone();
    }

    public GenerationRequest withMaxTokens(int n) {
        return new GenerationRequest(promptTokens, promptText, addBos, parseSpecial, n, sampling, stopStrings, stopAtEos, stopIds, listener, output);
    }

    public GenerationRequest withSampling(SamplingParams s) {
        return new GenerationRequest(promptTokens, promptText, addBos, parseSpecial, maxTokens, s, stopStrings, stopAtEos, stopIds, listener, output);
    }

    public GenerationRequest withStopStrings(List<String> s) {
        return new GenerationRequest(promptTokens, promptText, addBos, parseSpecial, maxTokens, sampling, s, stopAtEos, stopIds, listener, output);
    }

    public GenerationRequest withStopAtEos(boolean b) {
        return new GenerationRequest(promptTokens, promptText, addBos, parseSpecial, maxTokens, sampling, stopStrings, b, stopIds, listener, output);
    }

    public GenerationRequest withStopIds(Set<Integer> ids) {
        return new GenerationRequest(promptTokens, promptText, addBos, parseSpecial, maxTokens, sampling, stopStrings, stopAtEos, ids, listener, output);
    }

    public GenerationRequest withAddBos(boolean b) {
        return new GenerationRequest(promptTokens, promptText, b, parseSpecial, maxTokens, sampling, stopStrings, stopAtEos, stopIds, listener, output);
    }

    public GenerationRequest withParseSpecial(boolean b) {
        return new GenerationRequest(promptTokens, promptText, addBos, b, maxTokens, sampling, stopStrings, stopAtEos, stopIds, listener, output);
    }

    /**
     * Puts the result's tokens in an off-heap {@link TokenBuffer} taken from {@code pool}
     * ({@link GenerationResult#tokens()}); {@code null} gives a heap result again. The pool must
     * stay open until the request finishes: if it is closed before, the request fails.
     */
    public GenerationRequest withOutput(TokenBufferPool pool) {
        return new GenerationRequest(promptTokens, promptText, addBos, parseSpecial, maxTokens, sampling, stopStrings, stopAtEos, stopIds, listener, pool);
    }

    public GenerationRequest withListener(TokenListener l) {
        return new GenerationRequest(promptTokens, promptText, addBos, parseSpecial, maxTokens, sampling, stopStrings, stopAtEos, stopIds, l, output);
    }
}
