package dev.mosaic.inference.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named tensor whose bytes live off-heap (usually a slice of a memory-mapped model file).
 *
 * <p>{@code shape} follows GGML's order: {@code shape[0]} is the innermost, contiguous dimension.
 * A 2-D weight of {@code shape = {cols, rows}} is stored row-major with {@code rows} rows of
 * {@code cols} elements each, which is what {@code y = W x} reads (one row per output).
 *
 * <p>Immutable (the shape is copied in and out; the data is a read-only view by convention); thread-safe to
 * read from any thread while its memory is alive.
 */
public record Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {

    public Tensor {
        shape = shape.clone();
        long expected = type.byteSize(elements(shape));
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes, expected " + expected
                    + " for " + type + " " + Arrays.toString(shape));
        }
    }

    /** Total element count. */
    public long elements() {
        return elements(shape);
    }

    /** Elements per row ({@code shape[0]}). */
    public long cols() {
        return shape[0];
    }

    /** Number of rows (product of all dimensions but the first). */
    public long rows() {
        return elements() / shape[0];
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + type + " " + Arrays.toString(shape) + "]";
    }
}
