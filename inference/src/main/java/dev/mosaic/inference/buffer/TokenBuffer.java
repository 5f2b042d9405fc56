package dev.mosaic.inference.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The tokens one sequence generated, off-heap: token ids (int32), their log-probabilities
 * (float32), and the detokenised UTF-8 bytes with per-token byte offsets. Consumers such as an
 * agreement scorer read the {@link #ids()}, {@link #logprobs()}, {@link #bytes()} and
 * {@link #byteOffsets()} views without copying.
 *
 * <p>Token {@code i} contributed bytes {@code byteOffsets[i] .. byteOffsets[i+1] - 1}; a token
 * may carry a partial UTF-8 sequence (byte-fallback tokens), so only the whole byte range is
 * guaranteed to be valid UTF-8.
 *
 * <p>The buffer owns its memory and grows by doubling; views returned earlier stay valid until
 * the next {@link #append} that grows the buffer, or {@link #close}. Appending and reading must
 * not overlap in time (the engine appends on its thread and hands the buffer over when the
 * sequence completes).
 */
public final class TokenBuffer implements AutoCloseable {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    private Arena arena;
    private MemorySegment ids;
    private MemorySegment logprobs;
    private MemorySegment offsets;
    private MemorySegment bytes;
    private int size;
    private long byteLength;
    private boolean closed;

    /** An empty buffer with room for 64 tokens and 256 bytes before it first grows. */
    public TokenBuffer() {
        this(64, 256);
    }

    /** An empty buffer with room for {@code tokens} tokens and {@code bytes} bytes before it first grows. */
    public TokenBuffer(int tokens, long bytes) {
        if (tokens < 1 || bytes < 1) {
            throw new IllegalArgumentException("initial capacities must be positive: tokens " + tokens + ", bytes " + bytes);
        }
        allocate(tokens, bytes);
        offsets.setAtIndex(INT, 0, 0);
    }

    /** Appends token {@code id} with log-probability {@code logprob} and the UTF-8 bytes it contributes. */
    public void append(int id, float logprob, byte[] utf8) {
        ensureOpen();
        long newBytes = byteLength + utf8.length;
        if (newBytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("token buffer text exceeds 2 GiB");
        }
        if (size + 1 > tokenCapacity() || newBytes > bytes.byteSize()) {
            int tokenCapacity = size + 1 > tokenCapacity() ? 2 * tokenCapacity() : tokenCapacity();
            long byteCapacity = newBytes > bytes.byteSize() ? Math.max(newBytes, 2 * bytes.byteSize()) : bytes.byteSize();
            grow(tokenCapacity, byteCapacity);
        }
        ids.setAtIndex(INT, size, id);
        logprobs.setAtIndex(FLOAT, size, logprob);
        MemorySegment.copy(utf8, 0, bytes, ValueLayout.JAVA_BYTE, byteLength, utf8.length);
        byteLength = newBytes;
        size++;
        offsets.setAtIndex(INT, size, (int) byteLength);
    }

    /** Number of tokens. */
    public int size() {
        return size;
    }

    /** Total UTF-8 bytes. */
    public long byteLength() {
        return byteLength;
    }

    /** Token id {@code i}. */
    public int id(int i) {
        return ids.getAtIndex(INT, checkIndex(i));
    }

    /** Log-probability of token {@code i}. */
    public float logprob(int i) {
        return logprobs.getAtIndex(FLOAT, checkIndex(i));
    }

    /** Sum of the log-probabilities of all tokens. */
    public double totalLogprob() {
        ensureOpen();
        double sum = 0;
        for (int i = 0; i < size; i++) {
            sum += logprobs.getAtIndex(FLOAT, i);
        }
        return sum;
    }

    /** Read-only view of the {@code size()} token ids (int32, native order). */
    public MemorySegment ids() {
        ensureOpen();
        return ids.asSlice(0, (long) size * Integer.BYTES).asReadOnly();
    }

    /** Read-only view of the {@code size()} log-probabilities (float32, native order). */
    public MemorySegment logprobs() {
        ensureOpen();
        return logprobs.asSlice(0, (long) size * Float.BYTES).asReadOnly();
    }

    /** Read-only view of the {@code size() + 1} byte offsets (int32): token {@code i} owns bytes {@code [off[i], off[i+1])}. */
    public MemorySegment byteOffsets() {
        ensureOpen();
        return offsets.asSlice(0, (long) (size + 1) * Integer.BYTES).asReadOnly();
    }

    /** Read-only view of the {@code byteLength()} UTF-8 bytes. */
    public MemorySegment bytes() {
        ensureOpen();
        return bytes.asSlice(0, byteLength).asReadOnly();
    }

    /** The token ids copied into a Java array. */
    public int[] idsArray() {
        return ids().toArray(INT);
    }

    /** The log-probabilities copied into a Java array. */
    public float[] logprobsArray() {
        return logprobs().toArray(FLOAT);
    }

    /** Byte offset where token {@code i} starts ({@code i == size()} gives the total length). */
    public int byteOffset(int i) {
        ensureOpen();
        if (i < 0 || i > size) {
            throw new IndexOutOfBoundsException("byte offset index " + i + " outside 0.." + size);
        }
        return offsets.getAtIndex(INT, i);
    }

    /** The whole text; malformed or incomplete UTF-8 (a cut byte sequence) becomes U+FFFD. */
    public String text() {
        return text(0, size);
    }

    /** Text of tokens {@code from .. to - 1}; malformed UTF-8 at the edges becomes U+FFFD. */
    public String text(int from, int to) {
        ensureOpen();
        if (from < 0 || to > size || from > to) {
            throw new IndexOutOfBoundsException("token range " + from + ".." + to + " outside 0.." + size);
        }
        long start = offsets.getAtIndex(INT, from);
        long end = offsets.getAtIndex(INT, to);
        return new String(bytes.asSlice(start, end - start).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** Whether the bytes so far are complete, valid UTF-8. */
    public boolean isValidUtf8() {
        ensureOpen();
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            decoder.decode(ByteBuffer.wrap(bytes.asSlice(0, byteLength).toArray(ValueLayout.JAVA_BYTE)));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Frees the memory; every view becomes unusable. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    private int tokenCapacity() {
        return (int) (ids.byteSize() / Integer.BYTES);
    }

    private void allocate(int tokens, long byteCapacity) {
        arena = Arena.ofShared();
        ids = arena.allocate((long) tokens * Integer.BYTES, Integer.BYTES);
        logprobs = arena.allocate((long) tokens * Float.BYTES, Float.BYTES);
        offsets = arena.allocate((long) (tokens + 1) * Integer.BYTES, Integer.BYTES);
        bytes = arena.allocate(byteCapacity, 1);
    }

    private void grow(int tokens, long byteCapacity) {
        Arena old = arena;
        MemorySegment oldIds = ids;
        MemorySegment oldLogprobs = logprobs;
        MemorySegment oldOffsets = offsets;
        MemorySegment oldBytes = bytes;
        allocate(tokens, byteCapacity);
        MemorySegment.copy(oldIds, 0, ids, 0, (long) size * Integer.BYTES);
        MemorySegment.copy(oldLogprobs, 0, logprobs, 0, (long) size * Float.BYTES);
        MemorySegment.copy(oldOffsets, 0, offsets, 0, (long) (size + 1) * Integer.BYTES);
        MemorySegment.copy(oldBytes, 0, bytes, 0, byteLength);
        old.close();
    }

    private int checkIndex(int i) {
        ensureOpen();
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("token index " + i + " outside 0.." + (size - 1));
        }
        return i;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("token buffer is closed");
        }
    }
}
