package dev.mosaic.inference.engine;

/**
 * Receives a request's tokens as they are generated, on the engine's thread: keep it short.
 * {@code text} is the newly completed text (possibly empty: a token may end in the middle of a
 * UTF-8 character, or in what may become a stop string; it is delivered once complete).
 * An exception thrown here fails the request.
 *
 * <p>The engine calls it from its one step thread, one call at a time, so an implementation need not be
 * thread-safe for its own request; state it shares with other threads it must synchronize itself.
 */
@FunctionalInterface
public interface TokenListener {
    void onToken(int token, float logprob, String text);
}
