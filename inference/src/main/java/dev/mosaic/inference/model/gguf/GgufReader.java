package dev.mosaic.inference.model.gguf;

import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads GGUF v2/v3 files: header, metadata (every value type, nested arrays), tensor infos and
 * the data section, memory-mapping the file once. Every offset, count and size is checked
 * against the file before use; a malformed file raises {@link ModelFormatException} naming the
 * file and the field or tensor.
 *
 * <p>Stateless (static methods only); thread-safe.
 */
public final class GgufReader {
    /** "GGUF" read as a little-endian uint32. */
    public static final int MAGIC = 0x46554747;
    public static final long DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;
    /** Longest metadata string accepted (chat templates and tokens are far shorter). */
    private static final long MAX_STRING = 1L << 28;
    /**
     * Arrays longer than this are kept as {@link GgufArray} views of the file instead of lists of
     * boxed values (about 20 heap bytes per file byte for a uint8 array): numbers always, strings
     * unless the tokenizer reads them whole anyway ({@link #MATERIALISED}).
     */
    static final int VIEW_THRESHOLD = 4096;
    /** String arrays the tokenizer reads every element of: built as lists while parsing. */
    private static final Set<String> MATERIALISED = Set.of("tokenizer.ggml.tokens", "tokenizer.ggml.merges");

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GgufReader() {}

    /** Maps and parses {@code file}. The caller owns the result and closes it. */
    public static GgufFile open(Path file) {
        return open(file, true);
    }

    /** Maps ({@code mmap}) or reads ({@link dev.mosaic.inference.model.ModelFiles}) and parses {@code file}. */
    public static GgufFile open(Path file, boolean mmap) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapped = dev.mosaic.inference.model.ModelFiles.open(file, arena, mmap);
            return (GgufFile) parse(file, mapped, arena, false);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** A tensor-info entry as written, its type only an id (which MOSAIC may not support). */
    public record RawTensorInfo(String name, int typeId, long[] shape) {}

    /**
     * Header, metadata and tensor infos of a GGUF file, read without judging the tensor types. Long
     * arrays in its metadata are {@link GgufArray} views whose elements can no longer be read (the
     * mapping is gone); their size and element type can.
     */
    public record Header(Path path, int version, Map<String, Object> metadata, List<RawTensorInfo> tensors) {}

