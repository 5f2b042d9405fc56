package dev.mosaic.moa.config;

import java.util.List;
import java.util.Map;

/**
 * One line of {@code prompts.jsonl}.
 *
 * <p>Immutable (the list and map are copied); thread-safe.
 *
 * @param id unique id
 * @param text the user query
 * @param category optional category (routing, calibration and reporting per category), or null
 * @param answer optional correct answer (as the extractor would print it), or null
 * @param experts optional experts for this prompt (overrides routing), or null
 * @param maxTokens optional output caps per expert id (empty when none)
 */
public record RunPrompt(String id, String text, String category, String answer, List<String> experts,
                        Map<String, Integer> maxTokens) {
    public RunPrompt {
        experts = experts == null ? null : List.copyOf(experts);
        maxTokens = maxTokens == null ? Map.of() : Map.copyOf(maxTokens);
    }
}
