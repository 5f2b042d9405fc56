package dev.mosaic.moa.extract;

import java.lang.foreign.MemorySegment;

/**
 * Reads the answer from generated UTF-8 text in (usually off-heap) memory without copying the
 * text to heap strings: only the answer span becomes a String. Implementations are immutable
 * and thread-safe.
 */
public interface AnswerExtractor {

    /**
     * The answer in {@code text[offset, offset + length)}, or null when there is none (an
     * abstention, which never counts as agreement). Spans are relative to {@code offset}.
     */
    ExtractedAnswer extract(MemorySegment text, long offset, long length);

    /** The extractor's name as written in moa.json, e.g. {@code choice} or {@code regex:<pattern>}. */
    String spec();
}
