package dev.mosaic.inference.tensor;

import dev.mosaic.bindings.mosaic.mosaic_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

/**
 * The tensor element types MOSAIC runs, with GGUF's numeric ids. Block geometry and which kernels
 * take a type are not repeated here: they are read once, at class initialisation, from the type
 * table in libmosaic ({@code mosaic_type_traits}, native/src/types.c), so the Java and C sides
 * cannot disagree. Quantised types store {@link #blockSize()} elements in {@link #blockBytes()}
 * bytes; a row's element count must be a multiple of the block size. Immutable and thread-safe.
 */
public enum GgmlType {
    F32(0),
    F16(1),
    Q4_0(2),
    Q4_1(3),
    Q5_0(6),
    Q5_1(7),
    Q8_0(8),
    Q2_K(10),
    Q3_K(11),
    Q4_K(12),
    Q5_K(13),
    Q6_K(14),
    IQ4_NL(20),
    BF16(30);

    private final int id;
    private final int blockSize;
    private final int blockBytes;
    private final int flags;

    GgmlType(int id) {
        this.id = id;
        long[] traits = traits(id);
        if (traits == null || (traits[2] & mosaic_h.MOSAIC_TYPE_DEQUANTIZE()) == 0) {
            throw new IllegalStateException("libmosaic's type table does not support " + name() + " (id " + id
                    + "): the native library and the Java classes are from different builds");
        }
        this.blockSize = Math.toIntExact(traits[0]);
        this.blockBytes = Math.toIntExact(traits[1]);
        this.flags = (int) traits[2];
    }

    /** The type id used in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain float types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Whether the CPU matmul kernels take weights of this type (with float activations). */
    public boolean matmul() {
        return (flags & mosaic_h.MOSAIC_TYPE_MATMUL()) != 0;
    }

    /** Whether the int8-activation matmul kernels take weights of this type. */
    public boolean matmulInt8() {
        return (flags & mosaic_h.MOSAIC_TYPE_MATMUL_INT8()) != 0;
    }

    /** Whether this is a plain float type (F32, F16, BF16), as norm gains and biases must be. */
    public boolean isFloat() {
        return (flags & mosaic_h.MOSAIC_TYPE_VECTOR()) != 0;
    }

    /**
     * Bytes needed for {@code elements} elements; the count must be a multiple of the block size.
     *
     * @throws ArithmeticException if the byte count overflows a {@code long}
     */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(this + ": " + elements + " elements is not a multiple of the block size " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** The type with GGUF id {@code id}, or {@code null} when MOSAIC does not support it. */
    public static GgmlType byId(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    /**
     * A readable name for any GGUF type id, supported or not, from libmosaic's table of every type
     * ggml defines: {@code "Q4_K"}, {@code "IQ2_XXS (id 16)"}, or {@code "unknown type id 99"}.
     * Supported types are named as their constant.
     */
    public static String describe(int id) {
        GgmlType t = byId(id);
        if (t != null) {
            return t.name();
        }
        MemorySegment name = mosaic_h.mosaic_type_name(id);
        if (name.equals(MemorySegment.NULL)) {
            return "unknown type id " + Integer.toUnsignedString(id);
        }
        return name.reinterpret(64).getString(0).toUpperCase(Locale.ROOT) + " (id " + id + ")";
    }

    /**
     * Block elements, block bytes and flags of a type id known to ggml (whether MOSAIC runs it or
     * not), or {@code null} for an id ggml does not define.
     */
    public static long[] traits(int id) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 3);
            MemorySegment flags = a.allocate(ValueLayout.JAVA_INT);
            if (mosaic_h.mosaic_type_traits(id, out, out.asSlice(8), flags) == 0) {
                return null;
            }
            return new long[] {out.getAtIndex(ValueLayout.JAVA_LONG, 0), out.getAtIndex(ValueLayout.JAVA_LONG, 1),
                    flags.get(ValueLayout.JAVA_INT, 0)};
        }
    }
}
