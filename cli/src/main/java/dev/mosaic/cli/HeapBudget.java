package dev.mosaic.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Refuses, before reading, an input the JVM's heap cannot hold: planning or simulating a problem
 * needs several times its file size in heap (the parsed prompts, the job table, the plan's
 * assignments). Measured: a 1e6-prompt problem (226 MiB of JSON) planned with greedy runs out of
 * a 1 GiB heap and fits in 2 GiB (2.4 GB resident); {@link #PROBLEM_HEAP_PER_FILE_BYTE} asks for
 * 1.1 GiB there, so a run that fits is not refused while the clear cases fail before reading.
 *
 * <p>Stateless and thread-safe.
 */
final class HeapBudget {

    /** Heap bytes per byte of problem JSON that reading and planning it needs at least. */
    static final double PROBLEM_HEAP_PER_FILE_BYTE = 5.0;

    private HeapBudget() {}

    /** Throws {@link OutOfHeapException} when {@code file} is too large to read and plan within the heap. */
    static void checkProblemFile(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            return;   // the reader reports a missing or unreadable file with its own message
        }
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        double need = size * PROBLEM_HEAP_PER_FILE_BYTE;
        if (need > available) {
            throw new OutOfHeapException(String.format(Locale.ROOT,
                    "%s: %d MiB of problem JSON needs about %d MiB of heap to plan, the JVM has %d MiB left of %d MiB:"
                            + " give it more with MOSAIC_JAVA_OPTS=-Xmx%dm, or split the problem",
                    file, size >> 20, (long) need >> 20, available >> 20, rt.maxMemory() >> 20,
                    ((long) (need * 1.6) >> 20) + 256));
        }
    }

    /** The heap is too small for an input: exit code {@link Mosaic#EXIT_OUT_OF_MEMORY}. */
    static final class OutOfHeapException extends RuntimeException {
        OutOfHeapException(String message) {
            super(message);
        }
    }
}
