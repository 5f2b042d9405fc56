package dev.mosaic.inference.backend.cpu;

import dev.mosaic.bindings.mosaic.mosaic_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Off-heap memory owned by one CPU backend resource (a buffer, a KV storage, a repacked weight):
 * cache-line aligned and zero-filled, in its own shared arena, freed exactly once however often
 * {@link #close} runs. From {@link #PAGES_MIN_BYTES} up the memory is an anonymous mapping
 * ({@code mosaic_pages_alloc}), zero-filled by the kernel on each page's first touch, so a KV
 * cache is not paid for up front in the pages a run never writes; smaller blocks come from the
 * arena itself. Either way the segment belongs to the arena, so a use after free throws instead
 * of touching unmapped memory.
 */
final class OwnedMemory {

    /** Cache-line alignment, so SIMD loads of a row never straddle more lines than needed. */
    static final long ALIGNMENT = 64;

    /** Sizes from which the memory is mapped from the OS rather than allocated and zeroed by the arena. */
    static final long PAGES_MIN_BYTES = 1L << 20;

    private final Arena arena;
    private final MemorySegment segment;
    private volatile boolean closed;

    OwnedMemory(long bytes) {
        this.arena = Arena.ofShared();
        try {
            if (bytes >= PAGES_MIN_BYTES) {
                MemorySegment raw = mosaic_h.mosaic_pages_alloc(bytes);
                if (raw.address() == 0) {
                    throw new OutOfMemoryError("no native memory: the OS refused a mapping of " + bytes + " bytes");
                }
                this.segment = raw.reinterpret(bytes, arena, s -> mosaic_h.mosaic_pages_free(s, bytes));
            } else {
                this.segment = arena.allocate(bytes, ALIGNMENT);
            }
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