    /**
     * Reads the header, metadata and tensor infos of {@code file} like {@link #open} but keeps
     * tensors of types MOSAIC does not run (and skips the data-size checks that need a type's
     * geometry), so that a caller can list everything that is unsupported at once. Nothing stays
     * mapped after it returns.
     *
     * @throws ModelFormatException if the file is not a readable GGUF file
     */
    public static Header header(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapped;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            } catch (IOException e) {
                throw new ModelFormatException(file, "file", "cannot read: " + e.getMessage(), e);
            }
            return (Header) parse(file, mapped, arena, true);
        }
    }

    private static Object parse(Path file, MemorySegment mapped, Arena arena, boolean headerOnly) {
        Cursor c = new Cursor(file, mapped);
        c.field = "header.magic";
        int magic = c.i32();
        if (magic != MAGIC) {
            throw new ModelFormatException(file, "header.magic",
                    String.format("not a GGUF file (magic 0x%08x, expected 0x%08x \"GGUF\")", magic, MAGIC));
        }
        c.field = "header.version";
        int version = c.i32();
        if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
            throw new ModelFormatException(file, "header.version", "big-endian GGUF files are not supported");
        }
        if (version != 2 && version != 3) {
            throw new ModelFormatException(file, "header.version", "unsupported GGUF version " + version + " (supported: 2, 3)");
        }
        c.field = "header.tensor_count";
        long tensorCount = c.count(8 + 4 + 8 + 4 + 8);
        c.field = "header.metadata_kv_count";
        long kvCount = c.count(8 + 4);

        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            c.field = "metadata[" + i + "].key";
            String key = c.string();
            c.field = "metadata[" + key + "]";
            GgufValueType type = c.valueType();
            c.materialise = MATERIALISED.contains(key);
            if (metadata.put(key, c.value(type, 0)) != null) {
                throw new ModelFormatException(file, c.field, "duplicate metadata key");
            }
        }

        long alignment = DEFAULT_ALIGNMENT;
        Object al = metadata.get("general.alignment");
        if (al != null) {
            if (!(al instanceof Long a) || a <= 0 || Long.bitCount(a) != 1) {
                throw new ModelFormatException(file, "metadata[general.alignment]",
                        "must be a positive power of two, got " + al);
            }
            alignment = a;
        }

        List<GgufTensorInfo> infos = new ArrayList<>();
        List<RawTensorInfo> raw = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            c.field = "tensor_info[" + i + "].name";
            String name = c.string();
            c.field = "tensor " + name;
            if (!names.add(name)) {
                throw new ModelFormatException(file, c.field, "duplicate tensor name");
            }
            int nDims = c.i32();
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw new ModelFormatException(file, c.field, "n_dims " + Integer.toUnsignedString(nDims) + " is not in 1.." + MAX_DIMS);
            }
            long[] shape = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                shape[d] = c.i64();
                if (shape[d] <= 0) {
                    throw new ModelFormatException(file, c.field, "dimension " + d + " is " + Long.toUnsignedString(shape[d]));
                }
            }
            int typeId = c.i32();
            long offset = c.i64();
            if (headerOnly) {
                raw.add(new RawTensorInfo(name, typeId, shape));
                continue;
            }
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw new ModelFormatException(file, c.field, "tensor type " + GgmlType.describe(typeId)
                        + " is not supported (supported: " + Arrays.toString(GgmlType.values()) + ")");
            }
            if (shape[0] % type.blockSize() != 0) {
                throw new ModelFormatException(file, c.field, "row length " + shape[0] + " is not a multiple of the "
                        + type + " block size " + type.blockSize());
            }
            try {
                long elements = 1;
                for (long d : shape) {
                    elements = Math.multiplyExact(elements, d);
                }
                type.byteSize(elements); // overflow check of the byte size
            } catch (ArithmeticException e) {
                throw new ModelFormatException(file, c.field, "shape " + Arrays.toString(shape) + " overflows", e);
            }
            if (offset < 0 || offset % alignment != 0) {
                throw new ModelFormatException(file, c.field, "data offset " + Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            infos.add(new GgufTensorInfo(name, type, shape, offset));
        }

        if (headerOnly) {
            return new Header(file, version, java.util.Collections.unmodifiableMap(metadata), List.copyOf(raw));
        }
        long dataOffset = alignUp(c.pos, alignment);
        long fileSize = mapped.byteSize();
        for (GgufTensorInfo info : infos) {
            long size = info.byteSize();
            long end = dataOffset + info.offset() + size;
            if (info.offset() > fileSize || size > fileSize || end > fileSize || end < 0) {
                throw new ModelFormatException(file, "tensor " + info.name(), "data [" + (dataOffset + info.offset()) + ", +"
                        + size + ") lies past the end of the file (" + fileSize + " bytes); the file is truncated or corrupt");
            }
        }
        rejectOverlaps(file, infos);
        return new GgufFile(file, version, metadata, infos, alignment, dataOffset, arena, mapped);
    }

    /**
     * Refuses tensors whose data ranges (relative to the data section) share a byte: a changed
     * type or offset would otherwise make two weights read each other's bytes. Sorting by offset
     * makes this O(n log n): a range overlaps an earlier one exactly when it starts before the
     * furthest end seen so far.
     */
    private static void rejectOverlaps(Path file, List<GgufTensorInfo> infos) {
        List<GgufTensorInfo> byOffset = new ArrayList<>(infos);
        byOffset.sort(java.util.Comparator.comparingLong(GgufTensorInfo::offset));
        GgufTensorInfo furthest = null;
        for (GgufTensorInfo t : byOffset) {
            if (furthest != null && t.offset() < furthest.offset() + furthest.byteSize()) {
                throw new ModelFormatException(file, "tensor " + t.name(), "data [" + t.offset() + ", " + (t.offset() + t.byteSize())
                        + ") overlaps the data of tensor " + furthest.name() + " [" + furthest.offset() + ", "
                        + (furthest.offset() + furthest.byteSize()) + ") (offsets in the data section); the file is corrupt");
            }
            if (furthest == null || t.offset() + t.byteSize() > furthest.offset() + furthest.byteSize()) {
                furthest = t;
            }
        }
    }

    /** A metadata string's bytes as text: UTF-8, or, where they are not valid UTF-8, with replacement characters. */
    static String decode(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            // Some vocabularies hold byte sequences that are not valid UTF-8; keep them readable.
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    static long alignUp(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    /** Bounds-checked little-endian reads; {@code field} names what is being read for error messages. */
    private static final class Cursor {
        private final Path file;
        private final MemorySegment seg;
        long pos;
        String field = "header";
        /** Whether the array being read must be a list even when long (see {@link #MATERIALISED}). */
        boolean materialise;

        Cursor(Path file, MemorySegment seg) {
            this.file = file;
            this.seg = seg;
        }

        private void need(long n) {
            if (n < 0 || n > seg.byteSize() - pos) {
                throw new ModelFormatException(file, field, "file is truncated: needs " + Long.toUnsignedString(n)
                        + " bytes at offset " + pos + " but the file has " + seg.byteSize());
            }
        }

        int i32() {
            need(4);
            int v = seg.get(I32, pos);
            pos += 4;
            return v;
        }

        long i64() {
            need(8);
            long v = seg.get(I64, pos);
            pos += 8;
            return v;
        }

        /** A uint64 count of items each at least {@code minBytes} long; must fit in what is left. */
        long count(long minBytes) {
            long n = i64();
            if (n < 0 || n > (seg.byteSize() - pos) / minBytes) {
                throw new ModelFormatException(file, field, "count " + Long.toUnsignedString(n)
                        + " cannot fit in the remaining " + (seg.byteSize() - pos) + " bytes; the file is truncated or corrupt");
            }
            return n;
        }

        String string() {
            long len = i64();
            need(len);
            if (len > MAX_STRING) {
                throw new ModelFormatException(file, field, "string of " + len + " bytes exceeds the limit of " + MAX_STRING);
            }
            byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            return decode(b);
        }

        /** Checks a string's length and steps over it. */
        void skipString() {
            long len = i64();
            need(len);
            if (len > MAX_STRING) {
                throw new ModelFormatException(file, field, "string of " + len + " bytes exceeds the limit of " + MAX_STRING);
            }
            pos += len;
        }

        GgufValueType valueType() {
            int id = i32();
            GgufValueType t = GgufValueType.byId(id);
            if (t == null) {
                throw new ModelFormatException(file, field, "unknown metadata value type " + Integer.toUnsignedString(id));
            }
            return t;
        }

        Object value(GgufValueType type, int depth) {
            return switch (type) {
                case UINT8 -> { need(1); yield (long) (seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF); }
                case INT8 -> { need(1); yield (long) seg.get(ValueLayout.JAVA_BYTE, pos++); }
                case UINT16 -> { need(2); long v = seg.get(I16, pos) & 0xFFFF; pos += 2; yield v; }
                case INT16 -> { need(2); long v = seg.get(I16, pos); pos += 2; yield v; }
                case UINT32 -> Integer.toUnsignedLong(i32());
                case INT32 -> (long) i32();
                case FLOAT32 -> { need(4); double v = seg.get(F32, pos); pos += 4; yield v; }
                case BOOL -> {
                    need(1);
                    int b = seg.get(ValueLayout.JAVA_BYTE, pos++);
                    if (b != 0 && b != 1) {
                        throw new ModelFormatException(file, field, "bool value " + b + " is neither 0 nor 1");
                    }
                    yield b == 1;
                }
                case STRING -> string();
                case UINT64, INT64 -> i64();
                case FLOAT64 -> { need(8); double v = seg.get(F64, pos); pos += 8; yield v; }
                case ARRAY -> {
                    if (depth > 8) {
                        throw new ModelFormatException(file, field, "arrays nested deeper than 8 levels");
                    }
                    GgufValueType elem = valueType();
                    long n = count(elem.minBytes());
                    if (n > VIEW_THRESHOLD && elem != GgufValueType.ARRAY && !(elem == GgufValueType.STRING && materialise)) {
                        yield view(elem, n);
                    }
                    List<Object> list = new ArrayList<>((int) Math.min(n, 1 << 20));
                    for (long i = 0; i < n; i++) {
                        list.add(value(elem, depth + 1));
                    }
                    yield java.util.Collections.unmodifiableList(list);
                }
            };
        }

        /** A long array as a view of the file: checked here as the eager path would check it, decoded on access. */
        private GgufArray view(GgufValueType elem, long n) {
            if (n > Integer.MAX_VALUE) {
                throw new ModelFormatException(file, field, "array of " + n + " elements is longer than a list can be");
            }
            long start = pos;
            if (elem == GgufValueType.STRING) {
                for (long i = 0; i < n; i++) {
                    skipString();
                }
            } else {
                long bytes = n * elem.minBytes(); // count() bounded n by the remaining bytes, so no overflow
                need(bytes);
                if (elem == GgufValueType.BOOL) {
                    for (long i = 0; i < n; i++) {
                        int b = seg.get(ValueLayout.JAVA_BYTE, pos + i);
                        if (b != 0 && b != 1) {
                            throw new ModelFormatException(file, field, "bool value " + b + " is neither 0 nor 1");
                        }
                    }
                }
                pos += bytes;
            }
            return new GgufArray(elem, (int) n, seg.asSlice(start, pos - start));
        }
    }
}
