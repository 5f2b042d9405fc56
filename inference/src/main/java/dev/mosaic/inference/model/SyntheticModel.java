package dev.mosaic.inference.model;

import dev.mosaic.common.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.model.gguf.GgufValueType;
import dev.mosaic.inference.model.gguf.GgufWriter;
import dev.mosaic.inference.model.safetensors.HfNames;
import dev.mosaic.inference.model.safetensors.SafetensorsModel;
import dev.mosaic.inference.model.safetensors.SafetensorsWriter;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Quantization;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random models for tests and benchmarks, written as real GGUF files or Hugging Face
 * safetensors directories that the loaders (and llama.cpp / transformers) read like any other.
 *
 * <p>Weights are seeded per tensor from {@code (seed, canonical name)}, so the same seed gives
 * the same underlying weights in both formats: matrices {@code N(0, 1/cols)} (activations keep
 * unit scale and logits are far from uniform), the token embedding {@code N(0, 1)}, norm gains
 * {@code 1 + N(0, 0.1²)}, biases {@code N(0, 0.02²)}. {@link #canonicalWeights} gives them in
 * Hugging Face row order. GGUF llama files get q/k rows permuted exactly like llama.cpp's HF
 * converter (and are read with the {@code INTERLEAVED} rope layout); safetensors and qwen2 keep
 * the HF order ({@code HALVES}). Both carry a small but real tokenizer.
 *
 * <p>Stateless (static methods only); thread-safe: concurrent calls writing different paths do not interfere.
 */
public final class SyntheticModel {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String LLAMA3_CHAT_TEMPLATE = "{% set loop_messages = messages %}{% for message in loop_messages %}"
            + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim"
            + " + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
    static final String CHATML_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";
    static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final List<String> LLAMA3_SPECIALS = List.of("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
            "<|end_header_id|>", "<|eot_id|>");
    static final List<String> QWEN2_SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");

    private SyntheticModel() {}

    /** The architectures these models come in (GGUF {@code general.architecture} names). */
    public static final List<String> ARCHITECTURES = List.of("llama", "qwen2", "qwen3", "mistral3");

    /**
     * A tiny model: dim 256, 2 layers, 4 heads of 64, 4 KV heads (2 with {@code gqa}), FFN 512,
     * vocab 512, context 512. Every row length is a multiple of 256, so every tensor type works.
     * {@code arch} is {@code llama}, {@code qwen2} (with q/k/v biases), {@code qwen3} (per-head q/k
     * RMSNorm, heads of 128 so that {@code heads * headDim != dim}, as in real Qwen3 files) or
     * {@code mistral3} (the llama graph with heads of 128, written as Mistral-style GGUF metadata with
     * {@code attention.key_length}; its safetensors form is a {@code MistralForCausalLM}). The rope
     * layout is {@code HALVES}, the order of the underlying (HF) weights.
     */
    public static ModelConfig tiny(String arch, boolean gqa) {
        checkArch(arch);
        int headDim = arch.equals("qwen3") || arch.equals("mistral3") ? 128 : 64;
        return new ModelConfig(arch, 256, 2, 4, gqa ? 2 : 4, headDim, 512, 512, 512, 1e-5f,
                new RopeConfig(10000f, RopeConfig.Layout.HALVES), arch.equals("qwen2"), false, arch.equals("qwen3"));
    }

    /** Whether {@code arch} uses the llama tokenizer and llama.cpp's q/k row permutation (else the qwen ones). */
    private static boolean llamaFamily(String arch) {
        return !arch.startsWith("qwen");
    }

    /** The ~110M-parameter llama benchmark model: dim 768, 12 layers, 12 heads, 4 KV heads, FFN 2048, vocab 32000. */
    public static ModelConfig bench110M() {
        return new ModelConfig("llama", 768, 12, 12, 4, 64, 2048, 32000, 2048, 1e-5f,
                new RopeConfig(10000f, RopeConfig.Layout.HALVES), false, false);
    }

    /** Canonical tensor names and GGML-order shapes of {@code c}, in file order. */
    public static Map<String, long[]> tensorShapes(ModelConfig c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        long q = (long) c.nHeads() * c.headDim();
        s.put("token_embd.weight", new long[] {c.dim(), c.vocabSize()});
        for (int i = 0; i < c.nLayers(); i++) {
            String b = "blk." + i + ".";
            s.put(b + "attn_norm.weight", new long[] {c.dim()});
            s.put(b + "attn_q.weight", new long[] {c.dim(), q});
            s.put(b + "attn_k.weight", new long[] {c.dim(), c.kvDim()});
            s.put(b + "attn_v.weight", new long[] {c.dim(), c.kvDim()});
            if (c.qkvBias()) {
                s.put(b + "attn_q.bias", new long[] {q});
                s.put(b + "attn_k.bias", new long[] {c.kvDim()});
                s.put(b + "attn_v.bias", new long[] {c.kvDim()});
            }
            if (c.qkNorm()) {
                s.put(b + "attn_q_norm.weight", new long[] {c.headDim()});
                s.put(b + "attn_k_norm.weight", new long[] {c.headDim()});
            }
            s.put(b + "attn_output.weight", new long[] {q, c.dim()});
            s.put(b + "ffn_norm.weight", new long[] {c.dim()});
            s.put(b + "ffn_gate.weight", new long[] {c.dim(), c.ffnDim()});
            s.put(b + "ffn_up.weight", new long[] {c.dim(), c.ffnDim()});
            s.put(b + "ffn_down.weight", new long[] {c.ffnDim(), c.dim()});
        }
        s.put("output_norm.weight", new long[] {c.dim()});
        if (!c.tiedEmbeddings()) {
            s.put("output.weight", new long[] {c.dim(), c.vocabSize()});
        }
        return s;
    }

    /** The seeded float32 weights of tensor {@code name} in Hugging Face row order (row-major, rows of {@code shape[0]}). */
    public static float[] canonicalWeights(ModelConfig c, long seed, String name) {
        long[] shape = tensorShapes(c).get(name);
        if (shape == null) {
            throw new IllegalArgumentException("no tensor " + name + " in " + c);
        }
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] w = new float[Math.toIntExact(n)];
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        double sigma;
        double mean = 0;
        if (name.endsWith("norm.weight")) {
            mean = 1;
            sigma = 0.1;
        } else if (name.endsWith(".bias")) {
            sigma = 0.02;
        } else if (name.equals("token_embd.weight")) {
            sigma = 1;
        } else {
            sigma = 1 / Math.sqrt(shape[0]);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (mean + sigma * r.nextGaussian());
        }
        return w;
    }

    /**
     * Writes a GGUF v3 file: 2-D weights as {@code weightType}, norms and biases as F32, llama
     * q/k rows permuted like llama.cpp's converter, and a tokenizer (llama: SentencePiece-style;
     * qwen2: byte-level BPE with merges and a ChatML template).
     */
    public static Path writeGguf(ModelConfig c, GgmlType weightType, long seed, Path file) {
        checkArch(c.architecture());
        String a = c.architecture();
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", a);
        w.put("general.name", "mosaic-synthetic-" + a);
        w.put("general.file_type", fileType(weightType));
        w.alignment(32);
        w.put(a + ".vocab_size", c.vocabSize());
        w.put(a + ".context_length", c.contextLength());
        w.put(a + ".embedding_length", c.dim());
        w.put(a + ".block_count", c.nLayers());
        w.put(a + ".feed_forward_length", c.ffnDim());
        w.put(a + ".attention.head_count", c.nHeads());
        w.put(a + ".attention.head_count_kv", c.nKvHeads());
        if (c.headDim() * c.nHeads() != c.dim()) {
            w.put(a + ".attention.key_length", c.headDim());
            w.put(a + ".attention.value_length", c.headDim());
        }
        w.put(a + ".rope.dimension_count", c.headDim());
        w.put(a + ".rope.freq_base", c.rope().theta());
        w.put(a + ".attention.layer_norm_rms_epsilon", c.rmsNormEps());
        if (llamaFamily(a)) {
            SyntheticVocabulary.Spm v = SyntheticVocabulary.spm(c.vocabSize());
            w.put("tokenizer.ggml.model", "llama");
            w.putArray("tokenizer.ggml.tokens", GgufValueType.STRING, v.tokens());
            w.putArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, v.scores());
            w.putArray("tokenizer.ggml.token_type", GgufValueType.INT32, v.types());
            w.put("tokenizer.ggml.unknown_token_id", 0);
            w.put("tokenizer.ggml.bos_token_id", 1);
            w.put("tokenizer.ggml.eos_token_id", 2);
            w.put("tokenizer.ggml.add_bos_token", true);
            w.put("tokenizer.ggml.add_eos_token", false);
            w.put("tokenizer.chat_template", CHATML_TEMPLATE);
        } else {
            SyntheticVocabulary.Bpe v = SyntheticVocabulary.bpe(c.vocabSize(), QWEN2_SPECIALS);
            List<Integer> types = new ArrayList<>();
            for (int i = 0; i < v.tokens().size(); i++) {
                types.add(v.specials().containsValue(i) ? SyntheticVocabulary.TYPE_CONTROL : SyntheticVocabulary.TYPE_NORMAL);
            }
            w.put("tokenizer.ggml.model", "gpt2");
            w.put("tokenizer.ggml.pre", "qwen2");
            w.putArray("tokenizer.ggml.tokens", GgufValueType.STRING, v.tokens());
            w.putArray("tokenizer.ggml.token_type", GgufValueType.INT32, types);
            w.putArray("tokenizer.ggml.merges", GgufValueType.STRING, v.merges());
            w.put("tokenizer.ggml.eos_token_id", v.specials().get("<|im_end|>"));
            w.put("tokenizer.ggml.padding_token_id", v.specials().get("<|endoftext|>"));
            w.put("tokenizer.ggml.bos_token_id", v.specials().get("<|endoftext|>"));
            w.put("tokenizer.ggml.add_bos_token", false);
            w.put("tokenizer.chat_template", CHATML_TEMPLATE);
        }
        if (c.rope().scaling() != null) {
            w.addTensor("rope_freqs.weight", GgmlType.F32, new long[] {c.headDim() / 2},
                    () -> segment(Quantization.quantize(GgmlType.F32, llama3FreqFactors(c))));
        }
        for (Map.Entry<String, long[]> e : tensorShapes(c).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            GgmlType type = shape.length == 1 ? GgmlType.F32 : weightType;
            if (shape[0] % type.blockSize() != 0) {
                throw new IllegalArgumentException(name + ": rows of " + shape[0] + " cannot be stored as " + type
                        + " (block size " + type.blockSize() + ")");
            }
            w.addTensor(name, type, shape, () -> {
                float[] x = canonicalWeights(c, seed, name);
                if (llamaFamily(a) && (name.startsWith("blk.") && (name.contains(".attn_q.") || name.contains(".attn_k.")))) {
                    int heads = name.contains(".attn_q.") ? c.nHeads() : c.nKvHeads();
                    x = permuteRows(x, heads, c.headDim(), shape.length == 1 ? 1 : (int) shape[0]);
                }
                return segment(Quantization.quantize(type, x));
            });
        }
        return w.write(file);
    }

    /**
     * Writes a Hugging Face model directory: {@code model.safetensors} (weights as {@code type},
     * F32, F16 or BF16), {@code config.json}, {@code tokenizer.json} (byte-level BPE; Llama 3
     * style for llama, Qwen2 style for qwen2) and {@code tokenizer_config.json}.
     */
    public static Path writeSafetensors(ModelConfig c, GgmlType type, long seed, Path dir) {
        return writeSafetensors(c, type, seed, dir, 1);
    }

    /** Like {@link #writeSafetensors(ModelConfig, GgmlType, long, Path)}, split into {@code shards} files with an index. */
    public static Path writeSafetensors(ModelConfig c, GgmlType type, long seed, Path dir, int shards) {
        checkArch(c.architecture());
        if (type != GgmlType.F32 && type != GgmlType.F16 && type != GgmlType.BF16) {
            throw new IllegalArgumentException("safetensors weights are F32, F16 or BF16, not " + type);
        }
        Map<String, long[]> shapes = tensorShapes(c);
        if (shards < 1 || shards > shapes.size()) {
            throw new IllegalArgumentException("shards must be in 1.." + shapes.size() + ": " + shards);
        }
        List<String> names = new ArrayList<>(shapes.keySet());
        Map<String, String> weightMap = new LinkedHashMap<>();
        long total = 0;
        for (int s = 0; s < shards; s++) {
            String file = shards == 1 ? SafetensorsModel.SINGLE
                    : String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
            SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
            for (int i = s * names.size() / shards; i < (s + 1) * names.size() / shards; i++) {
                String name = names.get(i);
                String hf = HfNames.toHf(name).orElseThrow();
                w.add(hf, type, shapes.get(name), () -> segment(Quantization.quantize(type, canonicalWeights(c, seed, name))));
                weightMap.put(hf, file);
            }
            total += w.dataBytes();
            w.write(dir.resolve(file));
        }
        if (shards > 1) {
            SafetensorsWriter.writeIndex(dir, weightMap, total);
        }
        try {
            writeHfConfig(c, type, dir);
            writeTokenizer(c, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir, e);
        }
        return dir;
    }

    /**
     * Permutes the rows of a q or k projection ({@code heads * headDim} rows of {@code cols}) the
     * way llama.cpp's HF converter does: within each head, row {@code 2i + j} of the result is row
     * {@code j * headDim/2 + i} of the input. A bias is the case {@code cols = 1}.
     */
    public static float[] permuteRows(float[] w, int heads, int headDim, int cols) {
        int c = cols;
        if (w.length != heads * headDim * c) {
            throw new IllegalArgumentException("expected " + heads * headDim * c + " values, got " + w.length);
        }
        float[] out = new float[w.length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int dst = h * headDim + 2 * i + j;
                    int src = h * headDim + j * half + i;
                    System.arraycopy(w, src * c, out, dst * c, c);
                }
            }
        }
        return out;
    }

    /** Per-pair frequency divisors of Llama 3 rope scaling, as llama.cpp's converter stores in {@code rope_freqs.weight}. */
    static float[] llama3FreqFactors(ModelConfig c) {
        RopeConfig.Llama3Scaling s = c.rope().scaling();
        float[] f = new float[c.headDim() / 2];
        double lowWavelen = s.originalContextLength() / s.lowFreqFactor();
        double highWavelen = s.originalContextLength() / s.highFreqFactor();
        for (int i = 0; i < f.length; i++) {
            double freq = 1.0 / Math.pow(c.rope().theta(), (2.0 * i) / c.headDim());
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) {
                f[i] = 1;
            } else if (wavelen > lowWavelen) {
                f[i] = s.factor();
            } else {
                double smooth = (s.originalContextLength() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                f[i] = (float) (1 / ((1 - smooth) / s.factor() + smooth));
            }
        }
        return f;
    }

    private static void writeHfConfig(ModelConfig c, GgmlType type, Path dir) throws IOException {
        boolean llama = llamaFamily(c.architecture());
        List<String> specials = llama ? LLAMA3_SPECIALS : QWEN2_SPECIALS;
        int firstSpecial = c.vocabSize() - specials.size();
        ObjectNode j = JSON.createObjectNode();
        String[] names = switch (c.architecture()) {
            case "qwen2" -> new String[] {"Qwen2ForCausalLM", "qwen2"};
            case "qwen3" -> new String[] {"Qwen3ForCausalLM", "qwen3"};
            case "mistral3" -> new String[] {"MistralForCausalLM", "mistral"};
            default -> new String[] {"LlamaForCausalLM", "llama"};
        };
        j.putArray("architectures").add(names[0]);
        j.put("model_type", names[1]);
        if (!c.architecture().equals("llama")) {
            j.putNull("sliding_window");
            j.put("use_sliding_window", false);
        }
        j.put("hidden_size", c.dim());
        j.put("intermediate_size", c.ffnDim());
        j.put("num_hidden_layers", c.nLayers());
        j.put("num_attention_heads", c.nHeads());
        j.put("num_key_value_heads", c.nKvHeads());
        j.put("head_dim", c.headDim());
        j.put("vocab_size", c.vocabSize());
        j.put("max_position_embeddings", c.contextLength());
        j.put("rms_norm_eps", Double.parseDouble(Float.toString(c.rmsNormEps())));
        j.put("rope_theta", Double.parseDouble(Float.toString(c.rope().theta())));
        j.put("hidden_act", "silu");
        j.put("tie_word_embeddings", c.tiedEmbeddings());
        if (llama || c.architecture().equals("qwen3")) {
            j.put("attention_bias", c.qkvBias());
        }
        if (llama) {
            j.put("bos_token_id", firstSpecial);
            j.put("eos_token_id", firstSpecial + 1);
        } else {
            j.put("bos_token_id", firstSpecial);
            j.put("eos_token_id", firstSpecial + 2);
        }
        RopeConfig.Llama3Scaling s = c.rope().scaling();
        if (s != null) {
            ObjectNode rs = j.putObject("rope_scaling");
            rs.put("rope_type", "llama3");
            rs.put("factor", Double.parseDouble(Float.toString(s.factor())));
            rs.put("low_freq_factor", Double.parseDouble(Float.toString(s.lowFreqFactor())));
            rs.put("high_freq_factor", Double.parseDouble(Float.toString(s.highFreqFactor())));
            rs.put("original_max_position_embeddings", s.originalContextLength());
        } else {
            j.putNull("rope_scaling");
        }
        j.put("torch_dtype", switch (type) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        AtomicFiles.writeString(dir.resolve(SafetensorsModel.CONFIG), j.toPrettyString());
    }

    private static void writeTokenizer(ModelConfig c, Path dir) throws IOException {
        boolean llama = llamaFamily(c.architecture());
        List<String> specials = llama ? LLAMA3_SPECIALS : QWEN2_SPECIALS;
        SyntheticVocabulary.Bpe v = SyntheticVocabulary.bpe(c.vocabSize(), specials);
        ObjectNode t = JSON.createObjectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        for (Map.Entry<String, Integer> e : v.specials().entrySet()) {
            ObjectNode a = added.addObject();
            a.put("id", e.getValue());
            a.put("content", e.getKey());
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        t.putNull("normalizer");
        ObjectNode pre = t.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode pres = pre.putArray("pretokenizers");
        ObjectNode split = pres.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", llama ? LLAMA3_PATTERN : QWEN2_PATTERN);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        ObjectNode bl = pres.addObject();
        bl.put("type", "ByteLevel");
        bl.put("add_prefix_space", false);
        bl.put("trim_offsets", false);
        bl.put("use_regex", false);
        if (llama) {
            ObjectNode post = t.putObject("post_processor");
            post.put("type", "TemplateProcessing");
            ArrayNode single = post.putArray("single");
            single.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
            single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            ArrayNode pair = post.putArray("pair");
            pair.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
            pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            pair.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 1);
            pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
            ObjectNode st = post.putObject("special_tokens").putObject("<|begin_of_text|>");
            st.put("id", "<|begin_of_text|>");
            st.putArray("ids").add(v.specials().get("<|begin_of_text|>"));
            st.putArray("tokens").add("<|begin_of_text|>");
        } else {
            t.putNull("post_processor");
        }
        ObjectNode dec = t.putObject("decoder");
        dec.put("type", "ByteLevel");
        dec.put("add_prefix_space", true);
        dec.put("trim_offsets", true);
        dec.put("use_regex", true);
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", llama);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < v.tokens().size(); i++) {
            if (!v.specials().containsValue(i)) {
                vocab.put(v.tokens().get(i), i);
            }
        }
        ArrayNode merges = model.putArray("merges");
        v.merges().forEach(merges::add);
        AtomicFiles.writeString(dir.resolve("tokenizer.json"), t.toString());

        ObjectNode tc = JSON.createObjectNode();
        tc.put("tokenizer_class", "PreTrainedTokenizerFast");
        if (llama) {
            tc.put("bos_token", "<|begin_of_text|>");
            tc.put("eos_token", "<|eot_id|>");
            tc.put("chat_template", LLAMA3_CHAT_TEMPLATE);
        } else {
            tc.putNull("bos_token");
            tc.put("eos_token", "<|im_end|>");
            tc.put("pad_token", "<|endoftext|>");
            tc.put("chat_template", CHATML_TEMPLATE);
        }
        tc.put("model_max_length", c.contextLength());
        AtomicFiles.writeString(dir.resolve("tokenizer_config.json"), tc.toPrettyString());
    }

    private static int fileType(GgmlType t) {
        // llama.cpp's llama_ftype values
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q2_K -> 10;
            case Q3_K -> 12; // Q3_K_M
            case Q4_K -> 15; // Q4_K_M
            case Q5_K -> 17; // Q5_K_M
            case Q6_K -> 18;
            case IQ4_NL -> 25;
            case BF16 -> 32;
        };
    }

    private static MemorySegment segment(byte[] b) {
        return MemorySegment.ofArray(b);
    }

    private static void checkArch(String arch) {
        if (!ARCHITECTURES.contains(arch)) {
            throw new IllegalArgumentException("architecture must be one of " + ARCHITECTURES + ": " + arch);
        }
    }
}
