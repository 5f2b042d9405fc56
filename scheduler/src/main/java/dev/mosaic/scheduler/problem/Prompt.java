package dev.mosaic.scheduler.problem;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * A prompt and its routing: {@code route} maps each routed expert's id to the profiled expected
 * output length in tokens (iteration order is the routing order). {@code answer} and
 * {@code category} are optional ground truth used by the aggregation stage.
 *
 * <p>Immutable and thread-safe.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Prompt(String id, int promptTokens, Map<String, Double> route, String answer, String category) {

    public Prompt(String id, int promptTokens, Map<String, Double> route) {
        this(id, promptTokens, route, null, null);
    }
}
