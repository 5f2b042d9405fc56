package dev.mosaic.inference.model;

import dev.mosaic.inference.model.gguf.GgufModel;
import dev.mosaic.inference.model.gguf.GgufReader;
import dev.mosaic.inference.model.safetensors.SafetensorsModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a model file or directory, whichever format it is in.
 *
 * <p>Stateless (static methods only); thread-safe.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /**
     * Opens {@code path}: a GGUF file (recognised by its magic), a Hugging Face model directory
     * (config.json with model.safetensors or model.safetensors.index.json), a {@code .safetensors}
     * file or a shard index json. The caller owns the model and closes it.
     *
     * @throws ModelFormatException if the path is missing, unrecognised or malformed
     */
    public static Model open(Path path) {
        return open(path, true);
    }

    /**
     * Like {@link #open(Path)}, with the weights mapped ({@code mmap}, the default) or read into
     * memory owned by the model ({@code false}: a file overwritten in place afterwards cannot
     * affect it; see {@link ModelFiles}).
     */
    public static Model open(Path path, boolean mmap) {
        if (!Files.exists(path)) {
            throw new ModelFormatException(path, "path", "does not exist");
        }
        if (Files.isDirectory(path)) {
            return SafetensorsModel.open(path, mmap);
        }
        if (!Files.isRegularFile(path)) {
            throw new ModelFormatException(path, "path", "not a regular file or directory (a FIFO or device would block)");
        }
        String name = path.getFileName().toString();
        if (isGguf(path)) {
            return GgufModel.open(path, mmap);
        }
        if (name.endsWith(".safetensors") || name.endsWith(".json")) {
            return SafetensorsModel.open(path, mmap);
        }
        if (name.endsWith(".gguf")) {
            return GgufModel.open(path, mmap); // reports the bad magic
        }
        throw new ModelFormatException(path, "format", "not a GGUF file, a .safetensors file, an index json or a model directory");
    }

    private static boolean isGguf(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() == GgufReader.MAGIC;
        } catch (IOException e) {
            throw new ModelFormatException(file, "file", "cannot read: " + e.getMessage(), e);
        }
    }
}
