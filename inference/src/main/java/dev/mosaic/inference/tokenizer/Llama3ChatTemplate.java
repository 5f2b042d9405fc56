package dev.mosaic.inference.tokenizer;

import java.util.List;
import java.util.Objects;

/**
 * The Llama 3 chat format:
 * {@code <|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>...}.
 * Like Meta's template, message contents are trimmed of surrounding whitespace.
 *
 * <p>Llama 3.1 and later templates always open with a system turn that starts with a preamble
 * ({@code "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"}) followed by the
 * caller's system message, if any; {@code systemPreamble} reproduces that.
 *
 * <p>Immutable; thread-safe.
 *
 * @param bosToken the text of the BOS token written first ({@code <|begin_of_text|>}), or
 *     {@code ""} for none
 * @param systemPreamble text that opens an always-present system turn (Llama 3.1+), or
 *     {@code null} for Llama 3's plain format
 */
public record Llama3ChatTemplate(String bosToken, String systemPreamble) implements ChatTemplate {

    public Llama3ChatTemplate {
        Objects.requireNonNull(bosToken, "bosToken");
    }

    /** Llama 3's plain format, without a system preamble. */
    public Llama3ChatTemplate(String bosToken) {
        this(bosToken, null);
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder(bosToken);
        List<ChatMessage> rest = messages;
        if (systemPreamble != null) {
            String system = "";
            if (!messages.isEmpty() && messages.getFirst().role().equals("system")) {
                system = messages.getFirst().content().strip();
                rest = messages.subList(1, messages.size());
            }
            sb.append("<|start_header_id|>system<|end_header_id|>\n\n").append(systemPreamble).append(system).append("<|eot_id|>");
        }
        for (ChatMessage m : rest) {
            sb.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                    .append(m.content().strip()).append("<|eot_id|>");
        }
        if (addGenerationPrompt) {
            sb.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
        return sb.toString();
    }
}
