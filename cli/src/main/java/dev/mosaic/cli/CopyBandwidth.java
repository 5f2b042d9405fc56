package dev.mosaic.cli;

import dev.mosaic.bindings.mosaic.mosaic_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * This machine's memory copy bandwidth, the yardstick of the decode bound: the best of a few
 * {@code mosaic_copy} runs (memcpy split over OpenMP threads) between two buffers much larger
 * than the caches. Bytes moved count once read and once written.
 */
final class CopyBandwidth {
    private CopyBandwidth() {}

    /** Bytes per second (read + write) with {@code threads} threads. */
    static double measure(int threads) {
        long bytes = 128L << 20; // far beyond any last-level cache
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(bytes, 64);
            MemorySegment dst = arena.allocate(bytes, 64);
            src.fill((byte) 1);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 6; i++) {
                long t0 = System.nanoTime();
                mosaic_h.mosaic_copy(dst, src, bytes, threads);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return 2.0 * bytes / best;
        }
    }
}
