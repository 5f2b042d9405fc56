package dev.mosaic.inference.model;

import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Checks that a model's tensors are all present and shaped as its {@link ModelConfig} says
 * (GGML order: {@code {cols, rows}}), so that no backend ever sees a weight of the wrong size.
 * Shared by the GGUF and safetensors loaders.
 *
 * <p>Stateless (static methods only); thread-safe.
 */
public final class ModelShapes {
    private ModelShapes() {}

    /** Largest head dimension the native rope and attention kernels take ({@code MOSAIC_MAX_HEAD_DIM}). */
    public static final int MAX_HEAD_DIM = dev.mosaic.bindings.mosaic.mosaic_h.MOSAIC_MAX_HEAD_DIM();

    /** Why a head dimension cannot run, or {@code null} if it can. */
    public static String headDimProblem(long headDim) {
        return headDim > MAX_HEAD_DIM ? "head dimension " + headDim + " exceeds " + MAX_HEAD_DIM
                + ", the most the attention and rope kernels support" : null;
    }

    /** Throws {@link ModelFormatException} naming {@code field} if {@link #headDimProblem} has one. */
    public static void checkHeadDim(Path source, String field, long headDim) {
        String problem = headDimProblem(headDim);
        if (problem != null) {
            throw new ModelFormatException(source, field, problem);
        }
    }

    /** Throws {@link ModelFormatException} naming {@code source} and the first missing or mis-shaped tensor. */
    public static void validate(Path source, ModelConfig c, Map<String, Tensor> tensors) {
        rejectUnused(source, c, tensors);
        long q = (long) c.nHeads() * c.headDim();
        long kv = c.kvDim();
        expect(source, tensors, "token_embd.weight", c.dim(), c.vocabSize());
        expect(source, tensors, "output_norm.weight", c.dim());
        if (!c.tiedEmbeddings()) {
            expect(source, tensors, "output.weight", c.dim(), c.vocabSize());
        }
        for (int i = 0; i < c.nLayers(); i++) {
            String b = "blk." + i + ".";
            expect(source, tensors, b + "attn_norm.weight", c.dim());
            expect(source, tensors, b + "attn_q.weight", c.dim(), q);
            expect(source, tensors, b + "attn_k.weight", c.dim(), kv);
            expect(source, tensors, b + "attn_v.weight", c.dim(), kv);
            if (c.qkvBias()) {
                expect(source, tensors, b + "attn_q.bias", q);
                expect(source, tensors, b + "attn_k.bias", kv);
                expect(source, tensors, b + "attn_v.bias", kv);
            }
            if (c.qkNorm()) {
                expect(source, tensors, b + "attn_q_norm.weight", c.headDim());
                expect(source, tensors, b + "attn_k_norm.weight", c.headDim());
            }
            expect(source, tensors, b + "attn_output.weight", q, c.dim());
            expect(source, tensors, b + "ffn_norm.weight", c.dim());
            expect(source, tensors, b + "ffn_gate.weight", c.dim(), c.ffnDim());
            expect(source, tensors, b + "ffn_up.weight", c.dim(), c.ffnDim());
            expect(source, tensors, b + "ffn_down.weight", c.ffnDim(), c.dim());
        }
    }

    /**
     * Tensors that change a layer's output in the architectures that have them but that this
     * engine's graph would silently skip; a file carrying one is refused rather than run wrong.
     */
    private static final String[] UNUSED_BUT_MEANINGFUL = {"attn_output.bias", "ffn_gate.bias", "ffn_up.bias",
            "ffn_down.bias", "post_attention_norm.weight", "post_ffw_norm.weight", "attn_q_norm.weight",
            "attn_k_norm.weight"};

    /** Throws {@link ModelFormatException} if layer 0 has a tensor {@code c}'s graph would ignore (see above). */
    public static void rejectUnused(Path source, ModelConfig c, Map<String, Tensor> tensors) {
        for (String part : UNUSED_BUT_MEANINGFUL) {
            boolean used = c.qkNorm() && part.startsWith("attn_") && part.endsWith("_norm.weight");
            String name = "blk.0." + part;
            if (!used && tensors.containsKey(name)) {
                throw new ModelFormatException(source, name, "tensor is not part of the " + c.architecture()
                        + " graph this engine runs (it would be ignored and the output would be wrong)");
            }
        }
    }

    /** Checks the basic sanity of hyper-parameters read from a file. */
    public static void validateConfig(Path source, ModelConfig c) {
        check(source, "dim", c.dim() > 0, c.dim());
        check(source, "nLayers", c.nLayers() > 0, c.nLayers());
        check(source, "nHeads", c.nHeads() > 0, c.nHeads());
        check(source, "nKvHeads", c.nKvHeads() > 0 && c.nHeads() % c.nKvHeads() == 0,
                c.nKvHeads() + " (must divide nHeads " + c.nHeads() + ")");
        check(source, "headDim", c.headDim() > 0 && c.headDim() % 2 == 0, c.headDim() + " (must be positive and even)");
        checkHeadDim(source, "headDim", c.headDim());
        check(source, "ffnDim", c.ffnDim() > 0, c.ffnDim());
        check(source, "vocabSize", c.vocabSize() > 0, c.vocabSize());
        check(source, "contextLength", c.contextLength() > 0, c.contextLength());
        check(source, "rmsNormEps", c.rmsNormEps() > 0 && Float.isFinite(c.rmsNormEps()), c.rmsNormEps());
        check(source, "rope.theta", c.rope().theta() > 0 && Float.isFinite(c.rope().theta()), c.rope().theta());
        float[] ff = c.rope().freqFactors();
        if (ff != null) {
            check(source, "rope.freqFactors", ff.length == c.headDim() / 2,
                    ff.length + " entries, expected headDim/2 = " + c.headDim() / 2);
        }
    }

    private static void check(Path source, String field, boolean ok, Object value) {
        if (!ok) {
            throw new ModelFormatException(source, field, "invalid value " + value);
        }
    }

    /**
     * Whether a tensor of this name is a norm gain or a bias (by the GGUF names both loaders
     * use), which the backends read as a plain float vector, never through a matmul kernel.
     */
    public static boolean isVectorRole(String name) {
        return name.endsWith("norm.weight") || name.endsWith(".bias");
    }

    /** The problem with a {@code type} tensor in the role {@code name} gives it, or {@code null} if it can run. */
    public static String typeProblem(String name, GgmlType type) {
        if (isVectorRole(name) && !type.isFloat()) {
            return "type " + type + " cannot hold a " + (name.endsWith(".bias") ? "bias" : "norm gain")
                    + ": the kernels read those as plain floats (" + floatTypes() + ")";
        }
        if (!isVectorRole(name) && !type.matmul()) {
            return "type " + type + " is not one the matmul kernels take";
        }
        return null;
    }

    private static String floatTypes() {
        return String.join(", ", java.util.Arrays.stream(GgmlType.values()).filter(GgmlType::isFloat).map(GgmlType::name).toList());
    }


    private static void expect(Path source, Map<String, Tensor> tensors, String name, long... shape) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(source, name, "tensor is missing");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ModelFormatException(source, name, "shape " + Arrays.toString(t.shape()) + " does not match the config, expected "
                    + Arrays.toString(shape) + " (GGML order: row length first)");
        }
        String problem = typeProblem(name, t.type());
        if (problem != null) {
            throw new ModelFormatException(source, name, problem);
        }
    }
}
