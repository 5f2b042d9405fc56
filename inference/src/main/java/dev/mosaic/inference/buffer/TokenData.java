package dev.mosaic.inference.buffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The storage shared by {@link TokenBuffer.Builder} (which appends) and {@link TokenBuffer} (which
 * reads): a token region holding {@code capacity} ids (int32), then as many log-probabilities
 * (float32), then {@code capacity + 1} byte offsets (int32); and a byte region for the UTF-8 text.
 * Not thread-safe.
 */
final class TokenData {
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final TokenMemory memory;
    MemorySegment tokens;
    MemorySegment bytes;
    int capacity;
    int size;
    long byteLength;
    boolean freed;

    TokenData(TokenMemory memory, int tokenCapacity, long byteCapacity) {
        if (tokenCapacity < 1 || byteCapacity < 1) {
            throw new IllegalArgumentException("initial capacities must be positive: tokens " + tokenCapacity + ", bytes "
                    + byteCapacity);
        }
        this.memory = memory;
        this.tokens = memory.allocate(tokenRegionBytes(tokenCapacity));
        try {
            this.bytes = memory.allocate(byteCapacity);
        } catch (RuntimeException | Error e) {
            memory.free(tokens);
            throw e;
        }
        this.capacity = tokenCapacity;
        tokens.set(INT, offsetsBase(tokenCapacity), 0);
        memory.bufferOpened();
    }

    private static long tokenRegionBytes(int capacity) {
        return 12L * capacity + 4;
    }

    private static long offsetsBase(int capacity) {
        return 8L * capacity;
    }

    long idsBase() {
        return 0;
    }

    long logprobsBase() {
        return 4L * capacity;
    }

    long offsetsBase() {
        return offsetsBase(capacity);
    }

    int id(int i) {
        return tokens.get(INT, 4L * i);
    }

    float logprob(int i) {
        return tokens.get(FLOAT, logprobsBase() + 4L * i);
    }

    int offset(int i) {
        return tokens.get(INT, offsetsBase() + 4L * i);
    }

    void append(int id, float logprob, byte[] utf8) {
        long newBytes = byteLength + utf8.length;
        if (newBytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("token buffer text exceeds 2 GiB");
        }
        if (size == capacity) {
            growTokens(2 * capacity);
        }
        if (newBytes > bytes.byteSize()) {
            growBytes(Math.max(newBytes, 2 * bytes.byteSize()));
        }
        tokens.set(INT, 4L * size, id);
        tokens.set(FLOAT, logprobsBase() + 4L * size, logprob);
        MemorySegment.copy(utf8, 0, bytes, ValueLayout.JAVA_BYTE, byteLength, utf8.length);
        byteLength = newBytes;
        size++;
        tokens.set(INT, offsetsBase() + 4L * size, (int) byteLength);
    }

    private void growTokens(int newCapacity) {
        if (newCapacity < capacity) {
            throw new IllegalStateException("token buffer exceeds " + capacity + " tokens");
        }
        MemorySegment grown = memory.allocate(tokenRegionBytes(newCapacity));
        MemorySegment.copy(tokens, idsBase(), grown, 0, 4L * size);
        MemorySegment.copy(tokens, logprobsBase(), grown, 4L * newCapacity, 4L * size);
        MemorySegment.copy(tokens, offsetsBase(), grown, offsetsBase(newCapacity), 4L * (size + 1));
        memory.free(tokens);
        tokens = grown;
        capacity = newCapacity;
    }

    private void growBytes(long newCapacity) {
        MemorySegment grown = memory.allocate(newCapacity);
        MemorySegment.copy(bytes, 0, grown, 0, byteLength);
        memory.free(bytes);
        bytes = grown;
    }

    /** Returns both regions to their memory; idempotent. */
    void free() {
        if (!freed) {
            freed = true;
            memory.free(tokens);
            memory.free(bytes);
            memory.bufferFreed();
        }
    }
}
