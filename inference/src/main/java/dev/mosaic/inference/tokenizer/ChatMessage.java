package dev.mosaic.inference.tokenizer;

import java.util.Objects;

/**
 * One turn of a conversation.
 *
 * <p>Immutable; thread-safe.
 *
 * @param role {@code "system"}, {@code "user"}, {@code "assistant"} or any role the model knows
 * @param content the text of the turn
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
