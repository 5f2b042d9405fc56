package dev.mosaic.inference.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend's memory for long-lived weight copies (int8 layouts repacked at load, anonymous copies
 * of mapped float weights), bump-allocated from large anonymous mappings that start on a 2 MiB
 * boundary and are advised for transparent huge pages. Why: most matrices of a small model are
 * under 2 MiB, too small for a huge page of their own, and on the VMs this is built on each 4 KiB
 * first touch cost about 15 us (128 MiB: 490 ms in 4 KiB pages, 107-245 ms advised for huge
 * pages), which made creating an engine slow. Blocks are 64-byte aligned; a block larger than a
 * quarter of a chunk gets a mapping of its own. Everything is freed together by {@link #close},
 * when the backend closes; a block used after that throws (it belongs to its chunk's arena).
 * Thread-safe.
 */
final class WeightSlab {
    /** Size of a shared mapping; its untouched tail costs address space only. */
    static final long CHUNK_BYTES = 32L << 20;

    private final List<OwnedMemory> mappings = new ArrayList<>(); // guarded by this
    private MemorySegment chunk; // the chunk blocks are cut from now, or null
    private long used;
    private boolean closed;

    /** A zero-filled block of {@code bytes} bytes, 64-byte aligned. */
    synchronized MemorySegment allocate(long bytes, String what) {
        if (closed) {
            throw new IllegalStateException(what + ": its backend is closed");
        }
        if (bytes <= 0) {
            throw new IllegalArgumentException(what + ": block of " + bytes + " bytes");
        }
        long aligned = (bytes + OwnedMemory.ALIGNMENT - 1) & -OwnedMemory.ALIGNMENT;
        if (aligned > CHUNK_BYTES / 4) {
            return map(aligned).asSlice(0, bytes);
        }
        if (chunk == null || used + aligned > chunk.byteSize()) {
            chunk = map(CHUNK_BYTES);
            used = 0;
        }
        MemorySegment block = chunk.asSlice(used, bytes);
        used += aligned;
        return block;
    }

    private MemorySegment map(long bytes) {
        OwnedMemory m = new OwnedMemory(bytes);
        mappings.add(m);
        return m.segment("weight memory");
    }

    /** Bytes mapped so far (touched or not). */
    synchronized long mappedBytes() {
        long n = 0;
        for (OwnedMemory m : mappings) {
            n += m.segment("weight memory").byteSize();
        }
        return n;
    }

    /** Frees every mapping. Idempotent. */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        chunk = null;
        for (OwnedMemory m : mappings) {
            if (m.markClosed()) {
                m.free();
            }
        }
        mappings.clear();
    }
}
