package dev.mosaic.inference.model.safetensors;

import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One memory-mapped {@code .safetensors} file: an 8-byte little-endian header length, a JSON
 * header ({@code name -> {dtype, shape, data_offsets}}, optional {@code __metadata__}) and the
 * data. Tensors keep their file names and get GGML-order shapes (the row-major shape
 * reversed); their data are slices of the one mapping, which lives as long as the arena given
 * to {@link #map}.
 *
 * <p>Thread-safe for reading: the maps are unmodifiable and the tensors are read-only slices; it lives as
 * long as the arena it was mapped into.
 *
 * @param path the file
 * @param metadata the {@code __metadata__} strings
 * @param tensors tensors by their name in the file
 */
public record SafetensorsFile(Path path, Map<String, String> metadata, Map<String, Tensor> tensors) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Upper bound on the JSON header, as in the reference implementation. */
    static final long MAX_HEADER = 100L << 20;

    /**
     * The dtype string of every tensor in {@code file}'s JSON header (by tensor name, file order),
     * read without mapping the data or judging the dtypes.
     *
     * @throws ModelFormatException if the header cannot be read or is not a JSON object
     */
    public static Map<String, String> dtypes(Path file) {
        JsonNode header;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(len, 0) != 8) {
                throw new ModelFormatException(file, "header length", "file is truncated: a safetensors file starts with 8 bytes");
            }
            long headerLen = len.getLong(0);
            if (headerLen < 2 || headerLen > ch.size() - 8 || headerLen > MAX_HEADER) {
                throw new ModelFormatException(file, "header length", "header length " + Long.toUnsignedString(headerLen)
                        + " lies past the end of the file (" + ch.size() + " bytes) or exceeds " + MAX_HEADER);
            }
            java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate((int) headerLen);
            while (h.hasRemaining() && ch.read(h, 8 + h.position()) > 0) {
                // read the whole header
            }
            header = JSON.readTree(new String(h.array(), 0, h.position(), StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new ModelFormatException(file, "header", "invalid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(file, "file", "cannot read: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new ModelFormatException(file, "header", "expected a JSON object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        header.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("__metadata__")) {
                out.put(e.getKey(), e.getValue().path("dtype").asText("?"));
            }
        });
        return out;
    }

    /** The dtypes {@link #map} accepts, as safetensors spells them. */
    public static final java.util.Set<String> DTYPES = java.util.Set.of("F32", "F16", "BF16");

    /** Maps {@code file} into {@code arena} and parses its header. */
    public static SafetensorsFile map(Path file, Arena arena) {
        return map(file, arena, true);
    }

    /** Maps ({@code mmap}) or reads {@code file} into {@code arena} and parses its header. */
    public static SafetensorsFile map(Path file, Arena arena, boolean mmap) {
        MemorySegment mapped = dev.mosaic.inference.model.ModelFiles.open(file, arena, mmap);
        long size = mapped.byteSize();
        if (size < 8) {
            throw new ModelFormatException(file, "header length", "file is truncated: " + size + " bytes, a safetensors file starts with 8");
        }
        long headerLen = mapped.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 2 || headerLen > size - 8 || headerLen > MAX_HEADER) {
            throw new ModelFormatException(file, "header length", "header length " + Long.toUnsignedString(headerLen)
                    + " lies past the end of the file (" + size + " bytes) or exceeds " + MAX_HEADER);
        }
        byte[] headerBytes = mapped.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header;
        try {
            header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new ModelFormatException(file, "header", "invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new ModelFormatException(file, "header", "expected a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw new ModelFormatException(file, "__metadata__", "expected an object of strings");
                }
                v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(name, tensor(file, name, v, mapped, dataStart, dataSize));
        }
        rejectOverlaps(file, tensors, mapped.address() + dataStart);
        return new SafetensorsFile(file, Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors));
    }

    /**
     * Refuses tensors whose {@code data_offsets} share a byte (O(n log n): sorted by start, a range
     * overlaps an earlier one exactly when it starts before the furthest end seen so far).
     */
    private static void rejectOverlaps(Path file, Map<String, Tensor> tensors, long dataAddress) {
        java.util.List<Tensor> byStart = new java.util.ArrayList<>(tensors.values());
        byStart.sort(java.util.Comparator.comparingLong(t -> t.data().address()));
        Tensor furthest = null;
        for (Tensor t : byStart) {
            long begin = t.data().address() - dataAddress;
            if (furthest != null && begin < furthest.data().address() - dataAddress + furthest.data().byteSize()) {
                long fb = furthest.data().address() - dataAddress;
                throw new ModelFormatException(file, "tensor " + t.name() + ".data_offsets", "[" + begin + ", "
                        + (begin + t.data().byteSize()) + ") overlaps the data of tensor " + furthest.name() + " [" + fb + ", "
                        + (fb + furthest.data().byteSize()) + "); the file is corrupt");
            }
            if (furthest == null || t.data().address() + t.data().byteSize() > furthest.data().address() + furthest.data().byteSize()) {
                furthest = t;
            }
        }
    }

    private static Tensor tensor(Path file, String name, JsonNode v, MemorySegment mapped, long dataStart, long dataSize) {
        String field = "tensor " + name;
        if (!v.isObject()) {
            throw new ModelFormatException(file, field, "expected an object with dtype, shape, data_offsets");
        }
        JsonNode dtypeNode = v.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new ModelFormatException(file, field + ".dtype", "missing or not a string");
        }
        GgmlType type = switch (dtypeNode.asText()) {
            case "F32" -> GgmlType.F32;
            case "F16" -> GgmlType.F16;
            case "BF16" -> GgmlType.BF16;
            default -> throw new ModelFormatException(file, field + ".dtype",
                    "unsupported dtype " + dtypeNode.asText() + " (supported: F32, F16, BF16)");
        };
        JsonNode shapeNode = v.get("shape");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() > 4) {
            throw new ModelFormatException(file, field + ".shape", "missing, not an array, or more than 4 dimensions");
        }
        int n = shapeNode.size();
        long[] shape = new long[Math.max(n, 1)];
        shape[0] = 1;
        long elements = 1;
        for (int i = 0; i < n; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() <= 0) {
                throw new ModelFormatException(file, field + ".shape", "dimension " + i + " is " + d + ", expected a positive integer");
            }
            shape[n - 1 - i] = d.asLong(); // row-major -> GGML order
            try {
                elements = Math.multiplyExact(elements, d.asLong());
            } catch (ArithmeticException ex) {
                throw new ModelFormatException(file, field + ".shape", "overflows", ex);
            }
        }
        JsonNode offs = v.get("data_offsets");
        if (offs == null || !offs.isArray() || offs.size() != 2 || !offs.get(0).canConvertToLong() || !offs.get(1).canConvertToLong()
                || !offs.get(0).isIntegralNumber() || !offs.get(1).isIntegralNumber()) {
            throw new ModelFormatException(file, field + ".data_offsets", "expected [begin, end]");
        }
        long begin = offs.get(0).asLong();
        long end = offs.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new ModelFormatException(file, field + ".data_offsets", "[" + begin + ", " + end + ") lies outside the data section of "
                    + dataSize + " bytes; the file is truncated or corrupt");
        }
        long expected;
        try {
            expected = type.byteSize(elements);
        } catch (ArithmeticException ex) {
            throw new ModelFormatException(file, field + ".shape", "byte size overflows", ex);
        }
        if (end - begin != expected) {
            throw new ModelFormatException(file, field, "dtype/shape mismatch: " + (end - begin) + " bytes of data but "
                    + type + " " + shapeNode + " needs " + expected);
        }
        return new Tensor(name, type, shape, mapped.asSlice(dataStart + begin, end - begin));
    }
}
