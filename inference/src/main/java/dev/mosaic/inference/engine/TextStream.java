package dev.mosaic.inference.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns a sequence's growing UTF-8 bytes into streamable text and finds stop strings. Text is
 * released only up to the last complete UTF-8 character and never includes bytes that might
 * still become the start of a stop string, so a listener never sees text a stop string later
 * takes back.
 */
final class TextStream {
    private final byte[][] stops;
    private long emitted;

    TextStream(List<String> stopStrings) {
        stops = new byte[stopStrings.size()][];
        for (int i = 0; i < stops.length; i++) {
            stops[i] = stopStrings.get(i).getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * The byte index where a stop string begins, considering only matches that end after
     * {@code newFrom} (the bytes before it were checked already), or -1.
     */
    long findStop(MemorySegment bytes, long newFrom) {
        long length = bytes.byteSize();
        long best = -1;
        for (byte[] stop : stops) {
            long from = Math.max(0, newFrom - stop.length + 1);
            for (long p = from; p + stop.length <= length; p++) {
                if (matches(bytes, p, stop, stop.length)) {
                    if (best < 0 || p < best) {
                        best = p;
                    }
                    break;
                }
            }
        }
        return best;
    }

    /** New text that is safe to stream from {@code bytes}, possibly empty. */
    String advance(MemorySegment bytes) {
        long end = bytes.byteSize() - heldBack(bytes);
        end = completeCharacterEnd(bytes, Math.max(end, emitted));
        return take(bytes, end);
    }

    /** All text not yet streamed up to {@code end} (incomplete characters become U+FFFD). */
    String flush(MemorySegment bytes, long end) {
        return take(bytes, Math.max(end, emitted));
    }

    private String take(MemorySegment bytes, long end) {
        if (end <= emitted) {
            return "";
        }
        String s = new String(bytes.asSlice(emitted, end - emitted).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        emitted = end;
        return s;
    }

    /** Length of the longest suffix of {@code bytes} that is a proper prefix of a stop string. */
    private long heldBack(MemorySegment bytes) {
        long length = bytes.byteSize();
        int held = 0;
        for (byte[] stop : stops) {
            for (int h = Math.min(stop.length - 1, (int) Math.min(length, Integer.MAX_VALUE)); h > held; h--) {
                if (matches(bytes, length - h, stop, h)) {
                    held = h;
                    break;
                }
            }
        }
        return held;
    }

    /** The largest position {@code <= end} that does not split a UTF-8 character. */
    private static long completeCharacterEnd(MemorySegment bytes, long end) {
        for (long i = end - 1; i >= 0 && i >= end - 4; i--) {
            int b = bytes.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            if ((b & 0xc0) == 0x80) {
                continue; // continuation byte: keep looking for the lead byte
            }
            int need = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
            return i + need <= end ? end : i;
        }
        return end;
    }

    private static boolean matches(MemorySegment bytes, long at, byte[] pattern, int count) {
        for (int i = 0; i < count; i++) {
            if (bytes.get(ValueLayout.JAVA_BYTE, at + i) != pattern[i]) {
                return false;
            }
        }
        return true;
    }
}
