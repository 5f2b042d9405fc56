package dev.mosaic.inference.engine;

/**
 * A {@link TokenListener} that also receives, for every generated token, the most likely
 * alternatives of that step with their log-probabilities (what OpenAI's {@code top_logprobs}
 * returns). The engine computes them only for requests whose listener is one of these, so
 * other requests pay nothing. Called on the engine's thread: keep it short.
 *
 * <p>The engine calls it from its one step thread, one call at a time, so an implementation need not be
 * thread-safe for its own request; state it shares with other threads it must synchronize itself.
 */
public interface TopLogprobsListener extends TokenListener {

    /** How many alternatives to report per step, {@code >= 1}. */
    int topLogprobs();

    /**
     * One generated token, as {@link TokenListener#onToken}, plus the step's {@code top.ids().length}
     * most likely tokens (the sampled one among them only if it is that likely), most likely first.
     */
    void onToken(int token, float logprob, String text, Sampler.TopLogprobs top);

    @Override
    default void onToken(int token, float logprob, String text) {
        throw new IllegalStateException("the engine calls the four-argument onToken of a TopLogprobsListener");
    }
}
