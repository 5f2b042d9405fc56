package dev.mosaic.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.engine.EngineConfig;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * {@code mosaic serve}: an OpenAI-compatible HTTP server (Helidon SE's web server, one virtual
 * thread per request) in front of one engine per model. Endpoints: {@code GET /v1/models},
 * {@code POST /v1/completions}, {@code POST /v1/chat/completions} (streaming as server-sent
 * events), {@code GET /health}, {@code GET /metrics} (Prometheus text), and
 * {@code GET /models}, {@code POST /models/load}, {@code POST /models/unload} for replica
 * management (llama.cpp router mode's shape). Errors are OpenAI error objects.
 *
 * <p>{@link #shutdown()} (also run on SIGTERM once {@link #installShutdownHook()} is called)
 * refuses new requests with 503, lets in-flight ones finish up to the drain timeout, then stops
 * the listener and frees every engine. Thread-safe.
 */
public final class MosaicServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MosaicServer.class.getName());
    /** Hard cap on what the listener reads at all; bodies above the configured limit are read and dropped up to it. */
    private static final long DISCARD_LIMIT = 64L << 20;

    private final ServerConfig config;
    private final ObjectMapper json = new ObjectMapper();
    private final ModelRegistry registry;
    private final ServerMetrics metrics;
    private final Completions completions;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final byte[] expectedAuth;
    private WebServer web;

    private MosaicServer(ServerConfig config) {
        this.config = config;
        EngineConfig engine = EngineConfig.cpu(config.threads()).withKvBudgetBytes(config.kvBudgetBytes());
        this.registry = new ModelRegistry(config, engine);
        this.metrics = new ServerMetrics(registry::loaded);
        this.completions = new Completions(json, metrics, config.maxQueue());
        this.expectedAuth = config.apiKey() == null ? null : ("Bearer " + config.apiKey()).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Loads the models (name to file; memory checked), then listens. On any failure everything
     * loaded so far is freed and the exception (an {@link IllegalArgumentException} for bad models) propagates.
     */
    public static MosaicServer start(ServerConfig config, Map<String, Path> models) {
        MosaicServer s = new MosaicServer(config);
        try {
            for (var e : models.entrySet()) {
                try {
                    s.registry.load(e.getKey(), e.getValue());
                } catch (ApiException ex) {
                    throw new IllegalArgumentException("--model " + e.getKey() + "=" + e.getValue() + ": " + ex.getMessage(), ex);
                }
            }
            s.web = WebServer.builder()
                    .host(config.host())
                    .port(config.port())
                    .shutdownHook(false)
                    .maxPayloadSize(DISCARD_LIMIT)
                    // Streamed tokens are small writes, one per token: without TCP_NODELAY, Nagle holds
                    // each behind the ACK of the last (and the peer's delayed ACK), adding latency.
                    .connectionOptions(o -> o.tcpNoDelay(true))
                    .routing(s::routes)
                    .build()
                    .start();
        } catch (RuntimeException | Error e) {
            s.registry.close();
            throw e;
        }
        return s;
    }

    /** The port it listens on. */
    public int port() {
        return web.port();
    }

    /** Names of the loaded models, in load order. */
    public java.util.List<String> models() {
        return registry.loaded().stream().map(ServedModel::name).toList();
    }

    ModelRegistry registry() {
        return registry;
    }

    /** Runs {@link #shutdown()} when the JVM is asked to stop (SIGTERM, SIGINT). */
    public void installShutdownHook() {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("mosaic-serve-drain").unstarted(this::shutdown));
    }

    /** Blocks until {@link #shutdown()} has finished. */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /** Drains (new requests get 503, in-flight ones finish up to the drain timeout), stops listening, frees the engines. */
    public void shutdown() {
        if (!draining.compareAndSet(false, true)) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            int cancelled = registry.drainAll();
            if (cancelled > 0) {
                LOG.warning("drain timeout: cancelled " + cancelled + " requests still running");
            }
            // Let cancelled streams write their last bytes before the listener goes.
            waitForIdle(2_000);
            web.stop();
        } finally {
            try {
                registry.close();
            } finally {
                stopped.countDown();
            }
        }
    }

    @Override
    public void close() {
        shutdown();
    }

    private void waitForIdle(long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline && registry.loaded().stream().anyMatch(m -> m.inFlight() > 0)) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void routes(HttpRouting.Builder r) {
        r.error(ApiException.class, (req, res, e) -> sendError(res, e))
                .error(Exception.class, (req, res, e) -> {
                    LOG.warning("request " + req.prologue().method().text() + " " + req.path().path() + " failed: " + e);
                    sendError(res, new ApiException(500, "server_error", null, null, "Internal error: " + e.getMessage(), 0));
                })
                .any(this::authorize)
                .get("/health", this::health)
                .get("/metrics", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, metrics.contentType());
                    res.send(metrics.scrape());
                })
                .get("/v1/models", this::listModels)
                .get("/models", this::listManagedModels)
                .post("/v1/completions", (req, res) -> complete(req, res, false))
                .post("/v1/chat/completions", (req, res) -> complete(req, res, true))
                .post("/models/load", this::load)
                .post("/models/unload", this::unload)
                .any((req, res) -> {
                    throw new ApiException(404, "invalid_request_error", null, "not_found",
                            "No route for " + req.prologue().method().text() + " " + req.path().path(), 0);
                });
    }

    private void authorize(ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        if (expectedAuth != null && (path.startsWith("/v1/") || path.startsWith("/models"))) {
            byte[] given = req.headers().first(HeaderNames.AUTHORIZATION).orElse("").getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(given, expectedAuth)) {
                throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                        "Missing or wrong API key: send 'Authorization: Bearer <key>'", 0);
            }
        }
        res.next();
    }

    private void health(ServerRequest req, ServerResponse res) {
        ObjectNode o = json.createObjectNode();
        boolean up = !draining.get();
        o.put("status", up ? "ok" : "draining");
        ArrayNode models = o.putArray("models");
        registry.loaded().forEach(m -> models.add(m.name()));
        res.status(up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
        if (!up) {
            res.header(HeaderNames.RETRY_AFTER, "5");
        }
        sendJson(res, o);
    }

    private void listModels(ServerRequest req, ServerResponse res) {
        ObjectNode o = json.createObjectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        for (ServedModel m : registry.loaded()) {
            ObjectNode d = data.addObject();
            d.put("id", m.name());
            d.put("object", "model");
            d.put("created", m.createdEpochSeconds());
            d.put("owned_by", "mosaic");
            d.put("max_model_len", m.engine().model().config().contextLength());
        }
        sendJson(res, o);
    }

    private void listManagedModels(ServerRequest req, ServerResponse res) {
        ObjectNode o = json.createObjectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        for (ModelRegistry.Entry e : registry.entries()) {
            ObjectNode d = data.addObject();
            d.put("id", e.name());
            d.put("object", "model");
            d.put("path", e.path().toString());
            d.putObject("status").put("value", e.loaded() ? "loaded" : "unloaded");
            registry.find(e.name()).ifPresent(m -> d.put("memory_bytes", m.memoryBytes()));
        }
        o.put("memory_budget_bytes", config.memoryBudgetBytes());
        o.put("memory_used_bytes", registry.usedBytes());
        sendJson(res, o);
    }

    private void complete(ServerRequest req, ServerResponse res, boolean chat) {
        refuseWhileDraining();
        CompletionRequest r = CompletionRequest.parse(body(req), chat);
        ServedModel m = registry.find(r.model()).orElseThrow(() -> ApiException.modelNotFound(r.model()));
        completions.run(m, r, res);
    }

    private void load(ServerRequest req, ServerResponse res) {
        refuseWhileDraining();
        JsonNode b = body(req);
        if (!b.isObject()) {
            throw ApiException.badField(null, "The request body must be a JSON object");
        }
        String name = RequestFields.requiredString(b, "model");
        String path = RequestFields.string(b, "path", null);
        registry.load(name, path == null ? null : Path.of(path));
        ObjectNode o = json.createObjectNode();
        o.put("success", true);
        o.put("model", name);
        sendJson(res, o);
    }

    private void unload(ServerRequest req, ServerResponse res) {
        JsonNode b = body(req);
        if (!b.isObject()) {
            throw ApiException.badField(null, "The request body must be a JSON object");
        }
        String name = RequestFields.requiredString(b, "model");
        if (!registry.unload(name)) {
            throw ApiException.modelNotFound(name);
        }
        ObjectNode o = json.createObjectNode();
        o.put("success", true);
        o.put("model", name);
        sendJson(res, o);
    }

    private void refuseWhileDraining() {
        if (draining.get()) {
            throw ApiException.unavailable("The server is shutting down", 5);
        }
    }

    /** Reads and parses the body; more than the limit gives 413, malformed JSON 400. */
    private JsonNode body(ServerRequest req) {
        long limit = config.maxBodyBytes();
        OptionalLong declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > DISCARD_LIMIT) {
            throw tooLarge(declared.getAsLong(), limit);
        }
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                // Read the rest (up to the hard cap) so the client gets the answer rather than a reset connection.
                long total = bytes.length + in.transferTo(java.io.OutputStream.nullOutputStream());
                throw tooLarge(total, limit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.length == 0) {
            throw ApiException.badField(null, "The request has no body: send a JSON object");
        }
        try {
            return json.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "invalid_json", "The body is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ApiException tooLarge(long size, long limit) {
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "The request body of " + size + " bytes exceeds this server's limit of " + limit + " bytes", 0);
    }

    private void sendError(ServerResponse res, ApiException e) {
        if (e.status() >= 400 && e.status() != 404) {
            metrics.rejected.labelValues(Integer.toString(e.status())).inc();
        }
        ObjectNode o = json.createObjectNode();
        errorBody(o.putObject("error"), e);
        res.status(Status.create(e.status()));
        if (e.retryAfterSeconds() > 0) {
            res.header(HeaderNames.RETRY_AFTER, Integer.toString(e.retryAfterSeconds()));
        }
        sendJson(res, o);
    }

    static void errorBody(ObjectNode error, ApiException e) {
        error.put("message", e.getMessage());
        error.put("type", e.type());
        if (e.param() != null) {
            error.put("param", e.param());
        } else {
            error.putNull("param");
        }
        if (e.code() != null) {
            error.put("code", e.code());
        } else {
            error.putNull("code");
        }
    }

    private void sendJson(ServerResponse res, ObjectNode o) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try {
            res.send(json.writeValueAsBytes(o));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The models of a command line, {@code [NAME=]PATH} each, in order; names default to the file name without extension. */
    public static Map<String, Path> parseModels(java.util.List<String> specs) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            String name = eq > 0 ? spec.substring(0, eq) : null;
            Path path = Path.of(eq > 0 ? spec.substring(eq + 1) : spec);
            if (name == null) {
                name = ModelRegistry.defaultName(path);
            }
            if (out.putIfAbsent(name, path) != null) {
                throw new IllegalArgumentException("--model " + spec + ": the name '" + name + "' is given twice");
            }
        }
        return out;
    }
}
