package dev.mosaic.moa.worker;

import dev.mosaic.inference.tokenizer.ChatMessage;
import java.util.List;

/**
 * One generation job for an expert (or the aggregator): a conversation the endpoint renders with
 * its model's chat template (raw text where the model has none), an output cap, greedy decoding.
 *
 * <p>Immutable (the list is copied); thread-safe.
 *
 * @param messages the conversation, ending with the user's turn
 * @param maxTokens most tokens to generate
 */
public record JobRequest(List<ChatMessage> messages, int maxTokens) {
    public JobRequest {
        messages = List.copyOf(messages);
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a job needs at least one message");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
    }

    /** A single user turn. */
    public static JobRequest user(String text, int maxTokens) {
        return new JobRequest(List.of(new ChatMessage("user", text)), maxTokens);
    }
}
