package dev.mosaic.inference.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Off-heap memory owned by one CPU backend resource (a buffer, a KV storage): allocated in its
 * own shared arena, cache-line aligned, freed exactly once however often {@link #close} runs.
 */
final class OwnedMemory {

    /** Cache-line alignment, so SIMD loads of a row never straddle more lines than needed. */
    static final long ALIGNMENT = 64;

    private final Arena arena;
    private final MemorySegment segment;
    private volatile boolean closed;

    OwnedMemory(long bytes) {
        this.arena = Arena.ofShared();
        try {
            this.segment = arena.allocate(bytes, ALIGNMENT);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    /** The memory; {@code what} names the owner in the exception thrown after close. */
    MemorySegment segment(String what) {
        if (closed) {
            throw new IllegalStateException(what + " is closed");
        }
        return segment;
    }

    boolean isClosed() {
        return closed;
    }

    /** Marks the memory closed; returns {@code false} when it already was, so callers release once. */
    boolean markClosed() {
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            return true;
        }
    }

    /** Frees the memory; call once, after {@link #markClosed} returned {@code true}. */
    void free() {
        arena.close();
    }
}
