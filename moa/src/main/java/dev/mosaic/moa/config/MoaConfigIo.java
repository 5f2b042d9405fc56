package dev.mosaic.moa.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code moa.json}. Every problem is reported as a {@link MoaInputException} naming the
 * file and the field; unknown fields are allowed (and ignored). Model paths are resolved against
 * the folder of the configuration file. Stateless and thread-safe.
 */
public final class MoaConfigIo {
    /** Output cap of an expert or the aggregator that names none. */
    public static final int DEFAULT_MAX_TOKENS = 256;
    /** KV cache per replica of a worker that names none. */
    public static final long DEFAULT_KV_BUDGET_BYTES = 64L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private MoaConfigIo() {}

    /** Reads and validates the configuration in {@code file}. */
    public static MoaConfig read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new MoaInputException(file, 0, null, "no such file");
        } catch (IOException e) {
            throw new MoaInputException(file, 0, null, "cannot read: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() != null ? e.getLocation().getLineNr() : 0;
            throw new MoaInputException(file, Math.max(line, 0), null, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MoaInputException(file, 0, null, "cannot read: " + e.getMessage());
        }
        return new Reader(file).config(root);
    }

    private static final class Reader {
        final Path file;
        final Path dir;

        Reader(Path file) {
            this.file = file;
            Path parent = file.toAbsolutePath().getParent();
            this.dir = parent != null ? parent : Path.of(".").toAbsolutePath();
        }

        MoaInputException bad(String field, String reason) {
            return new MoaInputException(file, 0, field, reason);
        }

        MoaConfig config(JsonNode root) {
            if (root == null || !root.isObject()) {
                throw bad(null, "the configuration must be a JSON object");
            }
            JsonNode ex = root.get("experts");
            if (ex == null || !ex.isArray() || ex.isEmpty()) {
                throw bad("experts", "must be a non-empty array of {\"id\", \"model\", \"maxTokens\"}");
            }
            List<MoaConfig.ModelSpec> experts = new ArrayList<>();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < ex.size(); i++) {
                MoaConfig.ModelSpec m = model(ex.get(i), "experts[" + i + "]");
                if (!ids.add(m.id())) {
                    throw bad("experts[" + i + "].id", "duplicate id \"" + m.id() + "\"");
                }
                experts.add(m);
            }
            JsonNode ag = root.get("aggregator");
            if (ag == null || ag.isNull()) {
                throw bad("aggregator", "is required: {\"id\", \"model\", \"maxTokens\"}");
            }
            MoaConfig.ModelSpec aggregator = model(ag, "aggregator");
            if (ids.contains(aggregator.id())) {
                throw bad("aggregator.id", "\"" + aggregator.id() + "\" is also an expert id; give the aggregator its own id");
            }
            JsonNode ws = root.get("workers");
            if (ws == null || !ws.isArray() || ws.isEmpty()) {
                throw bad("workers", "must be a non-empty array of {\"id\", \"kind\", \"threads\", \"memoryGiB\"}");
            }
            List<MoaConfig.WorkerSpec> workers = new ArrayList<>();
            Set<String> wids = new HashSet<>();
            for (int i = 0; i < ws.size(); i++) {
                MoaConfig.WorkerSpec w = worker(ws.get(i), "workers[" + i + "]");
                if (!wids.add(w.id())) {
                    throw bad("workers[" + i + "].id", "duplicate id \"" + w.id() + "\"");
                }
                workers.add(w);
            }
            for (int i = 0; i < workers.size(); i++) {
                MoaConfig.Remote r = workers.get(i).remote();
                if (r == null) {
                    continue;
                }
                for (String e : r.serves().keySet()) {
                    if (!ids.contains(e) && !e.equals(aggregator.id())) {
                        throw bad("workers[" + i + "].serves." + e, "unknown expert \"" + e + "\" (experts: " + ids
                                + ", aggregator: " + aggregator.id() + ")");
                    }
                }
            }
            MoaConfig.Routing routing = routing(root.get("routing"), experts, ids);
            MoaConfig.Agreement agreement = agreement(root.get("agreement"));
            return new MoaConfig(experts, aggregator, workers, routing, agreement, file);
        }

        MoaConfig.ModelSpec model(JsonNode n, String at) {
            if (n == null || !n.isObject()) {
                throw bad(at, "must be an object {\"id\", \"model\", \"maxTokens\"}");
            }
            String id = string(n, at, "id", null);
            String model = string(n, at, "model", null);
            int maxTokens = intField(n, at, "maxTokens", DEFAULT_MAX_TOKENS, 1, 1 << 20);
            Path p = dir.resolve(model).normalize();
            if (!Files.exists(p)) {
                throw bad(at + ".model", "no such file or directory: " + p);
            }
            return new MoaConfig.ModelSpec(id, p, maxTokens);
        }

        MoaConfig.WorkerSpec worker(JsonNode n, String at) {
            if (n == null || !n.isObject()) {
                throw bad(at, "must be an object {\"id\", \"kind\", \"threads\", \"memoryGiB\"}");
            }
            String id = string(n, at, "id", null);
            String kind = string(n, at, "kind", "cpu");
            if (kind.equals("openai")) {
                return remoteWorker(n, at, id);
            }
            if (!kind.equals("cpu")) {
                throw bad(at + ".kind", "unknown worker kind \"" + kind + "\" (known: cpu, openai)");
            }
            int threads = intField(n, at, "threads", 1, 1, 256);
            double mem = number(n, at, "memoryGiB", Double.NaN);
            if (!(mem > 0) || Double.isInfinite(mem)) {
                throw bad(at + ".memoryGiB", "is required and must be a positive number of GiB");
            }
            double kvMiB = number(n, at, "kvBudgetMiB", DEFAULT_KV_BUDGET_BYTES / (double) (1 << 20));
            if (!(kvMiB >= 1) || Double.isInfinite(kvMiB)) {
                throw bad(at + ".kvBudgetMiB", "must be >= 1, got " + kvMiB);
            }
            return new MoaConfig.WorkerSpec(id, kind, threads, mem, (long) (kvMiB * (1 << 20)));
        }

        MoaConfig.WorkerSpec remoteWorker(JsonNode n, String at, String id) {
            String base = string(n, at, "baseUrl", null);
            java.net.URI uri;
            try {
                uri = new java.net.URI(base);
            } catch (java.net.URISyntaxException e) {
                throw bad(at + ".baseUrl", "not a URL: " + e.getMessage());
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw bad(at + ".baseUrl", "must be an http:// or https:// URL with a host, e.g. http://gpu-node-1:8000/v1, got " + base);
            }
            JsonNode k = n.get("apiKey");
            String apiKey = null;
            if (k != null && !k.isNull()) {
                if (!k.isTextual()) {
                    throw bad(at + ".apiKey", "must be a string");
                }
                apiKey = k.asText();
            }
            boolean manage = false;
            JsonNode mg = n.get("manage");
            if (mg != null && !mg.isNull()) {
                if (!mg.isBoolean()) {
                    throw bad(at + ".manage", "must be true or false");
                }
                manage = mg.asBoolean();
            }
            Map<String, String> serves = new LinkedHashMap<>();
            JsonNode sv = n.get("serves");
            if (sv != null && !sv.isNull()) {
                if (!sv.isObject()) {
                    throw bad(at + ".serves", "must be an object mapping an expert id to the model name on that server");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = sv.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
                        throw bad(at + ".serves." + e.getKey(), "must be the model's name on the server (a non-empty string)");
                    }
                    serves.put(e.getKey(), e.getValue().asText());
                }
            }
            if (serves.isEmpty() && !manage) {
                throw bad(at + ".serves", "an openai worker needs \"serves\" (expert id -> model name on the server) "
                        + "or \"manage\": true (the planner loads models there)");
            }
            double mem = number(n, at, "memoryGiB", Double.NaN);
            if (!(mem > 0) || Double.isInfinite(mem)) {
                throw bad(at + ".memoryGiB", "is required and must be a positive number of GiB");
            }
            int concurrency = intField(n, at, "concurrency", 8, 1, 4096);
            double timeout = number(n, at, "timeoutSeconds", 600);
            if (!(timeout > 0) || Double.isInfinite(timeout)) {
                throw bad(at + ".timeoutSeconds", "must be a positive number of seconds, got " + timeout);
            }
            int retries = intField(n, at, "retries", 4, 0, 100);
            double kvMiB = number(n, at, "kvBudgetMiB", DEFAULT_KV_BUDGET_BYTES / (double) (1 << 20));
            if (!(kvMiB >= 1) || Double.isInfinite(kvMiB)) {
                throw bad(at + ".kvBudgetMiB", "must be >= 1, got " + kvMiB);
            }
            return new MoaConfig.WorkerSpec(id, "openai", 1, mem, (long) (kvMiB * (1 << 20)),
                    new MoaConfig.Remote(base.endsWith("/") ? base.substring(0, base.length() - 1) : base, apiKey, serves,
                            manage, concurrency, timeout, retries));
        }

        MoaConfig.Routing routing(JsonNode n, List<MoaConfig.ModelSpec> experts, Set<String> ids) {
            List<String> all = experts.stream().map(MoaConfig.ModelSpec::id).toList();
            if (n == null || n.isNull()) {
                return new MoaConfig.Routing(all, Map.of());
            }
            if (!n.isObject()) {
                throw bad("routing", "must be an object {\"default\": [...], \"byCategory\": {...}}");
            }
            List<String> def = n.has("default") ? idList(n.get("default"), "routing.default", ids) : all;
            Map<String, List<String>> by = new LinkedHashMap<>();
            JsonNode bc = n.get("byCategory");
            if (bc != null && !bc.isNull()) {
                if (!bc.isObject()) {
                    throw bad("routing.byCategory", "must be an object mapping a category to a list of expert ids");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = bc.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    by.put(e.getKey(), idList(e.getValue(), "routing.byCategory." + e.getKey(), ids));
                }
            }
            return new MoaConfig.Routing(def, by);
        }

        List<String> idList(JsonNode n, String at, Set<String> ids) {
            if (n == null || !n.isArray() || n.isEmpty()) {
                throw bad(at, "must be a non-empty array of expert ids");
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) {
                JsonNode v = n.get(i);
                if (!v.isTextual()) {
                    throw bad(at + "[" + i + "]", "must be an expert id (string)");
                }
                if (!ids.contains(v.asText())) {
                    throw bad(at + "[" + i + "]", "unknown expert \"" + v.asText() + "\" (experts: " + ids + ")");
                }
                if (out.contains(v.asText())) {
                    throw bad(at + "[" + i + "]", "expert \"" + v.asText() + "\" listed twice");
                }
                out.add(v.asText());
            }
            return out;
        }

        MoaConfig.Agreement agreement(JsonNode n) {
            if (n == null || n.isNull()) {
                return new MoaConfig.Agreement("choice", "unanimity", false, 0.001, 0.95, 0.3);
            }
            if (!n.isObject()) {
                throw bad("agreement", "must be an object {\"extractor\", \"rule\"}");
            }
            String extractor = string(n, "agreement", "extractor", "choice");
            String rule = string(n, "agreement", "rule", "unanimity");
            boolean calibrate = false;
            JsonNode c = n.get("calibrate");
            if (c != null && !c.isNull()) {
                if (!c.isBoolean()) {
                    throw bad("agreement.calibrate", "must be true or false");
                }
                calibrate = c.asBoolean();
            }
            double budget = number(n, "agreement", "budget", 0.001);
            if (!(budget >= 0 && budget < 1)) {
                throw bad("agreement.budget", "must be in [0, 1) (a fraction: 0.001 = 0.1 pp), got " + budget);
            }
            double confidence = number(n, "agreement", "confidence", 0.95);
            if (!(confidence > 0 && confidence < 1)) {
                throw bad("agreement.confidence", "must be in (0, 1), got " + confidence);
            }
            double fraction = number(n, "agreement", "calibrationFraction", 0.3);
            if (!(fraction > 0 && fraction < 1)) {
                throw bad("agreement.calibrationFraction", "must be in (0, 1), got " + fraction);
            }
            return new MoaConfig.Agreement(extractor, rule, calibrate, budget, confidence, fraction);
        }

        String string(JsonNode n, String at, String name, String dflt) {
            JsonNode v = n.get(name);
            if (v == null || v.isNull()) {
                if (dflt != null) {
                    return dflt;
                }
                throw bad(at + "." + name, "is required");
            }
            if (!v.isTextual() || v.asText().isBlank()) {
                throw bad(at + "." + name, "must be a non-empty string");
            }
            return v.asText();
        }

        int intField(JsonNode n, String at, String name, int dflt, int min, int max) {
            JsonNode v = n.get(name);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
                throw bad(at + "." + name, "must be an integer in " + min + ".." + max + ", got " + v);
            }
            return v.asInt();
        }

        double number(JsonNode n, String at, String name, double dflt) {
            JsonNode v = n.get(name);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isNumber()) {
                throw bad(at + "." + name, "must be a number, got " + v);
            }
            return v.asDouble();
        }
    }
}
