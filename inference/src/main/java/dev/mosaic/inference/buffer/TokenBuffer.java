package dev.mosaic.inference.buffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The tokens one sequence generated: token ids (int32), their log-probabilities (float32), and
 * the detokenised UTF-8 bytes with per-token byte offsets. Consumers such as an agreement scorer
 * read the {@link #ids()}, {@link #logprobs()}, {@link #bytes()} and {@link #byteOffsets()}
 * views without copying. A buffer is complete and immutable: it is written through a
 * {@link Builder} (by the engine) and then only read.
 *
 * <p>Token {@code i} contributed bytes {@code byteOffsets[i] .. byteOffsets[i+1] - 1}; a token
 * may carry a partial UTF-8 sequence (byte-fallback tokens), so only the whole byte range is
 * guaranteed to be valid UTF-8.
 *
 * <p>Memory: buffers from a {@link TokenBufferPool} live off-heap in the pool's slabs and go back
 * to the pool on {@link #close()}; buffers from {@link #builder()} live on the Java heap. After
 * {@code close()} every method throws {@link IllegalStateException}; views taken before must not
 * be used any more (for pooled buffers they would show memory the pool has handed out again,
 * and fail once the pool itself is closed).
 *
 * <p>Thread safety: reading from several threads at once is safe; {@link #close()} must not
 * overlap with reads.
 */
public final class TokenBuffer implements AutoCloseable {
    private final TokenData data;
    private volatile boolean closed;

    private TokenBuffer(TokenData data) {
        this.data = data;
    }

    /** A builder whose buffer lives on the Java heap, with room for 64 tokens and 256 bytes before it grows. */
    public static Builder builder() {
        return new Builder(new TokenData(TokenMemory.HEAP, 64, 256));
    }

    /** A builder whose buffer lives on the Java heap, with room for {@code tokens} tokens and {@code bytes} bytes before it grows. */
    public static Builder builder(int tokens, long bytes) {
        return new Builder(new TokenData(TokenMemory.HEAP, tokens, bytes));
    }

    /** Number of tokens. */
    public int size() {
        ensureOpen();
        return data.size;
    }

    /** Total UTF-8 bytes. */
    public long byteLength() {
        ensureOpen();
        return data.byteLength;
    }

    /** Token id {@code i}. */
    public int id(int i) {
        return data.id(checkIndex(i));
    }

    /** Log-probability of token {@code i}. */
    public float logprob(int i) {
        return data.logprob(checkIndex(i));
    }

    /** Sum of the log-probabilities of all tokens. */
    public double totalLogprob() {
        ensureOpen();
        double sum = 0;
        for (int i = 0; i < data.size; i++) {
            sum += data.logprob(i);
        }
        return sum;
    }

    /** Read-only view of the {@code size()} token ids (int32, native order). */
    public MemorySegment ids() {
        ensureOpen();
        return data.tokens.asSlice(data.idsBase(), 4L * data.size).asReadOnly();
    }

    /** Read-only view of the {@code size()} log-probabilities (float32, native order). */
    public MemorySegment logprobs() {
        ensureOpen();
        return data.tokens.asSlice(data.logprobsBase(), 4L * data.size).asReadOnly();
    }

    /** Read-only view of the {@code size() + 1} byte offsets (int32): token {@code i} owns bytes {@code [off[i], off[i+1])}. */
    public MemorySegment byteOffsets() {
        ensureOpen();
        return data.tokens.asSlice(data.offsetsBase(), 4L * (data.size + 1)).asReadOnly();
    }

    /** Read-only view of the {@code byteLength()} UTF-8 bytes. */
    public MemorySegment bytes() {
        ensureOpen();
        return data.bytes.asSlice(0, data.byteLength).asReadOnly();
    }

    /** The token ids copied into a Java array. */
    public int[] idsArray() {
        return ids().toArray(TokenData.INT);
    }

    /** The log-probabilities copied into a Java array. */
    public float[] logprobsArray() {
        return logprobs().toArray(TokenData.FLOAT);
    }

    /** Byte offset where token {@code i} starts ({@code i == size()} gives the total length). */
    public int byteOffset(int i) {
        ensureOpen();
        if (i < 0 || i > data.size) {
            throw new IndexOutOfBoundsException("byte offset index " + i + " outside 0.." + data.size);
        }
        return data.offset(i);
    }

    /** The whole text; malformed or incomplete UTF-8 (a cut byte sequence) becomes U+FFFD. */
    public String text() {
        ensureOpen();
        return text(0, data.size);
    }

    /** Text of tokens {@code from .. to - 1}; malformed UTF-8 at the edges becomes U+FFFD. */
    public String text(int from, int to) {
        ensureOpen();
        if (from < 0 || to > data.size || from > to) {
            throw new IndexOutOfBoundsException("token range " + from + ".." + to + " outside 0.." + data.size);
        }
        return textOfBytes(data.offset(from), data.offset(to));
    }

    /** Text of bytes {@code [from, to)}; malformed UTF-8 at the edges becomes U+FFFD. */
    public String textOfBytes(long from, long to) {
        ensureOpen();
        if (from < 0 || to > data.byteLength || from > to) {
            throw new IndexOutOfBoundsException("byte range " + from + ".." + to + " outside 0.." + data.byteLength);
        }
        return new String(data.bytes.asSlice(from, to - from).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** Whether the bytes are complete, valid UTF-8. */
    public boolean isValidUtf8() {
        ensureOpen();
        return validUtf8(data);
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed;
    }

    /** Returns the memory (to the pool, or to the garbage collector); every method fails afterwards. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        data.free();
    }

    @Override
    public String toString() {
        return closed ? "TokenBuffer[closed]" : "TokenBuffer[" + data.size + " tokens, " + data.byteLength + " bytes]";
    }

    private int checkIndex(int i) {
        ensureOpen();
        if (i < 0 || i >= data.size) {
            throw new IndexOutOfBoundsException("token index " + i + " outside 0.." + (data.size - 1));
        }
        return i;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("token buffer is closed");
        }
    }

    private static boolean validUtf8(TokenData d) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            decoder.decode(ByteBuffer.wrap(d.bytes.asSlice(0, d.byteLength).toArray(ValueLayout.JAVA_BYTE)));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * Writes one {@link TokenBuffer}: tokens are appended, then {@link #build()} hands the memory
     * over to the finished, immutable buffer. Producers (the engine, tests that need buffers
     * with known contents) use it; consumers only ever see the built buffer. The memory grows by
     * doubling; views returned by {@link #bytes()} stay valid until the next {@link #append}
     * that grows it. {@link #close()} without {@code build()} gives the memory back.
     *
     * <p>Not thread-safe: one thread writes a builder.
     */
    public static final class Builder implements AutoCloseable {
        private final TokenData data;
        private boolean done;

        Builder(TokenData data) {
            this.data = data;
        }

        /** Appends token {@code id} with log-probability {@code logprob} and the UTF-8 bytes it contributes. */
        public Builder append(int id, float logprob, byte[] utf8) {
            ensureWritable();
            data.append(id, logprob, utf8);
            return this;
        }

        /** Tokens appended so far. */
        public int size() {
            ensureWritable();
            return data.size;
        }

        /** Bytes appended so far. */
        public long byteLength() {
            ensureWritable();
            return data.byteLength;
        }

        /** Read-only view of the bytes so far (valid until the next growing append). */
        public MemorySegment bytes() {
            ensureWritable();
            return data.bytes.asSlice(0, data.byteLength).asReadOnly();
        }

        /** The finished buffer; the builder cannot be used afterwards. */
        public TokenBuffer build() {
            ensureWritable();
            done = true;
            return new TokenBuffer(data);
        }

        /** Gives the memory back unless {@link #build()} handed it over. Idempotent. */
        @Override
        public void close() {
            if (!done) {
                done = true;
                data.free();
            }
        }

        private void ensureWritable() {
            if (done) {
                throw new IllegalStateException("token buffer builder was already built or closed");
            }
        }
    }
}
