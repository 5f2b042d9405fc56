package dev.mosaic.inference.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.common.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes {@code .safetensors} files (F32, F16, BF16). Shapes are given in GGML order and stored
 * row-major (reversed), as Hugging Face expects. Tensor bytes are asked for one at a time while
 * streaming into a temporary file beside the target, which is then atomically moved into place.
 *
 * <p>Not thread-safe: a builder for one thread (confine it to one thread or synchronize).
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Entry(GgmlType type, long[] shape, Supplier<MemorySegment> data, long bytes) {}

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    /** Adds a {@code __metadata__} string. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor ({@code shape} in GGML order) whose bytes {@code data} produces at write time. */
    public SafetensorsWriter add(String name, GgmlType type, long[] shape, Supplier<MemorySegment> data) {
        if (type != GgmlType.F32 && type != GgmlType.F16 && type != GgmlType.BF16) {
            throw new IllegalArgumentException(name + ": safetensors holds F32, F16 or BF16, not " + type);
        }
        if (tensors.containsKey(name) || name.equals("__metadata__")) {
            throw new IllegalArgumentException("duplicate or reserved tensor name " + name);
        }
        long elements = 1;
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException(name + ": non-positive dimension in " + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, d);
        }
        tensors.put(name, new Entry(type, shape.clone(), data, type.byteSize(elements)));
        return this;
    }

    /** Total bytes of tensor data added so far. */
    public long dataBytes() {
        return tensors.values().stream().mapToLong(Entry::bytes).sum();
    }

    /** Writes the file (temporary file, then atomic move) and returns it. */
    public Path write(Path file) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            Entry en = e.getValue();
            t.put("dtype", en.type().name());
            ArrayNode shape = t.putArray("shape");
            for (int i = en.shape().length - 1; i >= 0; i--) {
                shape.add(en.shape()[i]);
            }
            ArrayNode offs = t.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + en.bytes());
            offset += en.bytes();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // keeps the data 8-byte aligned, as the reference writer does
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();

        try {
            return AtomicFiles.writeChannel(file, ch -> {
                writeFully(ch, head);
                for (Map.Entry<String, Entry> e : tensors.entrySet()) {
                    MemorySegment data = e.getValue().data().get();
                    if (data.byteSize() != e.getValue().bytes()) {
                        throw new IllegalArgumentException("tensor " + e.getKey() + ": " + data.byteSize() + " bytes supplied, "
                                + e.getValue().bytes() + " expected");
                    }
                    for (long off = 0; off < data.byteSize(); off += 1 << 30) {
                        writeFully(ch, data.asSlice(off, Math.min(1L << 30, data.byteSize() - off)).asByteBuffer());
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    /**
     * Writes {@code model.safetensors.index.json} mapping each tensor name to its shard file name
     * (temporary file, then atomic move).
     */
    public static Path writeIndex(Path dir, Map<String, String> weightMap, long totalSize) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        weightMap.forEach(map::put);
        Path index = dir.resolve(SafetensorsModel.INDEX);
        try {
            return AtomicFiles.writeString(index, root.toPrettyString());
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + index, e);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
