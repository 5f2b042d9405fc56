package dev.mosaic.inference.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mosaic.inference.model.gguf.GgufModel;
import dev.mosaic.inference.model.gguf.GgufReader;
import dev.mosaic.inference.model.safetensors.SafetensorsFile;
import dev.mosaic.inference.model.safetensors.SafetensorsModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether MOSAIC can run a model file, decided from its header alone (nothing is mapped for
 * longer than the read, no weights are touched, nothing is allocated for inference): one line per
 * unsupported architecture and per unsupported tensor type, all of them at once, where opening the
 * model stops at the first. Stateless and thread-safe.
 */
public final class ModelSupport {
    private ModelSupport() {}

    /**
     * The reasons {@code path} (a GGUF file or a safetensors file, index or directory, as
     * {@link ModelLoader#open} takes) cannot run, one line each; empty when its architecture and
     * every tensor type are supported. A type line names the type, how many tensors have it and
     * the first of them.
     *
     * @throws ModelFormatException if the path is missing or its header is malformed
     */
    public static List<String> problems(Path path) {
        if (!Files.exists(path)) {
            throw new ModelFormatException(path, "path", "does not exist");
        }
        if (!Files.isDirectory(path) && !Files.isRegularFile(path)) {
            throw new ModelFormatException(path, "path", "not a regular file or directory (a FIFO or device would block)");
        }
        if (!Files.isDirectory(path) && (isGguf(path) || path.getFileName().toString().endsWith(".gguf"))) {
            return gguf(path);
        }
        return safetensors(path);
    }

    private static List<String> gguf(Path path) {
        GgufReader.Header h = GgufReader.header(path);
        List<String> out = new ArrayList<>();
        Object arch = h.metadata().get("general.architecture");
        if (!(arch instanceof String a)) {
            out.add("general.architecture: missing or not a string");
        } else if (!GgufModel.ARCHITECTURES.contains(a)) {
            out.add("architecture: " + GgufModel.unsupportedArchitecture(a));
        }
        if (arch instanceof String a && GgufModel.ARCHITECTURES.contains(a)) {
            Map<String, Object> md = h.metadata();
            Object keyLength = md.get(a + ".attention.key_length");
            Object dim = md.get(a + ".embedding_length");
            Object heads = md.get(a + ".attention.head_count");
            long headDim = keyLength instanceof Long k ? k
                    : dim instanceof Long d && heads instanceof Long n && n > 0 ? d / n : 0;
            if (ModelShapes.headDimProblem(headDim) instanceof String problem) {
                out.add(GgufModel.headDimField(a, md) + ": " + problem);
            }
        }
        Map<Integer, List<String>> byType = new LinkedHashMap<>();
        Map<String, List<String>> byRoleProblem = new LinkedHashMap<>();
        for (GgufReader.RawTensorInfo t : h.tensors()) {
            GgmlType type = GgmlType.byId(t.typeId());
            if (type == null) {
                byType.computeIfAbsent(t.typeId(), k -> new ArrayList<>()).add(t.name());
            } else if (ModelShapes.typeProblem(t.name(), type) instanceof String problem) {
                byRoleProblem.computeIfAbsent(problem, k -> new ArrayList<>()).add(t.name());
            }
        }
        byType.forEach((id, names) -> out.add(typeLine(GgmlType.describe(id), names)));
        byRoleProblem.forEach((problem, names) -> out.add("tensor type: " + problem + " (" + names.size()
                + (names.size() == 1 ? " tensor: " : " tensors, first ") + names.getFirst() + ")"));
        return out;
    }

    private static List<String> safetensors(Path path) {
        Path dir;
        List<Path> files = new ArrayList<>();
        String name = path.getFileName().toString();
        if (Files.isDirectory(path)) {
            dir = path;
            if (Files.exists(dir.resolve(SafetensorsModel.INDEX))) {
                files.addAll(SafetensorsModel.shards(dir.resolve(SafetensorsModel.INDEX)));
            } else {
                files.add(dir.resolve(SafetensorsModel.SINGLE));
            }
        } else if (name.equals(SafetensorsModel.CONFIG)) {
            return safetensors(parent(path));
        } else if (name.endsWith(".json")) {
            dir = parent(path);
            files.addAll(SafetensorsModel.shards(path));
        } else {
            dir = parent(path);
            files.add(path);
        }
        List<String> out = new ArrayList<>();
        JsonNode config = SafetensorsModel.readJson(dir.resolve(SafetensorsModel.CONFIG));
        String archClass = config.path("architectures").path(0).asText("");
        String modelType = config.path("model_type").asText("");
        if (SafetensorsModel.architecture(archClass, modelType) == null) {
            out.add("architecture: " + SafetensorsModel.unsupportedArchitecture(archClass, modelType));
        }
        long heads = config.path("num_attention_heads").asLong(0);
        long headDim = config.has("head_dim") ? config.path("head_dim").asLong(0)
                : heads > 0 ? config.path("hidden_size").asLong(0) / heads : 0;
        if (ModelShapes.headDimProblem(headDim) instanceof String problem) {
            out.add(SafetensorsModel.headDimField(config) + ": " + problem);
        }
        Map<String, List<String>> byType = new LinkedHashMap<>();
        for (Path f : files) {
            SafetensorsFile.dtypes(f).forEach((tensor, dtype) -> {
                if (!SafetensorsFile.DTYPES.contains(dtype)) {
                    byType.computeIfAbsent(dtype, k -> new ArrayList<>()).add(tensor);
                }
            });
        }
        byType.forEach((dtype, names) -> out.add(typeLine("dtype " + dtype, names)));
        return out;
    }

    private static String typeLine(String type, List<String> names) {
        return "tensor type: " + type + " is not supported (" + names.size() + (names.size() == 1 ? " tensor: " : " tensors, first ")
                + names.getFirst() + ")";
    }

    private static Path parent(Path p) {
        Path parent = p.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
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
