package dev.mosaic.inference.engine;

/**
 * Why a generation ended.
 *
 * <p>Immutable; thread-safe.
 */
public enum FinishReason {
    /** The model produced an end-of-sequence or other stop token (it is the last token). */
    STOP_TOKEN,
    /** The text reached one of the request's stop strings (the result's text ends before it). */
    STOP_STRING,
    /** The request's token limit (or the model's context length) was reached. */
    MAX_TOKENS,
    /** The caller cancelled the request. */
    CANCELLED
}
