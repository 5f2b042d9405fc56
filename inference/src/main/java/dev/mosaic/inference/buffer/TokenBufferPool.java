package dev.mosaic.inference.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * Off-heap memory for many {@link TokenBuffer}s in one arena: a MoA run writes thousands of
 * answers, and an arena per answer would cost a shared-arena close (a handshake with every JVM
 * thread) per buffer. The pool carves regions of power-of-two sizes out of slabs it allocates
 * from its own arena; a buffer's regions go back to per-size free lists when the buffer (or an
 * unbuilt builder) is closed and are reused by the next buffers. Memory is returned to the
 * system only by {@link #close()}, so the pool keeps its peak size.
 *
 * <p>Closing the pool frees every buffer it handed out, closed or not: afterwards their views
 * fail, as do builders still being written (an engine writing into one fails that request). Close
 * the pool after the engines that write into it and after the last read.
 *
 * <p>Thread-safe: builders may be taken and buffers closed from any thread (several engines may
 * write into one pool at once); each builder and buffer itself follows its own rules.
 */
public final class TokenBufferPool implements AutoCloseable {
    /** Default slab size: 1 MiB. */
    public static final long DEFAULT_SLAB_BYTES = 1L << 20;
    private static final int MIN_CLASS = 6; // 64 bytes
    private static final int MAX_CLASS = 40;

    private final Arena arena = Arena.ofShared();
    private final long slabBytes;
    @SuppressWarnings("unchecked")
    private final ArrayDeque<MemorySegment>[] free = new ArrayDeque[MAX_CLASS + 1];
    private MemorySegment slab = MemorySegment.NULL;
    private long slabUsed;
    private long reservedBytes;
    private long bytesInUse;
    private int buffersInUse;
    private boolean closed;
    private final TokenMemory memory = new TokenMemory() {
        @Override
        public MemorySegment allocate(long bytes) {
            return take(bytes);
        }

        @Override
        public void free(MemorySegment region) {
            give(region);
        }

        @Override
        public void bufferOpened() {
            synchronized (TokenBufferPool.this) {
                buffersInUse++;
            }
        }

        @Override
        public void bufferFreed() {
            synchronized (TokenBufferPool.this) {
                buffersInUse--;
            }
        }
    };

    /** A pool with 1 MiB slabs. */
    public TokenBufferPool() {
        this(DEFAULT_SLAB_BYTES);
    }

    /** A pool that allocates slabs of {@code slabBytes} (regions larger than a quarter slab get their own allocation). */
    public TokenBufferPool(long slabBytes) {
        if (slabBytes < 4096) {
            throw new IllegalArgumentException("slab size must be >= 4096 bytes, got " + slabBytes);
        }
        this.slabBytes = slabBytes;
        for (int c = 0; c <= MAX_CLASS; c++) {
            free[c] = new ArrayDeque<>();
        }
    }

    /** A builder with room for 64 tokens and 256 bytes before it grows. */
    public TokenBuffer.Builder builder() {
        return builder(64, 256);
    }

    /**
     * A builder with room for {@code tokens} tokens and {@code bytes} bytes before it grows.
     *
     * @throws IllegalStateException if the pool is closed
     */
    public TokenBuffer.Builder builder(int tokens, long bytes) {
        return new TokenBuffer.Builder(new TokenData(memory, tokens, bytes));
    }

    /** Buffers and unbuilt builders handed out and not yet closed. */
    public synchronized int buffersInUse() {
        return buffersInUse;
    }

    /** Bytes of regions held by open buffers and builders (power-of-two rounded). */
    public synchronized long bytesInUse() {
        return bytesInUse;
    }

    /** Bytes the pool has allocated from the system (slabs and large regions); freed by {@link #close()}. */
    public synchronized long reservedBytes() {
        return reservedBytes;
    }

    /** Whether {@link #close()} has been called. */
    public synchronized boolean isClosed() {
        return closed;
    }

    /** Frees all memory at once; every buffer from this pool becomes unusable. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (ArrayDeque<MemorySegment> list : free) {
                list.clear();
            }
            slab = MemorySegment.NULL;
        }
        arena.close();
    }

    @Override
    public synchronized String toString() {
        return "TokenBufferPool[" + buffersInUse + " buffers in use, " + bytesInUse + " of " + reservedBytes + " bytes"
                + (closed ? ", closed" : "") + "]";
    }

    private static int sizeClass(long bytes) {
        int c = 64 - Long.numberOfLeadingZeros(Math.max(bytes, 1) - 1);
        return Math.max(c, MIN_CLASS);
    }

    private synchronized MemorySegment take(long bytes) {
        if (closed) {
            throw new IllegalStateException("token buffer pool is closed");
        }
        int c = sizeClass(bytes);
        if (c > MAX_CLASS) {
            throw new IllegalArgumentException("token buffer region of " + bytes + " bytes is too large");
        }
        long size = 1L << c;
        MemorySegment region = free[c].pollLast();
        if (region == null) {
            if (size > slabBytes / 4) {
                region = arena.allocate(size, Long.BYTES);
                reservedBytes += size;
            } else {
                if (slabUsed + size > slab.byteSize()) {
                    // The rest of the old slab is abandoned; at most a quarter slab per slab is lost.
                    slab = arena.allocate(slabBytes, 64);
                    slabUsed = 0;
                    reservedBytes += slabBytes;
                }
                region = slab.asSlice(slabUsed, size);
                slabUsed += size;
            }
        }
        bytesInUse += size;
        return region;
    }

    private synchronized void give(MemorySegment region) {
        if (closed) {
            return;
        }
        long size = region.byteSize();
        bytesInUse -= size;
        free[Long.numberOfTrailingZeros(size)].addLast(region);
    }
}
