package dev.mosaic.moa.extract;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The mean log-probability of the tokens whose bytes overlap a byte span, from a token buffer's
 * views (a {@code TokenBuffer}'s {@code logprobs()} float32 and {@code byteOffsets()} int32
 * segments, native order), so this package needs no engine types. Stateless and thread-safe.
 */
public final class SpanLogprob {

    private SpanLogprob() {}

    /**
     * Mean of {@code logprobs[i]} over the tokens {@code i < tokens} with
     * {@code offsets[i] < end && offsets[i + 1] > start}; NaN for an empty span or no overlap.
     *
     * @throws IllegalArgumentException when the segments are smaller than {@code tokens} needs
     */
    public static double mean(MemorySegment logprobs, MemorySegment byteOffsets, int tokens, long start, long end) {
        if (tokens < 0 || logprobs.byteSize() < (long) tokens * Float.BYTES || byteOffsets.byteSize() < (long) (tokens + 1) * Integer.BYTES) {
            throw new IllegalArgumentException("token views too small for " + tokens + " tokens: logprobs " + logprobs.byteSize()
                    + " bytes, offsets " + byteOffsets.byteSize() + " bytes");
        }
        if (end <= start || tokens == 0) {
            return Double.NaN;
        }
        // first token ending after start: offsets are non-decreasing, binary search
        int lo = 0;
        int hi = tokens;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (byteOffsets.getAtIndex(ValueLayout.JAVA_INT, mid + 1) > start) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        double sum = 0;
        int n = 0;
        for (int i = lo; i < tokens && byteOffsets.getAtIndex(ValueLayout.JAVA_INT, i) < end; i++) {
            if (byteOffsets.getAtIndex(ValueLayout.JAVA_INT, i + 1) > start) {
                sum += logprobs.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
