package dev.mosaic.scheduler.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mosaic.common.AtomicFiles;
import dev.mosaic.scheduler.io.Json;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes problem JSON (the public input format, see {@link Problem}). Reading is
 * strict: JSON syntax errors report line and column, missing or mistyped fields report their
 * path, and the result is checked by {@link ProblemValidator}. Every failure is a
 * {@link ProblemValidationException} whose message starts with the file name.
 *
 * <p>Stateless and thread-safe.
 */
public final class ProblemIo {

    private ProblemIo() {}

    /** Reads and validates a problem file. */
    public static Problem read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ProblemValidationException(file + ": file not found", e);
        } catch (AccessDeniedException e) {
            throw new ProblemValidationException(file + ": permission denied", e);
        } catch (IOException e) {
            throw new ProblemValidationException(file + ": cannot read: " + e, e);
        }
        return parse(bytes, file.toString());
    }

    /** Parses and validates problem JSON; {@code source} names it in messages (a file name). */
    public static Problem parse(byte[] json, String source) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new ProblemValidationException(source + ": invalid JSON at " + Json.describe(e), e);
        } catch (IOException e) {
            throw new ProblemValidationException(source + ": cannot read: " + e, e);
        }
        try {
            return ProblemValidator.validate(fromTree(root));
        } catch (ProblemValidationException e) {
            throw e.inFile(source);
        }
    }

    /** Parses and validates problem JSON text. */
    public static Problem parse(String json, String source) {
        return parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), source);
    }

    /** Writes a problem as JSON, atomically (temporary file, then move). */
    public static void write(Problem problem, Path file) throws IOException {
        AtomicFiles.write(file, out -> Json.mapper().writeValue(out, problem));
    }

    /** Problem as JSON text. */
    public static String toJson(Problem problem) {
        try {
            return Json.mapper().writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise problem", e);
        }
    }

    private static Problem fromTree(JsonNode root) {
        List<String> errors = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new ProblemValidationException("top level: must be a JSON object with workers, experts and prompts");
        }
        List<Worker> workers = new ArrayList<>();
        for (JsonNode n : array(errors, root, "workers")) {
            String path = "workers[" + workers.size() + "]";
            if (!object(errors, n, path)) {
                workers.add(null);
                continue;
            }
            workers.add(new Worker(string(errors, n, path, "id"), number(errors, n, path, "memoryGiB"), number(errors, n, path, "speed")));
        }
        List<Expert> experts = new ArrayList<>();
        for (JsonNode n : array(errors, root, "experts")) {
            String path = "experts[" + experts.size() + "]";
            experts.add(object(errors, n, path) ? expert(errors, n, path) : null);
        }
        Expert aggregator = null;
        JsonNode agg = root.get("aggregator");
        if (agg != null && !agg.isNull() && object(errors, agg, "aggregator")) {
            aggregator = expert(errors, agg, "aggregator");
        }
        List<Prompt> prompts = new ArrayList<>();
        for (JsonNode n : array(errors, root, "prompts")) {
            String path = "prompts[" + prompts.size() + "]";
            if (!object(errors, n, path)) {
                prompts.add(null);
                continue;
            }
            prompts.add(new Prompt(string(errors, n, path, "id"), integer(errors, n, path, "promptTokens"), route(errors, n, path),
                    optionalString(errors, n, path, "answer"), optionalString(errors, n, path, "category")));
        }
        PlacementRules placement = null;
        JsonNode pl = root.get("placement");
        if (pl != null && !pl.isNull() && object(errors, pl, "placement")) {
            List<PlacementRules.Pair> forbidden = pairs(errors, pl, "forbidden");
            List<PlacementRules.Pair> pinned = pairs(errors, pl, "pinned");
            List<PlacementRules.Pair> loaded = pairs(errors, pl, "loaded");
            placement = new PlacementRules(forbidden, pinned, loaded);
        }
        if (!errors.isEmpty()) {
            throw new ProblemValidationException(errors);
        }
        return new Problem(workers, experts, prompts, aggregator, placement);
    }

    /** {@code placement.<field>}: an optional array of {"worker", "expert"} (malformed entries are null, with an error). */
    private static List<PlacementRules.Pair> pairs(List<String> errors, JsonNode placement, String field) {
        List<PlacementRules.Pair> pairs = new ArrayList<>();
        JsonNode f = placement.get(field);
        if (f != null && !f.isNull()) {
            if (!f.isArray()) {
                errors.add("placement." + field + ": must be an array of {\"worker\", \"expert\"}, got " + f.getNodeType().name().toLowerCase());
            } else {
                for (JsonNode n : f) {
                    String path = "placement." + field + "[" + pairs.size() + "]";
                    pairs.add(object(errors, n, path)
                            ? new PlacementRules.Pair(string(errors, n, path, "worker"), string(errors, n, path, "expert")) : null);
                }
            }
        }
        return pairs;
    }

    private static Expert expert(List<String> errors, JsonNode n, String path) {
        return new Expert(string(errors, n, path, "id"), number(errors, n, path, "memoryGiB"), number(errors, n, path, "loadSeconds"),
                number(errors, n, path, "prefillSecondsPerToken"), number(errors, n, path, "decodeSecondsPerToken"),
                number(errors, n, path, "decodeLatencySecondsPerToken"),
                optionalNumber(errors, n, path, "decodeSecondsPerContextToken", 0));
    }

    private static Map<String, Double> route(List<String> errors, JsonNode n, String path) {
        JsonNode r = n.get("route");
        if (r == null || r.isNull()) {
            errors.add(path + ".route: missing");
            return null;
        }
        if (!r.isObject()) {
            errors.add(path + ".route: must be an object mapping expert ids to output tokens, got " + r.getNodeType().name().toLowerCase());
            return null;
        }
        Map<String, Double> route = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()) {
                errors.add(path + ".route." + e.getKey() + ": must be a number of output tokens, got " + e.getValue());
                continue;
            }
            route.put(e.getKey(), e.getValue().doubleValue());
        }
        return route;
    }

    private static Iterable<JsonNode> array(List<String> errors, JsonNode root, String field) {
        JsonNode a = root.get(field);
        if (a == null || a.isNull()) {
            errors.add(field + ": missing");
            return List.of();
        }
        if (!a.isArray()) {
            errors.add(field + ": must be an array, got " + a.getNodeType().name().toLowerCase());
            return List.of();
        }
        return a;
    }

    private static boolean object(List<String> errors, JsonNode n, String path) {
        if (!n.isObject()) {
            errors.add(path + ": must be an object, got " + n.getNodeType().name().toLowerCase());
            return false;
        }
        return true;
    }

    private static String string(List<String> errors, JsonNode n, String path, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            errors.add(path + "." + field + ": missing");
            return null;
        }
        if (!v.isTextual()) {
            errors.add(path + "." + field + ": must be a string, got " + v);
            return null;
        }
        return v.textValue();
    }

    private static String optionalString(List<String> errors, JsonNode n, String path, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            errors.add(path + "." + field + ": must be a string when present, got " + v);
            return null;
        }
        return v.textValue();
    }

    private static double optionalNumber(List<String> errors, JsonNode n, String path, String field, double absent) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? absent : number(errors, n, path, field);
    }

    private static double number(List<String> errors, JsonNode n, String path, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            errors.add(path + "." + field + ": missing");
            return Double.NaN;
        }
        if (!v.isNumber()) {
            errors.add(path + "." + field + ": must be a number, got " + v);
            return Double.NaN;
        }
        return v.doubleValue();
    }

    private static int integer(List<String> errors, JsonNode n, String path, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            errors.add(path + "." + field + ": missing");
            return 0;
        }
        double d = v.isNumber() ? v.doubleValue() : Double.NaN;
        if (!v.isNumber() || d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
            errors.add(path + "." + field + ": must be an integer, got " + v);
            return 0;
        }
        return (int) d;
    }
}
