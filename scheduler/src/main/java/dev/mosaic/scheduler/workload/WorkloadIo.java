package dev.mosaic.scheduler.workload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.common.AtomicFiles;
import dev.mosaic.scheduler.io.Json;
import dev.mosaic.scheduler.problem.ProblemIo;
import dev.mosaic.scheduler.problem.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes workloads: a problem file (see {@link ProblemIo}) with two extra top-level
 * fields, {@code workload} (its name) and {@code answerModel} ({@link AnswerModel}). Problem
 * readers that do not know these fields ignore them.
 *
 * <p>Stateless (static methods only); thread-safe.
 */
public final class WorkloadIo {

    /**
     * A workload read from a file, and a note when something was filled in (e.g. a default answer model). Immutable;
     * thread-safe.
     */
    public record Loaded(Workload workload, String note) {}

    /** Preset whose answer model is used for problems that carry none. */
    public static final String DEFAULT_ANSWER_MODEL = "mmlu-pro-like";

    private WorkloadIo() {}

    /**
     * Reads a workload. Problem errors come from {@link ProblemIo} (a ProblemValidationException);
     * answer-model errors and a missing aggregator are IllegalArgumentExceptions naming the file
     * and the field.
     */
    public static Loaded read(Path file) {
        Problem problem = ProblemIo.read(file);
        JsonNode root;
        try {
            root = Json.mapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (problem.aggregator() == null) {
            throw new IllegalArgumentException(file + ": aggregator: missing; the aggregator stage needs its profile "
                    + "(memoryGiB, loadSeconds, prefillSecondsPerToken, decodeSecondsPerToken, decodeLatencySecondsPerToken)");
        }
        String name = root.path("workload").isTextual() ? root.get("workload").asText()
                : file.getFileName().toString().replaceFirst("\\.json$", "");
        JsonNode am = root.get("answerModel");
        if (am == null || am.isNull()) {
            AnswerModel model = Presets.answerModel(DEFAULT_ANSWER_MODEL, problem, 1);
            return new Loaded(new Workload(name, problem, model), file + " has no answerModel: using the " + DEFAULT_ANSWER_MODEL
                    + " answer model (seed 1)");
        }
        AnswerModel model;
        try {
            model = Json.mapper().treeToValue(am, AnswerModel.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": answerModel: " + e.getOriginalMessage(), e);
        }
        if (model.experts() == null || model.aggregator() == null) {
            throw new IllegalArgumentException(file + ": answerModel: 'experts' and 'aggregator' are required");
        }
        try {
            return new Loaded(new Workload(name, problem, model), null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Writes a workload atomically. */
    public static void write(Workload workload, Path file) throws IOException {
        ObjectNode root = Json.mapper().valueToTree(workload.problem());
        root.put("workload", workload.name());
        root.set("answerModel", Json.mapper().valueToTree(workload.answerModel()));
        AtomicFiles.write(file, out -> Json.mapper().writeValue(out, root));
    }
}
