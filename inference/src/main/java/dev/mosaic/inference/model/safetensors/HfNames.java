package dev.mosaic.inference.model.safetensors;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face llama/mistral/qwen2/qwen3 tensor names to GGUF's canonical names and back.
 *
 * <p>Stateless (static methods only); thread-safe.
 */
public final class HfNames {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)\\.(weight|bias)");
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(.+)\\.(weight|bias)");
    private static final String[][] LAYER_PARTS = {
            {"input_layernorm", "attn_norm"},
            {"self_attn.q_proj", "attn_q"},
            {"self_attn.k_proj", "attn_k"},
            {"self_attn.v_proj", "attn_v"},
            {"self_attn.o_proj", "attn_output"},
            {"self_attn.q_norm", "attn_q_norm"},
            {"self_attn.k_norm", "attn_k_norm"},
            {"post_attention_layernorm", "ffn_norm"},
            {"mlp.gate_proj", "ffn_gate"},
            {"mlp.up_proj", "ffn_up"},
            {"mlp.down_proj", "ffn_down"},
    };

    private HfNames() {}

    /** The canonical GGUF name of a Hugging Face tensor, or empty when it has none. */
    public static Optional<String> toGguf(String hf) {
        switch (hf) {
            case "model.embed_tokens.weight": return Optional.of("token_embd.weight");
            case "model.norm.weight": return Optional.of("output_norm.weight");
            case "lm_head.weight": return Optional.of("output.weight");
            default: break;
        }
        Matcher m = LAYER.matcher(hf);
        if (m.matches()) {
            for (String[] p : LAYER_PARTS) {
                if (p[0].equals(m.group(2))) {
                    return Optional.of("blk." + m.group(1) + "." + p[1] + "." + m.group(3));
                }
            }
        }
        return Optional.empty();
    }

    /** The Hugging Face name of a canonical GGUF tensor, or empty when it has none. */
    public static Optional<String> toHf(String gguf) {
        switch (gguf) {
            case "token_embd.weight": return Optional.of("model.embed_tokens.weight");
            case "output_norm.weight": return Optional.of("model.norm.weight");
            case "output.weight": return Optional.of("lm_head.weight");
            default: break;
        }
        Matcher m = BLOCK.matcher(gguf);
        if (m.matches()) {
            for (String[] p : LAYER_PARTS) {
                if (p[1].equals(m.group(2))) {
                    return Optional.of("model.layers." + m.group(1) + "." + p[0] + "." + m.group(3));
                }
            }
        }
        return Optional.empty();
    }
}
