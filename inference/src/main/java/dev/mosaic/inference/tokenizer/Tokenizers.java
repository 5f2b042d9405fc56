package dev.mosaic.inference.tokenizer;

import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Creates tokenizers from the files models come with. Errors name the file, the key and the reason.
 *
 * <p>Stateless (static methods only); thread-safe.
 */
public final class Tokenizers {

    private static final Path GGUF_METADATA = Path.of("<GGUF metadata>");

    private Tokenizers() {}

    /**
     * From GGUF metadata ({@code tokenizer.ggml.model} {@code "llama"} or {@code "gpt2"}).
     *
     * @throws ModelFormatException when keys are missing or inconsistent
     */
    public static Tokenizer fromGguf(Map<String, Object> metadata) {
        return fromGguf(metadata, GGUF_METADATA);
    }

    /** As {@link #fromGguf(Map)}, naming {@code file} in errors. */
    public static Tokenizer fromGguf(Map<String, Object> metadata, Path file) {
        Objects.requireNonNull(metadata, "metadata");
        return GgufTokenizers.load(metadata, file);
    }

    /**
     * From a Hugging Face {@code tokenizer.json} (BPE model). BOS/EOS and the chat template are
     * read from {@code tokenizer_config.json}, {@code config.json} and
     * {@code generation_config.json} in the same directory when present.
     *
     * @throws ModelFormatException when the file is unreadable, malformed or uses unsupported parts
     */
    public static Tokenizer fromTokenizerJson(Path file) {
        return TokenizerJson.load(file, null);
    }

    /**
     * The tokenizer of a loaded model: from its GGUF metadata, or from the {@code tokenizer.json}
     * in the directory of a safetensors model.
     *
     * @throws ModelFormatException when the model has no tokenizer we can read, or its
     *     {@code tokenizer.json} has ids beyond the model's vocabulary
     */
    public static Tokenizer forModel(Model model) {
        Map<String, Object> metadata = model.metadata();
        if (metadata.containsKey(GgufTokenizers.MODEL)) {
            return fromGguf(metadata, model.source());
        }
        Path source = model.source();
        Path dir = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
        Path json = dir == null ? null : dir.resolve("tokenizer.json");
        if (json == null || !Files.isRegularFile(json)) {
            throw new ModelFormatException(source, "tokenizer",
                    "no tokenizer.ggml.* metadata and no tokenizer.json next to the model");
        }
        Tokenizer tokenizer = TokenizerJson.load(json, model.config().architecture());
        // A token the embedding has no row for would fail only when it first appears in a prompt.
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new ModelFormatException(json, "model.vocab", "token ids run up to " + (tokenizer.vocabSize() - 1)
                    + " but the model " + source + " has a vocabulary of " + model.config().vocabSize());
        }
        return tokenizer;
    }
}
