package dev.mosaic.inference.tokenizer;

import java.util.List;

/**
 * A model's chat format. The rendered text contains control tokens (and the BOS token where the
 * format starts with one): encode it with {@code tokenizer.encode(text, true)} and do not add
 * another BOS.
 *
 * <p>Implementations are immutable and thread-safe (both permitted ones are records of strings).
 */
public sealed interface ChatTemplate permits Llama3ChatTemplate, ChatMlTemplate {

    /**
     * Renders a conversation.
     *
     * @param addGenerationPrompt append the header that opens the assistant's turn
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);
}
