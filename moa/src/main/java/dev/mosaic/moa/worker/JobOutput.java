package dev.mosaic.moa.worker;

import java.lang.foreign.MemorySegment;

/**
 * What one job generated. Local engines leave it in an off-heap token buffer (ids, log-probs,
 * UTF-8 bytes); remote workers hold the text and per-token log-probs they were sent. Answer
 * extraction reads {@link #utf8()} directly, so the hot path never builds heap strings of whole
 * outputs. Owns its memory: close it once scored. Not thread-safe.
 */
public interface JobOutput extends AutoCloseable {

    /** Generated tokens. */
    int tokens();

    /** Prompt tokens the model read. */
    int promptTokens();

    /** The generated UTF-8 bytes (a read-only view, valid until {@link #close()}). */
    MemorySegment utf8();

    /**
     * Mean log-probability of the generated tokens whose bytes overlap {@code [start, end)} of
     * {@link #utf8()}, or NaN where log-probs are unknown or no token overlaps.
     */
    double meanLogprob(long start, long end);

    /** The generated text (a heap copy: for outputs that are kept, not for scoring). */
    String text();

    /** Seconds from submission until the job finished, as the endpoint measured it. */
    double seconds();

    @Override
    void close();
}
