package dev.mosaic.inference.tokenizer;

import java.util.List;

/**
 * The ChatML format used by Qwen: {@code <|im_start|>role\ncontent<|im_end|>\n} per message.
 *
 * <p>Immutable; thread-safe.
 *
 * @param defaultSystemPrompt system message inserted when the conversation does not start with
 *     one (Qwen's templates carry such a default), or {@code null} for none
 */
public record ChatMlTemplate(String defaultSystemPrompt) implements ChatTemplate {

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        if (defaultSystemPrompt != null && (messages.isEmpty() || !messages.getFirst().role().equals("system"))) {
            turn(sb, "system", defaultSystemPrompt);
        }
        for (ChatMessage m : messages) {
            turn(sb, m.role(), m.content());
        }
        if (addGenerationPrompt) {
            sb.append("<|im_start|>assistant\n");
        }
        return sb.toString();
    }

    private static void turn(StringBuilder sb, String role, String content) {
        sb.append("<|im_start|>").append(role).append('\n').append(content).append("<|im_end|>\n");
    }
}
