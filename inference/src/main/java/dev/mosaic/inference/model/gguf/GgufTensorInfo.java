package dev.mosaic.inference.model.gguf;

import dev.mosaic.inference.tensor.GgmlType;

/**
 * One tensor-info entry of a GGUF file.
 *
 * <p>Immutable (the shape is copied in and out); thread-safe.
 *
 * @param name tensor name
 * @param type element type
 * @param shape GGML order ({@code shape[0]} is the row length)
 * @param offset byte offset of the data relative to the start of the data section
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset) {

    public GgufTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Element count. */
    public long elements() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of data. */
    public long byteSize() {
        return type.byteSize(elements());
    }
}
