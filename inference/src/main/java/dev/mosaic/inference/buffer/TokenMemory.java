package dev.mosaic.inference.buffer;

import java.lang.foreign.MemorySegment;

/**
 * Where a token buffer's memory comes from: the Java heap (the garbage collector frees it) or a
 * {@link TokenBufferPool} (returned to the pool when the buffer closes).
 */
interface TokenMemory {

    /** A region of at least {@code bytes} bytes, 8-byte aligned, contents undefined. */
    MemorySegment allocate(long bytes);

    /** Gives back a region {@link #allocate} returned; it must not be used afterwards. */
    void free(MemorySegment region);

    /** A buffer took its regions (for counting). */
    default void bufferOpened() {}

    /** A buffer gave its regions back (for counting). */
    default void bufferFreed() {}

    /** The heap: regions are {@code long[]}-backed segments, freeing is the garbage collector's job. */
    TokenMemory HEAP = new TokenMemory() {
        @Override
        public MemorySegment allocate(long bytes) {
            long words = (bytes + Long.BYTES - 1) / Long.BYTES;
            if (words > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("token buffer region of " + bytes + " bytes does not fit in a Java array");
            }
            return MemorySegment.ofArray(new long[(int) Math.max(1, words)]);
        }

        @Override
        public void free(MemorySegment region) {}
    };
}
