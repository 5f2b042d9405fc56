package dev.mosaic.cli;

import dev.mosaic.inference.backend.BackendOptions;
import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The model a command runs: a file (GGUF, safetensors directory) or a generated synthetic one.
 * Commands declare it as {@code @ArgGroup(exclusive = true, multiplicity = "1")}.
 */
final class ModelOptions {

    @Option(names = "--model", paramLabel = "M", description = "GGUF file, or safetensors file/directory/index json")
    Path model;

    @Option(names = "--synthetic", paramLabel = "NAME",
            description = "generate a random model instead: bench110m-f32, bench110m-q8_0 (or -f16, -bf16, -q4_0), tiny-llama, tiny-qwen2")
    String synthetic;

    /** Opens the model mapped, generating a synthetic one into {@code scratch} first if asked; bad files become {@link BadInputException}. */
    Model open(Path scratch) {
        return open(scratch, true);
    }

    /** The help text of every command's {@code --no-mmap}. */
    static final String NO_MMAP = "read the weights into memory instead of mapping the file: a file overwritten in place "
            + "while the command runs cannot crash it (mapped, only an atomic replace is safe)";

    /** Like {@link #open(Path)}, the weights mapped ({@code mmap}) or read into memory. */
    Model open(Path scratch, boolean mmap) {
        Path path = model;
        if (synthetic != null) {
            Synthetic s = Synthetic.parse(synthetic);
            path = scratch.resolve(synthetic + ".gguf");
            SyntheticModel.writeGguf(s.config(), s.type(), 42, path);
        }
        try {
            return ModelLoader.open(path, mmap);
        } catch (ModelFormatException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    /** An engine for {@code model}; a model the engine cannot run (no tokenizer, bad shapes) is bad input. */
    static Engine engine(Model model, EngineConfig config, dev.mosaic.inference.tokenizer.Tokenizer tokenizer) {
        try {
            return Engine.create(model, config, tokenizer);
        } catch (ModelFormatException | dev.mosaic.inference.backend.InsufficientMemoryException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    static Engine engine(Model model, EngineConfig config) {
        try {
            return Engine.create(model, config);
        } catch (ModelFormatException | dev.mosaic.inference.backend.InsufficientMemoryException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    /** The engine settings for backend {@code name} ({@code --backend}); an unknown name is bad input. */
    static EngineConfig backend(String name, BackendOptions options) {
        try {
            return EngineConfig.backend(name, options);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--backend: " + e.getMessage(), e);
        }
    }

    /** A named synthetic model: a config and a weight type. */
    record Synthetic(dev.mosaic.inference.model.ModelConfig config, GgmlType type) {
        static Synthetic parse(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.equals("tiny-llama")) {
                return new Synthetic(SyntheticModel.tiny("llama", true), GgmlType.F32);
            }
            if (n.equals("tiny-qwen2")) {
                return new Synthetic(SyntheticModel.tiny("qwen2", true), GgmlType.F32);
            }
            if (n.startsWith("bench110m-")) {
                String t = n.substring("bench110m-".length()).toUpperCase(Locale.ROOT);
                for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
                    if (type.name().equals(t)) {
                        return new Synthetic(SyntheticModel.bench110M(), type);
                    }
                }
            }
            throw new BadInputException("--synthetic: unknown model '" + name
                    + "' (known: bench110m-f32, bench110m-f16, bench110m-bf16, bench110m-q8_0, bench110m-q4_0, tiny-llama, tiny-qwen2)");
        }
    }

    /** A fresh private directory for generated models, deleted by {@link #deleteScratch}. */
    static Path scratch() {
        try {
            return Files.createTempDirectory("mosaic-model");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteScratch(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // Best effort: a leftover temp file is not worth failing the command for.
        }
    }
}
