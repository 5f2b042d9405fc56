package dev.mosaic.moa.profile;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mosaic.scheduler.problem.Expert;
import java.util.Map;

/**
 * A model's measured costs on one kind of worker. Its JSON is an {@code experts[]} entry of the
 * problem format (the extra fields are ignored by {@code mosaic plan}), so a profile can be pasted
 * into a problem unchanged.
 *
 * <p>Immutable (the map is copied); thread-safe.
 *
 * @param id expert id (the model's file name without extension unless given)
 * @param memoryGiB weights plus KV budget of one replica
 * @param loadSeconds open the model, create the engine, run its warm-up generation (as a run's replica does when opened)
 * @param prefillSecondsPerToken prompt processing per token (one sequence)
 * @param decodeSecondsPerToken decode per token at a saturating batch ({@code batch} sequences), at
 *     an empty context
 * @param decodeLatencySecondsPerToken decode step latency of one sequence alone, at an empty context
 * @param decodeSecondsPerContextToken decode per token per context token (attention over the
 *     sequence's own KV cache, which batching does not share); 0 when not measured
 * @param meanOutputTokens mean output length over the sample prompts, or null without a sample
 * @param meanOutputTokensByCategory the same per prompt category (empty without categories)
 * @param model the model file profiled
 * @param workerKey what the costs were measured on (kind, threads, KV budget, batch, ISA, CPU)
 * @param batch the saturating batch of {@code decodeSecondsPerToken}
 * @param hostProbeSecondsPerToken the {@link HostProbe}'s seconds per token timed among these
 *     measurements (the same companions, interleaved with the batch decode), or null when not timed
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelProfile(String id, double memoryGiB, double loadSeconds, double prefillSecondsPerToken,
                           double decodeSecondsPerToken, double decodeLatencySecondsPerToken,
                           double decodeSecondsPerContextToken, Double meanOutputTokens,
                           Map<String, Double> meanOutputTokensByCategory, String model, String workerKey, int batch,
                           Double hostProbeSecondsPerToken) {

    public ModelProfile {
        meanOutputTokensByCategory = meanOutputTokensByCategory == null ? Map.of() : Map.copyOf(meanOutputTokensByCategory);
    }

    /** The planner's view of this profile under {@code expertId}. */
    public Expert toExpert(String expertId) {
        return new Expert(expertId, memoryGiB, loadSeconds, prefillSecondsPerToken, decodeSecondsPerToken,
                decodeLatencySecondsPerToken, decodeSecondsPerContextToken);
    }

    /**
     * Expected output tokens of a prompt of {@code category} capped at {@code maxTokens}: the
     * category's sampled mean, else the overall mean, else the cap (models that never stop early).
     */
    public double expectedOutputTokens(String category, int maxTokens) {
        Double m = category != null ? meanOutputTokensByCategory.get(category) : null;
        if (m == null) {
            m = meanOutputTokens;
        }
        return m == null ? maxTokens : Math.max(1, Math.min(maxTokens, m));
    }

    public ModelProfile withId(String newId) {
        return new ModelProfile(newId, memoryGiB, loadSeconds, prefillSecondsPerToken, decodeSecondsPerToken,
                decodeLatencySecondsPerToken, decodeSecondsPerContextToken, meanOutputTokens, meanOutputTokensByCategory, model,
                workerKey, batch, hostProbeSecondsPerToken);
    }

    /**
     * This profile with every time cost (load, prefill, decode, latency, context term) multiplied
     * by {@code factor}: the profile restated for a host running {@code factor} times slower than
     * when it was measured. Memory, lengths and the probe figure are kept.
     *
     * @throws IllegalArgumentException unless {@code factor} is positive and finite
     */
    public ModelProfile scaled(double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("profile scale must be positive and finite, not " + factor);
        }
        return new ModelProfile(id, memoryGiB, loadSeconds * factor, prefillSecondsPerToken * factor,
                decodeSecondsPerToken * factor, decodeLatencySecondsPerToken * factor, decodeSecondsPerContextToken * factor,
                meanOutputTokens, meanOutputTokensByCategory, model, workerKey, batch, hostProbeSecondsPerToken);
    }
}
