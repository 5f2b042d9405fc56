package dev.mosaic.inference.tokenizer;

import java.util.List;
import java.util.Objects;

/**
 * The Llama 3 chat format:
 * {@code <|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>...}.
 * Like Meta's template, message contents are trimmed of surrounding whitespace.
 *
 * @param bosToken the text of the BOS token written first ({@code <|begin_of_text|>}), or
 *     {@code ""} for none
 */
public record Llama3ChatTemplate(String bosToken) implements ChatTemplate {

    public Llama3ChatTemplate {
        Objects.requireNonNull(bosToken, "bosToken");
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder(bosToken);
        for (ChatMessage m : messages) {
            sb.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                    .append(m.content().strip()).append("<|eot_id|>");
        }
        if (addGenerationPrompt) {
            sb.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
        return sb.toString();
    }
}
