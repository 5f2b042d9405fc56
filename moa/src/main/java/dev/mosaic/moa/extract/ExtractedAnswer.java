package dev.mosaic.moa.extract;

/**
 * An answer read from generated text: its normalised form and the byte span [start, end) of
 * the raw answer, relative to the start of the text given to the extractor (so that, for a
 * whole {@code TokenBuffer}, it lines up with the buffer's byte offsets). Immutable.
 */
public record ExtractedAnswer(String answer, long start, long end) {
    public ExtractedAnswer {
        if (answer == null || start < 0 || end < start) {
            throw new IllegalArgumentException("bad extracted answer " + answer + " [" + start + ", " + end + ")");
        }
    }
}
