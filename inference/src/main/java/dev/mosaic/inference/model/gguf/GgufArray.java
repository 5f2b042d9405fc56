package dev.mosaic.inference.model.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.AbstractList;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A long GGUF metadata array read in place: a read-only view of the file's bytes whose elements
 * are decoded on access (numbers as {@code Long} or {@code Double}, {@code Boolean}, strings),
 * so that a file holding a 256 MiB array costs no heap for it until, and only as far as, it is
 * read. Values are the ones the eager lists of short arrays hold. The view lives as long as the
 * {@link GgufFile} it came from; once that is closed (or after {@link GgufReader#header}
 * returns), reading an element throws {@link IllegalStateException}. Thread-safe (the string
 * index is built once, under a lock).
 */
public final class GgufArray extends AbstractList<Object> implements RandomAccess {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GgufValueType elementType;
    private final int size;
    private final MemorySegment bytes;
    /** Start of each string (strings only), built on first access. */
    private long[] stringOffsets;

    GgufArray(GgufValueType elementType, int size, MemorySegment bytes) {
        if (elementType == GgufValueType.ARRAY) {
            throw new IllegalArgumentException("nested arrays are not viewed in place");
        }
        this.elementType = elementType;
        this.size = size;
        this.bytes = bytes;
    }

    /** The GGUF type of every element. */
    public GgufValueType elementType() {
        return elementType;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Object get(int index) {
        Objects.checkIndex(index, size);
        long i = index;
        return switch (elementType) {
            case UINT8 -> (long) (bytes.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
            case INT8 -> (long) bytes.get(ValueLayout.JAVA_BYTE, i);
            case UINT16 -> (long) (bytes.get(I16, 2 * i) & 0xFFFF);
            case INT16 -> (long) bytes.get(I16, 2 * i);
            case UINT32 -> Integer.toUnsignedLong(bytes.get(I32, 4 * i));
            case INT32 -> (long) bytes.get(I32, 4 * i);
            case FLOAT32 -> (double) bytes.get(F32, 4 * i);
            case BOOL -> bytes.get(ValueLayout.JAVA_BYTE, i) == 1;
            case UINT64, INT64 -> bytes.get(I64, 8 * i);
            case FLOAT64 -> bytes.get(F64, 8 * i);
            case STRING -> {
                long at = offsets()[index];
                long len = bytes.get(I64, at);
                yield GgufReader.decode(bytes.asSlice(at + 8, len).toArray(ValueLayout.JAVA_BYTE));
            }
            case ARRAY -> throw new AssertionError();
        };
    }

    private synchronized long[] offsets() {
        if (stringOffsets == null) {
            // the reader checked every length when it walked the array
            long[] o = new long[size];
            long at = 0;
            for (int k = 0; k < size; k++) {
                o[k] = at;
                at += 8 + bytes.get(I64, at);
            }
            stringOffsets = o;
        }
        return stringOffsets;
    }
}
