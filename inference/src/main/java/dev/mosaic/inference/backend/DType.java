package dev.mosaic.inference.backend;

/**
 * Element type of a backend's activation buffers and KV cache. The host side of the boundary is
 * always float32 ({@link Backend#write}, {@link Backend#read} convert); inside, a backend picks
 * what it computes in (the CPU float32, a GPU bf16 or f16 with float32 accumulation).
 *
 * <p>Immutable; thread-safe.
 */
public enum DType {
    F32(4), F16(2), BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes of one element. */
    public int bytes() {
        return bytes;
    }
}
