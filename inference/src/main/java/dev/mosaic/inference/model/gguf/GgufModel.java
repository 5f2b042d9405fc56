package dev.mosaic.inference.model.gguf;

import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.model.ModelReferences;
import dev.mosaic.inference.model.ModelShapes;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Quantization;
import dev.mosaic.inference.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code llama}, {@code mistral3}, {@code qwen2} or {@code qwen3} model read from a GGUF file.
 * Hyper-parameters come from the {@code <arch>.*} metadata keys (Mistral-style files: llama with
 * {@code attention.key_length} differing from {@code embedding_length / head_count}); llama and
 * mistral3 files use {@link RopeConfig.Layout#INTERLEAVED} (their converter permuted q/k rows), the
 * qwen family {@link RopeConfig.Layout#HALVES}. Every tensor the
 * config needs is checked for presence and shape when the model is opened.
 *
 * <p>Thread-safe, as {@link Model} requires: tensors are read-only views and {@link #retain} and {@link
 * #close} are counted under a lock.
 */
public final class GgufModel implements Model {
    /**
     * The {@code general.architecture} values this engine runs: the llama graph, optionally with
     * q/k/v biases (qwen2) or per-head q/k RMSNorm (qwen3). {@code mistral3} is the llama graph
     * too; its files that use YaRN rope scaling or attention temperature scaling are refused.
     */
    public static final java.util.Set<String> ARCHITECTURES = java.util.Set.of("llama", "mistral3", "qwen2", "qwen3");

    /** The one-line reason an architecture is refused. */
    public static String unsupportedArchitecture(String arch) {
        return "unsupported architecture \"" + arch + "\" (supported: " + String.join(", ", new java.util.TreeSet<>(ARCHITECTURES)) + ")";
    }

    private final GgufFile file;
    private final ModelConfig config;
    private final ModelReferences references;
    private final dev.mosaic.inference.model.MappedFileGuard guard;

    private GgufModel(GgufFile file, ModelConfig config, dev.mosaic.inference.model.MappedFileGuard guard) {
        this.file = file;
        this.config = config;
        this.guard = guard;
        this.references = new ModelReferences(file.path(), file::close);
    }

    /** Maps and validates a GGUF model file. The caller owns the model and closes it. */
    public static GgufModel open(Path path) {
        return open(path, true);
    }

    /** Opens {@code path} mapped ({@code mmap}) or read into memory. */
    public static GgufModel open(Path path, boolean mmap) {
        GgufFile f = GgufReader.open(path, mmap);
        try {
            ModelConfig c = config(f);
            ModelShapes.validate(path, c, f.tensors());
            return new GgufModel(f, c, mmap ? dev.mosaic.inference.model.MappedFileGuard.of(java.util.List.of(path))
                    : dev.mosaic.inference.model.MappedFileGuard.NONE);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Reads the hyper-parameters of a parsed GGUF file. */
    public static ModelConfig config(GgufFile f) {
        Meta m = new Meta(f);
        String arch = m.string("general.architecture");
        if (!ARCHITECTURES.contains(arch)) {
            throw new ModelFormatException(f.path(), "general.architecture", unsupportedArchitecture(arch));
        }
        double temperatureScale = m.doubleValueOr(arch + ".attention.temperature_scale", 0);
        if (temperatureScale != 0) {
            throw new ModelFormatException(f.path(), arch + ".attention.temperature_scale",
                    "Llama 4 style attention temperature scaling (" + temperatureScale + ") is not supported");
        }
        int dim = m.intValue(arch + ".embedding_length");
        int layers = m.intValue(arch + ".block_count");
        int heads = m.intValue(arch + ".attention.head_count");
        int kvHeads = m.intValueOr(arch + ".attention.head_count_kv", heads);
        int ffn = m.intValue(arch + ".feed_forward_length");
        int ctx = m.intValue(arch + ".context_length");
        float eps = (float) m.doubleValue(arch + ".attention.layer_norm_rms_epsilon");
        float theta = (float) m.doubleValueOr(arch + ".rope.freq_base", 10000.0);
        if (heads <= 0) {
            throw new ModelFormatException(f.path(), arch + ".attention.head_count", "must be positive, got " + heads);
        }
        int headDim = m.intValueOr(arch + ".attention.key_length", dim / heads);
        ModelShapes.checkHeadDim(f.path(), headDimField(arch, f.metadata()), headDim);
        int valueLength = m.intValueOr(arch + ".attention.value_length", headDim);
        if (valueLength != headDim) {
            throw new ModelFormatException(f.path(), arch + ".attention.value_length",
                    valueLength + " differs from key_length " + headDim + "; not supported");
        }
        int ropeDims = m.intValueOr(arch + ".rope.dimension_count", headDim);
        if (ropeDims != headDim) {
            throw new ModelFormatException(f.path(), arch + ".rope.dimension_count",
                    "partial rotary embeddings (" + ropeDims + " of " + headDim + " dimensions) are not supported");
        }
        Object scalingType = f.metadata().get(arch + ".rope.scaling.type");
        if (scalingType != null && !"none".equals(scalingType)) {
            throw new ModelFormatException(f.path(), arch + ".rope.scaling.type",
                    "rope scaling \"" + scalingType + "\" is not supported (only Llama 3 rope_freqs)");
        }
        Map<String, Tensor> tensors = f.tensors();
        int vocab;
        if (f.metadata().containsKey(arch + ".vocab_size")) {
            vocab = m.intValue(arch + ".vocab_size");
        } else if (f.metadata().get("tokenizer.ggml.tokens") instanceof List<?> tokens) {
            vocab = tokens.size();
        } else if (tensors.get("token_embd.weight") instanceof Tensor emb && emb.shape().length == 2) {
            vocab = Math.toIntExact(emb.shape()[1]);
        } else {
            throw new ModelFormatException(f.path(), "token_embd.weight", "tensor is missing (needed for the vocabulary size)");
        }
        float[] freqFactors = null;
        Tensor rf = tensors.get("rope_freqs.weight");
        if (rf != null) {
            if (rf.type() != GgmlType.F32 || rf.elements() != headDim / 2) {
                throw new ModelFormatException(f.path(), "rope_freqs.weight", "expected F32 [" + headDim / 2 + "], got "
                        + rf.type() + " " + java.util.Arrays.toString(rf.shape()));
            }
            freqFactors = new float[headDim / 2];
            Quantization.dequantize(GgmlType.F32, rf.data(), 0, freqFactors, 0, freqFactors.length);
        }
        // llama.cpp's rope types: NORM (pairs 2i, 2i+1; the converter permuted q/k rows) for llama and
        // mistral3, NEOX (halves) for the qwen family
        RopeConfig.Layout layout = arch.startsWith("qwen") ? RopeConfig.Layout.HALVES : RopeConfig.Layout.INTERLEAVED;
        RopeConfig rope = new RopeConfig(theta, layout, null, freqFactors);
        boolean bias = arch.equals("qwen2") || tensors.containsKey("blk.0.attn_q.bias");
        boolean tied = !tensors.containsKey("output.weight");
        boolean qkNorm = arch.equals("qwen3");
        ModelConfig c = new ModelConfig(arch, dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, eps, rope, bias, tied,
                qkNorm);
        ModelShapes.validateConfig(f.path(), c);
        return c;
    }

    /** The metadata the head dimension comes from: {@code key_length} if present, else embedding_length / head_count. */
    public static String headDimField(String arch, Map<String, Object> metadata) {
        return metadata.containsKey(arch + ".attention.key_length") ? arch + ".attention.key_length"
                : arch + ".embedding_length / " + arch + ".attention.head_count";
    }

    /** The parsed file (metadata, tensor infos, mapping). */
    public GgufFile file() {
        return file;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(file.tensors().get(name));
    }

    @Override
    public Map<String, Tensor> tensors() {
        return file.tensors();
    }

    @Override
    public Map<String, Object> metadata() {
        return file.metadata();
    }

    @Override
    public Path source() {
        return file.path();
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

    /** Typed metadata lookups that name the key when it is missing or of the wrong type. */
    private record Meta(GgufFile f) {
        Object get(String key) {
            Object v = f.metadata().get(key);
            if (v == null) {
                throw new ModelFormatException(f.path(), key, "metadata key is missing");
            }
            return v;
        }

        String string(String key) {
            if (get(key) instanceof String s) {
                return s;
            }
            throw new ModelFormatException(f.path(), key, "expected a string, got " + get(key));
        }

        int intValue(String key) {
            if (get(key) instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
                return (int) (long) l;
            }
            throw new ModelFormatException(f.path(), key, "expected a 32-bit integer, got " + get(key));
        }

        int intValueOr(String key, int dflt) {
            return f.metadata().containsKey(key) ? intValue(key) : dflt;
        }

        double doubleValue(String key) {
            if (get(key) instanceof Double d) {
                return d;
            }
            throw new ModelFormatException(f.path(), key, "expected a float, got " + get(key));
        }

        double doubleValueOr(String key, double dflt) {
            return f.metadata().containsKey(key) ? doubleValue(key) : dflt;
        }
    }

    @Override
    public void checkUnchanged() {
        guard.check();
    }
}
