package dev.mosaic.inference.model.gguf;

import dev.mosaic.common.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Writes GGUF v3 files. Metadata and tensor descriptions are collected first; {@link #write}
 * then streams the header and each tensor's bytes (asked for one at a time, so a model need not
 * fit in memory) into a temporary file beside the target and atomically moves it into place.
 *
 * <p>Metadata types follow llama.cpp's conventions when inferred from Java values:
 * {@code String}, {@code Boolean}, {@code Integer} (UINT32, or INT32 when negative),
 * {@code Long} (UINT64, or INT64 when negative), {@code Float} (FLOAT32), {@code Double}
 * (FLOAT64), and non-empty {@code List}s of those (arrays of STRING, BOOL, INT32, INT64, FLOAT32,
 * FLOAT64, or nested arrays). Use {@link #put(String, GgufValueType, Object)} or
 * {@link #putArray} to choose a type explicitly.
 *
 * <p>Not thread-safe: a builder for one thread (confine it to one thread or synchronize).
 */
public final class GgufWriter {

    private record Value(GgufValueType type, GgufValueType elementType, Object value) {}

    private record TensorEntry(String name, GgmlType type, long[] shape, Supplier<MemorySegment> data, long bytes) {}

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final Map<String, TensorEntry> tensors = new LinkedHashMap<>();
    private long alignment = GgufReader.DEFAULT_ALIGNMENT;

    /** Sets {@code general.alignment} (a power of two; default 32). */
    public GgufWriter alignment(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a positive power of two: " + alignment);
        }
        this.alignment = alignment;
        put("general.alignment", GgufValueType.UINT32, alignment);
        return this;
    }

    /** Adds a metadata value whose GGUF type is inferred from its Java class (see class doc). */
    public GgufWriter put(String key, Object value) {
        Objects.requireNonNull(value, key);
        if (value instanceof GgufArray view) {
            return putArray(key, view.elementType(), view); // as read: keeps the file's element type
        }
        if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                throw new IllegalArgumentException(key + ": empty array needs an explicit element type (putArray)");
            }
            return putArray(key, elementTypeOf(list.getFirst(), key), list);
        }
        return put(key, scalarTypeOf(value, key), value);
    }

    /** Adds a scalar metadata value of an explicit type. */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (type == GgufValueType.ARRAY) {
            throw new IllegalArgumentException(key + ": use putArray for arrays");
        }
        checkScalar(key, type, value);
        metadata.put(key, new Value(type, null, value));
        return this;
    }

    /** Adds an array of an explicit element type. */
    public GgufWriter putArray(String key, GgufValueType elementType, List<?> values) {
        for (Object v : values) {
            if (elementType == GgufValueType.ARRAY) {
                if (!(v instanceof List<?> l) || l.isEmpty()) {
                    throw new IllegalArgumentException(key + ": nested arrays must be non-empty lists");
                }
            } else {
                checkScalar(key, elementType, v);
            }
        }
        metadata.put(key, new Value(GgufValueType.ARRAY, elementType, List.copyOf(values)));
        return this;
    }

    /** Adds a tensor whose bytes are produced by {@code data} when the file is written. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, Supplier<MemorySegment> data) {
        if (shape.length < 1 || shape.length > 4) {
            throw new IllegalArgumentException(name + ": 1 to 4 dimensions, got " + shape.length);
        }
        long elements = 1;
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException(name + ": non-positive dimension in " + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": row length " + shape[0] + " is not a multiple of " + type.blockSize());
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("duplicate tensor " + name);
        }
        tensors.put(name, new TensorEntry(name, type, shape.clone(), data, type.byteSize(elements)));
        return this;
    }

    /** Adds a tensor with its bytes already at hand. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        return addTensor(name, type, shape, () -> data);
    }

    /** Writes the file (temporary file, then atomic move) and returns {@code file}. */
    public Path write(Path file) {
        byte[] header = header();
        try {
            return AtomicFiles.writeChannel(file, ch -> {
                writeFully(ch, ByteBuffer.wrap(header));
                long pos = pad(ch, header.length);
                for (TensorEntry t : tensors.values()) {
                    MemorySegment data = t.data().get();
                    if (data.byteSize() != t.bytes()) {
                        throw new IllegalArgumentException("tensor " + t.name() + ": " + data.byteSize() + " bytes supplied, "
                                + t.bytes() + " expected for " + t.type() + " " + Arrays.toString(t.shape()));
                    }
                    for (long off = 0; off < data.byteSize(); off += 1 << 30) {
                        writeFully(ch, data.asSlice(off, Math.min(1L << 30, data.byteSize() - off)).asByteBuffer());
                    }
                    pos = pad(ch, pos + t.bytes());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    private byte[] header() {
        Out out = new Out();
        out.i32(GgufReader.MAGIC);
        out.i32(3);
        out.i64(tensors.size());
        out.i64(metadata.size());
        for (Map.Entry<String, Value> e : metadata.entrySet()) {
            out.string(e.getKey());
            Value v = e.getValue();
            out.i32(v.type().id());
            if (v.type() == GgufValueType.ARRAY) {
                writeArray(out, v.elementType(), (List<?>) v.value());
            } else {
                writeScalar(out, v.type(), v.value());
            }
        }
        long offset = 0;
        for (TensorEntry t : tensors.values()) {
            out.string(t.name());
            out.i32(t.shape().length);
            for (long d : t.shape()) {
                out.i64(d);
            }
            out.i32(t.type().id());
            out.i64(offset);
            offset = GgufReader.alignUp(offset + t.bytes(), alignment);
        }
        return out.toByteArray();
    }

    private static void writeArray(Out out, GgufValueType elem, List<?> values) {
        out.i32(elem.id());
        out.i64(values.size());
        for (Object v : values) {
            if (elem == GgufValueType.ARRAY) {
                List<?> inner = (List<?>) v;
                writeArray(out, elementTypeOf(inner.getFirst(), "nested array"), inner);
            } else {
                writeScalar(out, elem, v);
            }
        }
    }

    private static void writeScalar(Out out, GgufValueType type, Object v) {
        switch (type) {
            case UINT8, INT8 -> out.write(((Number) v).intValue());
            case UINT16, INT16 -> {
                int s = ((Number) v).intValue();
                out.write(s);
                out.write(s >>> 8);
            }
            case UINT32, INT32 -> out.i32(((Number) v).intValue());
            case UINT64, INT64 -> out.i64(((Number) v).longValue());
            case FLOAT32 -> out.i32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case BOOL -> out.write((Boolean) v ? 1 : 0);
            case STRING -> out.string((String) v);
            case ARRAY -> throw new IllegalStateException("array as scalar");
        }
    }

    private static GgufValueType scalarTypeOf(Object v, String key) {
        return switch (v) {
            case String s -> GgufValueType.STRING;
            case Boolean b -> GgufValueType.BOOL;
            case Integer i -> i < 0 ? GgufValueType.INT32 : GgufValueType.UINT32;
            case Long l -> l < 0 ? GgufValueType.INT64 : GgufValueType.UINT64;
            case Float f -> GgufValueType.FLOAT32;
            case Double d -> GgufValueType.FLOAT64;
            default -> throw new IllegalArgumentException(key + ": unsupported metadata value type " + v.getClass().getName());
        };
    }

    private static GgufValueType elementTypeOf(Object v, String key) {
        return switch (v) {
            case String s -> GgufValueType.STRING;
            case Boolean b -> GgufValueType.BOOL;
            case Integer i -> GgufValueType.INT32;
            case Long l -> GgufValueType.INT64;
            case Float f -> GgufValueType.FLOAT32;
            case Double d -> GgufValueType.FLOAT64;
            case List<?> l -> GgufValueType.ARRAY;
            case null -> throw new IllegalArgumentException(key + ": null array element");
            default -> throw new IllegalArgumentException(key + ": unsupported array element type " + v.getClass().getName());
        };
    }

    private static void checkScalar(String key, GgufValueType type, Object v) {
        boolean ok = switch (type) {
            case STRING -> v instanceof String;
            case BOOL -> v instanceof Boolean;
            case FLOAT32, FLOAT64 -> v instanceof Float || v instanceof Double;
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 ->
                    v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte;
            case ARRAY -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException(key + ": value " + v + " cannot be stored as " + type);
        }
    }

    private long pad(FileChannel ch, long pos) throws IOException {
        long aligned = GgufReader.alignUp(pos, alignment);
        if (aligned > pos) {
            writeFully(ch, ByteBuffer.allocate((int) (aligned - pos)));
        }
        return aligned;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Little-endian byte sink for the header. */
    private static final class Out extends ByteArrayOutputStream {
        Out() {
            super(1 << 16);
        }

        void i32(int v) {
            write(v);
            write(v >>> 8);
            write(v >>> 16);
            write(v >>> 24);
        }

        void i64(long v) {
            i32((int) v);
            i32((int) (v >>> 32));
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            write(b, 0, b.length);
        }
    }
}
