package dev.mosaic.inference.backend;

/**
 * Shape of a paged KV cache: {@code blocks} blocks of {@code blockSize} token slots, each slot
 * holding one K row and one V row of {@code kvHeads * headDim} float32 values for each of
 * {@code layers} layers. A token's slot is {@code block * blockSize + offsetInBlock}.
 */
public record KvGeometry(int layers, int blocks, int blockSize, int kvHeads, int headDim) {

    public KvGeometry {
        if (layers <= 0 || blocks <= 0 || blockSize <= 0 || kvHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("KV geometry needs positive sizes: " + this);
        }
    }

    /** Total token slots. */
    public long slots() {
        return (long) blocks * blockSize;
    }

    /** Floats of one K (or V) row. */
    public int rowFloats() {
        return kvHeads * headDim;
    }

    /** Bytes of K plus V storage for all layers. */
    public long bytes() {
        return 2L * layers * slots() * rowFloats() * Float.BYTES;
    }

    /** Bytes one token occupies across all layers (K and V). */
    public long bytesPerToken() {
        return 2L * layers * rowFloats() * Float.BYTES;
    }
}
