package dev.mosaic.server;

import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The models a server knows: the loaded ones (answering requests) and the ones it was told about
 * but has unloaded (they can be loaded again by name). Loading checks memory first: the weights
 * (file size; they are memory-mapped) plus the KV cache of every loaded model must stay within
 * the budget. Thread-safe; loads and unloads are serialised.
 */
final class ModelRegistry implements AutoCloseable {

    /** A model as {@code /v1/models} and {@code /models} list it. */
    record Entry(String name, Path path, boolean loaded, long createdEpochSeconds) {}

    private final ServerConfig config;
    private final EngineConfig engineConfig;
    private final Map<String, Path> known = new LinkedHashMap<>();
    private final Map<String, ServedModel> loaded = new LinkedHashMap<>();

    ModelRegistry(ServerConfig config, EngineConfig engineConfig) {
        this.config = config;
        this.engineConfig = engineConfig;
    }

    /** The served name of a model file: its file name without extension. */
    static String defaultName(Path path) {
        String f = path.getFileName().toString();
        int dot = f.lastIndexOf('.');
        return dot > 0 ? f.substring(0, dot) : f;
    }

    synchronized Optional<ServedModel> find(String name) {
        return Optional.ofNullable(loaded.get(name));
    }

    synchronized List<ServedModel> loaded() {
        return List.copyOf(loaded.values());
    }

    synchronized List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (var e : known.entrySet()) {
            ServedModel m = loaded.get(e.getKey());
            out.add(new Entry(e.getKey(), e.getValue(), m != null, m != null ? m.createdEpochSeconds() : 0));
        }
        return out;
    }

    /** Memory of all loaded models. */
    synchronized long usedBytes() {
        long sum = 0;
        for (ServedModel m : loaded.values()) {
            sum += m.memoryBytes();
        }
        return sum;
    }

    /**
     * Loads {@code path} (or, when {@code path} is null, the file this name was known by) under
     * {@code name}. Refuses with 400 naming the field when the name is taken, the file is unknown
     * or unreadable, or it does not fit the memory budget next to the models already loaded.
     */
    synchronized ServedModel load(String name, Path path) {
        if (name == null || name.isBlank()) {
            throw ApiException.badField("model", "'model' must be a non-empty string");
        }
        if (loaded.containsKey(name)) {
            throw ApiException.badRequest("model", "model_already_loaded", "Model '" + name + "' is already loaded");
        }
        Path p = path != null ? path : known.get(name);
        if (p == null) {
            throw new ApiException(404, "invalid_request_error", "model", "model_not_found",
                    "No model is known as '" + name + "': give its file in 'path'", 0);
        }
        if (!Files.exists(p)) {
            throw ApiException.badField("path", "Model file " + p + " does not exist");
        }
        long weights = fileBytes(p);
        Model model;
        try {
            model = ModelLoader.open(p);
        } catch (RuntimeException e) {
            throw ApiException.badField("path", "Cannot open model " + p + ": " + e.getMessage());
        }
        long kv;
        try {
            kv = ServedModel.plannedKvBytes(model.config(), engineConfig);
        } catch (RuntimeException e) {
            model.close();
            throw ApiException.badField("path", "Model " + p + ": " + e.getMessage());
        }
        long used = usedBytes();
        if (used + weights + kv > config.memoryBudgetBytes()) {
            model.close();
            throw ApiException.badRequest("model", "insufficient_memory", String.format(Locale.ROOT,
                    "Model '%s' needs %.3f GiB (%.3f GiB weights + %.3f GiB KV cache) but only %.3f GiB of the %.3f GiB budget"
                            + " are free (%d models loaded): unload one first", name, gib(weights + kv), gib(weights), gib(kv),
                    gib(config.memoryBudgetBytes() - used), gib(config.memoryBudgetBytes()), loaded.size()));
        }
        ServedModel m;
        try {
            m = ServedModel.start(name, p, model, weights, engineConfig);
        } catch (RuntimeException e) {
            throw ApiException.badField("path", "Model " + p + " cannot be served: " + e.getMessage());
        }
        known.put(name, p);
        loaded.put(name, m);
        return m;
    }

    /**
     * Unloads a model: new requests for it get 404 at once, those in flight finish (up to the
     * drain timeout), then its engine and weights are freed. Returns false when it was not loaded.
     */
    boolean unload(String name) {
        ServedModel m;
        synchronized (this) {
            m = loaded.remove(name);
        }
        if (m == null) {
            return false;
        }
        m.drain(config.drainTimeout());
        m.close();
        return true;
    }

    /** Drains every model (bounded by the drain timeout in all), returning how many requests had to be cancelled. */
    int drainAll() {
        List<ServedModel> models = loaded();
        for (ServedModel m : models) {
            m.stopAdmitting();
        }
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        int cancelled = 0;
        for (ServedModel m : models) {
            cancelled += m.drain(java.time.Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        return cancelled;
    }

    @Override
    public synchronized void close() {
        RuntimeException first = null;
        for (ServedModel m : loaded.values()) {
            try {
                m.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        loaded.clear();
        if (first != null) {
            throw first;
        }
    }

    private static long fileBytes(Path p) {
        try {
            if (!Files.isDirectory(p)) {
                return Files.size(p);
            }
            try (Stream<Path> files = Files.walk(p)) {
                return files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".safetensors"))
                        .mapToLong(f -> {
                            try {
                                return Files.size(f);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }).sum();
            }
        } catch (IOException | UncheckedIOException e) {
            throw ApiException.badField("path", "Cannot read " + p + ": " + e.getMessage());
        }
    }

    private static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }
}
