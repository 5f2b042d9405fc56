package dev.mosaic.inference.backend;

import java.util.Objects;

/**
 * Shape of a paged KV cache: {@code blocks} blocks of {@code blockSize} token slots, each slot
 * holding one K row and one V row of {@code kvHeads * headDim} elements of {@code dtype} for each
 * of {@code layers} layers. A token's slot is {@code block * blockSize + offsetInBlock}. The dtype
 * is the backend's choice ({@link Backend#kvType}); accounting in bytes follows from it.
 *
 * <p>Immutable; thread-safe.
 */
public record KvGeometry(int layers, int blocks, int blockSize, int kvHeads, int headDim, DType dtype) {

    public KvGeometry {
        Objects.requireNonNull(dtype, "dtype");
        if (layers <= 0 || blocks <= 0 || blockSize <= 0 || kvHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("KV geometry needs positive sizes: " + layers + " layers, " + blocks
                    + " blocks, block size " + blockSize + ", " + kvHeads + " KV heads, head dim " + headDim);
        }
    }

    /** A float32 geometry. */
    public KvGeometry(int layers, int blocks, int blockSize, int kvHeads, int headDim) {
        this(layers, blocks, blockSize, kvHeads, headDim, DType.F32);
    }

    /** Total token slots. */
    public long slots() {
        return (long) blocks * blockSize;
    }

    /** Elements of one K (or V) row. */
    public int rowElements() {
        return Math.multiplyExact(kvHeads, headDim);
    }

    /** Bytes of K plus V storage for all layers. */
    public long bytes() {
        try {
            return Math.multiplyExact(Math.multiplyExact(2L * layers, slots()), (long) kvHeads * headDim * dtype.bytes());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("KV geometry: " + layers + " layers x " + slots() + " slots x " + kvHeads
                    + " KV heads x " + headDim + " overflow a byte count", e);
        }
    }

    /** Bytes one token occupies across all layers (K and V). */
    public long bytesPerToken() {
        return 2L * layers * rowElements() * dtype.bytes();
    }

    /** Bytes one block occupies across all layers (K and V). */
    public long bytesPerBlock() {
        return bytesPerToken() * blockSize;
    }

    /** The same shape with {@code n} blocks. */
    public KvGeometry withBlocks(int n) {
        return new KvGeometry(layers, n, blockSize, kvHeads, headDim, dtype);
    }
}
