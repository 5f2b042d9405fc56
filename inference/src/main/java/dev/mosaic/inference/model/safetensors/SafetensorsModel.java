package dev.mosaic.inference.model.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.model.ModelReferences;
import dev.mosaic.inference.model.ModelShapes;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face {@code LlamaForCausalLM} / {@code Qwen2ForCausalLM} model: {@code config.json}
 * plus one {@code model.safetensors} or shards listed in {@code model.safetensors.index.json}.
 * Every file is memory-mapped once into one arena owned by the model. Tensors get GGUF's
 * canonical names ({@link HfNames}); q/k rows stay as stored, hence
 * {@link RopeConfig.Layout#HALVES}. Tensors without a canonical name keep their HF name.
 *
 * <p>Thread-safe, as {@link Model} requires: tensors are read-only views and {@link #retain} and {@link
 * #close} are counted under a lock.
 */
public final class SafetensorsModel implements Model {
    /** Name of the shard index file in a model directory. */
    public static final String INDEX = "model.safetensors.index.json";
    /** Name of the single weights file in a model directory. */
    public static final String SINGLE = "model.safetensors";
    public static final String CONFIG = "config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path source;
    private final Arena arena;
    private final ModelConfig config;
    private final Map<String, Object> metadata;
    private final Map<String, Tensor> tensors;
    private final ModelReferences references;

    private final dev.mosaic.inference.model.MappedFileGuard guard;

    private SafetensorsModel(Path source, Arena arena, ModelConfig config, Map<String, Object> metadata,
                             Map<String, Tensor> tensors, dev.mosaic.inference.model.MappedFileGuard guard) {
        this.guard = guard;
        this.source = source;
        this.arena = arena;
        this.config = config;
        this.metadata = metadata;
        this.tensors = tensors;
        this.references = new ModelReferences(source, () -> {
            if (arena.scope().isAlive()) {
                arena.close();
            }
        });
    }

    /**
     * Opens a model from a directory (with {@code config.json} and either the index or
     * {@code model.safetensors}), its {@code config.json}, a {@code .safetensors} file, or an
     * index json; config.json is read from the same directory. The caller owns the model and closes it.
     */
    public static SafetensorsModel open(Path path) {
        return open(path, true);
    }

    /** Opens {@code path} with its weight files mapped ({@code mmap}) or read into memory. */
    public static SafetensorsModel open(Path path, boolean mmap) {
        Path dir;
        Set<Path> files = new LinkedHashSet<>();
        if (Files.isDirectory(path)) {
            dir = path;
            if (Files.exists(dir.resolve(INDEX))) {
                files.addAll(shards(dir.resolve(INDEX)));
            } else if (Files.exists(dir.resolve(SINGLE))) {
                files.add(dir.resolve(SINGLE));
            } else {
                throw new ModelFormatException(dir, SINGLE, "directory has neither " + INDEX + " nor " + SINGLE);
            }
        } else if (path.getFileName().toString().equals(CONFIG)) {
            return open(parent(path), mmap);
        } else if (path.getFileName().toString().endsWith(".json")) {
            dir = parent(path);
            files.addAll(shards(path));
        } else {
            dir = parent(path);
            files.add(path);
        }
        Path configFile = dir.resolve(CONFIG);
        JsonNode configJson = readJson(configFile);
        Map<String, Object> metadata = Collections.unmodifiableMap(
                JSON.convertValue(configJson, new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {}));

        Arena arena = Arena.ofShared();
        try {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Path f : files) {
                SafetensorsFile sf = SafetensorsFile.map(f, arena, mmap);
                for (Map.Entry<String, Tensor> e : sf.tensors().entrySet()) {
                    String name = HfNames.toGguf(e.getKey()).orElse(e.getKey());
                    Tensor t = e.getValue();
                    if (tensors.put(name, new Tensor(name, t.type(), t.shape(), t.data())) != null) {
                        throw new ModelFormatException(f, "tensor " + e.getKey(), "appears in more than one file");
                    }
                }
            }
            ModelConfig config = config(configFile, configJson, tensors.containsKey("output.weight"));
            ModelShapes.validate(dir, config, tensors);
            return new SafetensorsModel(dir, arena, config, metadata, Collections.unmodifiableMap(tensors),
                    mmap ? dev.mosaic.inference.model.MappedFileGuard.of(java.util.List.copyOf(files))
                            : dev.mosaic.inference.model.MappedFileGuard.NONE);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The config.json field the head dimension comes from: {@code head_dim} if present, else hidden_size / num_attention_heads. */
    public static String headDimField(JsonNode config) {
        return config.has("head_dim") ? "head_dim" : "hidden_size / num_attention_heads";
    }

    /**
     * Reads hyper-parameters from a parsed {@code config.json}. {@code hasLmHead} tells whether
     * the weights include {@code lm_head.weight}; without it the embeddings are used tied.
     */
    public static ModelConfig config(Path configFile, JsonNode j, boolean hasLmHead) {
        Cfg c = new Cfg(configFile, j);
        String archClass = j.path("architectures").path(0).asText("");
        String modelType = j.path("model_type").asText("");
        String arch = architecture(archClass, modelType);
        if (arch == null) {
            throw new ModelFormatException(configFile, "architectures", unsupportedArchitecture(archClass, modelType));
        }
        int dim = c.integer("hidden_size");
        int layers = c.integer("num_hidden_layers");
        int heads = c.integer("num_attention_heads");
        if (heads <= 0) {
            throw new ModelFormatException(configFile, "num_attention_heads", "must be positive");
        }
        int kvHeads = c.integerOr("num_key_value_heads", heads);
        int headDim = c.integerOr("head_dim", dim / heads);
        ModelShapes.checkHeadDim(configFile, headDimField(j), headDim);
        int ffn = c.integer("intermediate_size");
        int vocab = c.integer("vocab_size");
        int ctx = c.integerOr("max_position_embeddings", 2048);
        float eps = (float) c.number("rms_norm_eps", 1e-6);
        float theta = (float) c.number("rope_theta", 10000.0);
        RopeConfig.Llama3Scaling scaling = null;
        JsonNode rs = j.get("rope_scaling");
        if (rs != null && !rs.isNull()) {
            String type = rs.path("rope_type").asText(rs.path("type").asText(""));
            if (!type.equals("llama3")) {
                throw new ModelFormatException(configFile, "rope_scaling", "rope scaling type \"" + type
                        + "\" is not supported (only llama3)");
            }
            Cfg s = new Cfg(configFile, rs);
            scaling = new RopeConfig.Llama3Scaling((float) s.number("factor", Double.NaN),
                    (float) s.number("low_freq_factor", Double.NaN), (float) s.number("high_freq_factor", Double.NaN),
                    s.integer("original_max_position_embeddings"));
            if (!(scaling.factor() > 0) || !(scaling.lowFreqFactor() > 0) || !(scaling.highFreqFactor() > scaling.lowFreqFactor())) {
                throw new ModelFormatException(configFile, "rope_scaling", "needs factor > 0 and high_freq_factor > low_freq_factor > 0, got "
                        + scaling);
            }
        }
        boolean tieFlag = j.path("tie_word_embeddings").asBoolean(false);
        if (!tieFlag && !hasLmHead) {
            throw new ModelFormatException(configFile, "lm_head.weight", "tensor is missing and tie_word_embeddings is not set");
        }
        boolean bias = arch.equals("qwen2") || j.path("attention_bias").asBoolean(false);
        JsonNode window = j.get("sliding_window");
        boolean windowUsed = window != null && !window.isNull()
                && (!arch.startsWith("qwen") || j.path("use_sliding_window").asBoolean(false));
        if (windowUsed) {
            // Mistral 7B v0.1: attention sees only the last sliding_window positions. Within that many
            // positions it equals full causal attention, so the context is capped there rather than
            // computing something else past it.
            int w = c.integer("sliding_window");
            if (w <= 0) {
                throw new ModelFormatException(configFile, "sliding_window", "must be positive or null, got " + w);
            }
            ctx = Math.min(ctx, w);
        }
        ModelConfig cfg = new ModelConfig(arch, dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, eps,
                new RopeConfig(theta, RopeConfig.Layout.HALVES, scaling, null), bias, !hasLmHead, arch.equals("qwen3"));
        ModelShapes.validateConfig(configFile, cfg);
        return cfg;
    }

    /** The {@code architectures[0]} / {@code model_type} pairs this engine runs, mapped to our architecture name. */
    private static final Map<String, String> ARCHITECTURE_CLASSES = Map.of("LlamaForCausalLM", "llama",
            "MistralForCausalLM", "mistral", "Qwen2ForCausalLM", "qwen2", "Qwen3ForCausalLM", "qwen3");

    /**
     * Our architecture name for a config's {@code architectures[0]} (or, when that is absent, its
     * {@code model_type}), or {@code null} when the engine does not run it.
     */
    public static String architecture(String archClass, String modelType) {
        if (!archClass.isEmpty()) {
            return ARCHITECTURE_CLASSES.get(archClass);
        }
        return ARCHITECTURE_CLASSES.containsValue(modelType) ? modelType : null;
    }

    /** The one-line reason a config's architecture is refused. */
    public static String unsupportedArchitecture(String archClass, String modelType) {
        return "unsupported architecture \"" + archClass + "\" (model_type \"" + modelType + "\"); supported: "
                + String.join(", ", new java.util.TreeSet<>(ARCHITECTURE_CLASSES.keySet()));
    }

    private static Path parent(Path p) {
        Path parent = p.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    /** The shard files an index json lists, checked to exist inside its directory. */
    public static Set<Path> shards(Path index) {
        JsonNode j = readJson(index);
        JsonNode map = j.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new ModelFormatException(index, "weight_map", "missing or empty");
        }
        Path dir = parent(index).toAbsolutePath().normalize();
        Set<Path> files = new LinkedHashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Path f = dir.resolve(e.getValue().asText()).normalize();
            if (!e.getValue().isTextual() || !f.startsWith(dir) || f.equals(dir)) {
                throw new ModelFormatException(index, "weight_map." + e.getKey(), "invalid shard file name " + e.getValue());
            }
            if (!Files.isRegularFile(f)) {
                throw new ModelFormatException(index, "weight_map." + e.getKey(), "shard " + f.getFileName() + " does not exist");
            }
            files.add(f);
        }
        return files;
    }

    /** A JSON object file, or {@link ModelFormatException} naming it. */
    public static JsonNode readJson(Path file) {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new ModelFormatException(file, "file", "not a regular file (a FIFO or device would block)");
        }
        try {
            JsonNode j = JSON.readTree(Files.readString(file));
            if (j == null || !j.isObject()) {
                throw new ModelFormatException(file, "json", "expected a JSON object");
            }
            return j;
        } catch (JacksonException e) {
            throw new ModelFormatException(file, "json", "invalid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(file, "file", "cannot read: " + e, e);
        }
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The parsed {@code config.json}. */
    @Override
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The model directory. */
    @Override
    public Path source() {
        return source;
    }

    @Override
    public boolean isOpen() {
        return references.isOpen();
    }

    @Override
    public Lease retain() {
        return references.retain();
    }

    @Override
    public void close() {
        references.close();
    }

    /** Typed config.json lookups naming the key on failure. */
    private record Cfg(Path file, JsonNode j) {
        int integer(String key) {
            JsonNode v = j.get(key);
            if (v == null || v.isNull()) {
                throw new ModelFormatException(file, key, "missing");
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new ModelFormatException(file, key, "expected an integer, got " + v);
            }
            return v.asInt();
        }

        int integerOr(String key, int dflt) {
            JsonNode v = j.get(key);
            return v == null || v.isNull() ? dflt : integer(key);
        }

        double number(String key, double dflt) {
            JsonNode v = j.get(key);
            if (v == null || v.isNull()) {
                if (Double.isNaN(dflt)) {
                    throw new ModelFormatException(file, key, "missing");
                }
                return dflt;
            }
            if (!v.isNumber()) {
                throw new ModelFormatException(file, key, "expected a number, got " + v);
            }
            return v.asDouble();
        }
    }

    @Override
    public void checkUnchanged() {
        guard.check();
    }
}
