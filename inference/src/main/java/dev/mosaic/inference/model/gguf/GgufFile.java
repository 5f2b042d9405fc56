package dev.mosaic.inference.model.gguf;

import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed, memory-mapped GGUF file: metadata, tensor infos and one {@link MemorySegment}
 * mapping the whole file, of which every tensor is a slice. Closing it unmaps the file.
 * Created by {@link GgufReader#open(Path)}.
 *
 * <p>Thread-safe for reading: metadata and tensor infos are unmodifiable and the mapping is read-only in a
 * shared arena. Close it once, when no thread reads it any more.
 */
public final class GgufFile implements AutoCloseable {
    private final Path path;
    private final int version;
    private final Map<String, Object> metadata;
    private final List<GgufTensorInfo> tensorInfos;
    private final long alignment;
    private final long dataOffset;
    private final Arena arena;
    private final MemorySegment mapped;
    private final Map<String, Tensor> tensors;

    GgufFile(Path path, int version, Map<String, Object> metadata, List<GgufTensorInfo> tensorInfos, long alignment,
             long dataOffset, Arena arena, MemorySegment mapped) {
        this.path = path;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensorInfos = List.copyOf(tensorInfos);
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.arena = arena;
        this.mapped = mapped;
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (GgufTensorInfo info : tensorInfos) {
            MemorySegment slice = mapped.asSlice(dataOffset + info.offset(), info.byteSize());
            byName.put(info.name(), new Tensor(info.name(), info.type(), info.shape(), slice));
        }
        this.tensors = Collections.unmodifiableMap(byName);
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** GGUF version (2 or 3). */
    public int version() {
        return version;
    }

    /**
     * Metadata in file order: {@code Long} for integers, {@code Double} for floats, {@code Boolean}, {@code String},
     * {@code List}; a list of more than 4096 numbers (or strings the tokenizer does not need) is a {@link GgufArray}
     * view of the file, readable while this file is open.
     */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensorInfos() {
        return tensorInfos;
    }

    /** Tensors by name, as zero-copy slices of the mapping. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** Alignment of tensor data ({@code general.alignment}, default 32). */
    public long alignment() {
        return alignment;
    }

    /** File offset where the data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    /** The whole file, mapped read-only. */
    public MemorySegment mapped() {
        return mapped;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
