package dev.mosaic.scheduler.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mosaic.common.AtomicFiles;
import dev.mosaic.scheduler.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads and writes plan JSON (the public output format, see {@link Plan}). Writes are atomic.
 * Reading checks the shape only; whether a plan fits its problem is {@link PlanEvaluator}'s job.
 *
 * <p>Stateless and thread-safe.
 */
public final class PlanIo {

    private static final List<String> REQUIRED = List.of("placement", "assignment", "makespanSeconds", "lowerBoundSeconds", "gap");

    private PlanIo() {}

    /** Writes the plan as JSON, atomically (temporary file, then move). */
    public static void write(Plan plan, Path file) throws IOException {
        requireFinite(plan);
        AtomicFiles.write(file, out -> Json.mapper().writeValue(out, plan));
    }

    /** Plan as JSON text. */
    public static String toJson(Plan plan) {
        requireFinite(plan);
        try {
            return Json.mapper().writeValueAsString(plan);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise plan", e);
        }
    }

    /** Reads a plan file; failures name the file. */
    public static Plan read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PlanFormatException(file + ": file not found", e);
        } catch (IOException e) {
            throw new PlanFormatException(file + ": cannot read: " + e, e);
        }
        return parse(bytes, file.toString());
    }

    /** Parses plan JSON; {@code source} names it in messages. */
    public static Plan parse(byte[] json, String source) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new PlanFormatException(source + ": invalid JSON at " + Json.describe(e), e);
        } catch (IOException e) {
            throw new PlanFormatException(source + ": cannot read: " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new PlanFormatException(source + ": top level: must be a JSON object");
        }
        for (String field : REQUIRED) {
            if (!root.hasNonNull(field)) {
                throw new PlanFormatException(source + ": " + field + ": missing");
            }
        }
        if (!root.hasNonNull("solver")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) root).putObject("solver");
        }
        try {
            return Json.mapper().treeToValue(root, Plan.class);
        } catch (JsonProcessingException e) {
            throw new PlanFormatException(source + ": " + e.getOriginalMessage(), e);
        } catch (RuntimeException e) {
            throw new PlanFormatException(source + ": malformed plan: " + e, e);
        }
    }

    private static void requireFinite(Plan plan) {
        if (!Double.isFinite(plan.makespanSeconds()) || !Double.isFinite(plan.lowerBoundSeconds()) || !Double.isFinite(plan.gap())) {
            throw new IllegalArgumentException("plan numbers must be finite: makespan " + plan.makespanSeconds()
                    + ", lower bound " + plan.lowerBoundSeconds() + ", gap " + plan.gap());
        }
    }
}
