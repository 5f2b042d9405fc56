package dev.mosaic.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Bad input, auth, health, metrics, model load/unload and client disconnects, over plain HTTP on 127.0.0.1. */
@Timeout(120)
class HttpBehaviourTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static Path model;
    static MosaicServer server;
    static HttpClient http;

    @BeforeAll
    static void start() {
        model = TestServers.writeTiny(dir, "tiny", 21);
        server = MosaicServer.start(ServerConfig.defaults().withPort(0).withKvBudgetBytes(16L << 20), Map.of("tiny", model));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static URI uri(MosaicServer s, String path) {
        return URI.create("http://127.0.0.1:" + s.port() + path);
    }

    static HttpResponse<String> post(MosaicServer s, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(s, path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(MosaicServer s, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(s, path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Asserts an OpenAI error object with this status and param; returns its error node. */
    static JsonNode assertError(HttpResponse<String> r, int status, String param) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertTrue(e != null && e.get("message").isTextual() && !e.get("message").asText().isEmpty(), r.body());
        assertTrue(e.has("type") && e.has("param") && e.has("code"), r.body());
        if (param != null) {
            assertEquals(param, e.get("param").asText(), r.body());
        }
        return e;
    }

    @Test
    void badInputGetsA400NamingTheField() throws Exception {
        JsonNode e = assertError(post(server, "/v1/chat/completions", "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\""), 400, null);
        assertEquals("invalid_json", e.get("code").asText());
        assertError(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"max_tokens\": \"ten\"}"), 400, "max_tokens");
        assertError(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"max_tokens\": -1}"), 400, "max_tokens");
        assertError(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"temperature\": \"hot\"}"), 400, "temperature");
        assertError(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"top_p\": 0}"), 400, "top_p");
        assertError(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": 5}"), 400, "prompt");
        assertError(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": [1, 2, 99999]}"), 400, "prompt");
        assertError(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"stop\": [1]}"), 400, "stop");
        assertError(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"stream\": \"yes\"}"), 400, "stream");
        assertError(post(server, "/v1/completions", "{\"prompt\": \"x\"}"), 400, "model");
        assertError(post(server, "/v1/completions", "[1, 2]"), 400, null);
        assertError(post(server, "/v1/chat/completions", "{\"model\": \"tiny\", \"messages\": 5}"), 400, "messages");
        assertError(post(server, "/v1/chat/completions", "{\"model\": \"tiny\", \"messages\": [{\"content\": \"x\"}]}"), 400,
                "messages[0].role");
        assertError(post(server, "/v1/chat/completions", "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                + " \"top_logprobs\": 3}"), 400, "top_logprobs");
        assertEquals("model_not_found", assertError(post(server, "/v1/chat/completions",
                "{\"model\": \"gpt-9\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}"), 404, "model").get("code").asText());
        assertError(get(server, "/v1/nothing"), 404, null);
    }

    @Test
    void oversizedBodiesAndPromptsAreRefused() throws Exception {
        char[] big = new char[10 << 20];
        Arrays.fill(big, 'a');
        String body = "{\"model\": \"tiny\", \"prompt\": \"" + new String(big) + "\"}";
        JsonNode e = assertError(post(server, "/v1/completions", body), 413, null);
        assertEquals("request_too_large", e.get("code").asText());
        // Beyond the context (4096): each 'a x' pair is several tokens.
        String longPrompt = "a b ".repeat(3000);
        e = assertError(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"" + longPrompt + "\"}"), 400, "prompt");
        assertEquals("context_length_exceeded", e.get("code").asText());
        e = assertError(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"hi\", \"max_tokens\": 5000}"), 400, "max_tokens");
        assertEquals("context_length_exceeded", e.get("code").asText());
        // The server still answers normally afterwards.
        assertEquals(200, post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"hi\", \"max_tokens\": 2}").statusCode());
    }

    @Test
    void healthAndMetrics() throws Exception {
        HttpResponse<String> h = get(server, "/health");
        assertEquals(200, h.statusCode());
        assertEquals("ok", JSON.readTree(h.body()).get("status").asText());
        assertEquals(200, post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"hello\", \"max_tokens\": 4}").statusCode());
        String m = get(server, "/metrics").body();
        for (String name : new String[] {"mosaic_requests_running{model=\"tiny\"}", "mosaic_requests_waiting{model=\"tiny\"}",
                "mosaic_kv_blocks_used{model=\"tiny\"}", "mosaic_kv_blocks_total{model=\"tiny\"}", "mosaic_prompt_tokens_total{model=\"tiny\"}",
                "mosaic_generation_tokens_total{model=\"tiny\"}", "mosaic_time_to_first_token_seconds_bucket",
                "mosaic_inter_token_latency_seconds_bucket"}) {
            assertTrue(m.contains(name), name + " missing from\n" + m);
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamCancelsItsGenerationAndFreesItsBlocks() throws Exception {
        ServedModel served = MosaicServerAccess.model(server, "tiny");
        String body = "{\"model\": \"tiny\", \"prompt\": \"Once\", \"max_tokens\": 4000, \"ignore_eos\": true, \"stream\": true}";
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri(server, "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        long generatedBefore = served.engine().stats().generatedTokens();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            int events = 0;
            String line;
            while (events < 5 && (line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    events++;
                }
            }
            assertEquals(5, events);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (served.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, served.inFlight(), "the generation was not cancelled");
        var st = served.engine().stats();
        assertEquals(0, st.kvBlocksUsed(), "KV blocks not returned");
        assertTrue(st.generatedTokens() - generatedBefore < 4000, "it ran to the end instead of being cancelled");
    }

    @Test
    void modelsLoadAndUnloadWithMemoryChecked() throws Exception {
        Path other = TestServers.writeTiny(dir, "other", 22);
        // A budget that holds one model (weights ~3 MB + 2 MiB KV) but not two.
        long one = java.nio.file.Files.size(model) + (2L << 20);
        try (MosaicServer s = MosaicServer.start(ServerConfig.defaults().withPort(0).withKvBudgetBytes(2L << 20)
                .withMemoryBudgetBytes(one + one / 2), Map.of("tiny", model))) {
            JsonNode e = assertError(post(s, "/models/load", "{\"model\": \"other\", \"path\": \"" + other + "\"}"), 400, "model");
            assertEquals("insufficient_memory", e.get("code").asText());
            assertTrue(e.get("message").asText().contains("GiB"), e.toString());
            assertError(post(s, "/models/load", "{\"model\": \"x\", \"path\": \"" + dir.resolve("missing.gguf") + "\"}"), 400, "path");
            assertError(post(s, "/models/load", "{\"model\": 3}"), 400, "model");
            assertEquals(200, post(s, "/models/unload", "{\"model\": \"tiny\"}").statusCode());
            assertError(post(s, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"max_tokens\": 1}"), 404, "model");
            assertError(post(s, "/models/unload", "{\"model\": \"tiny\"}"), 404, "model");
            HttpResponse<String> ok = post(s, "/models/load", "{\"model\": \"other\", \"path\": \"" + other + "\"}");
            assertEquals(200, ok.statusCode(), ok.body());
            assertTrue(JSON.readTree(ok.body()).get("success").asBoolean());
            assertEquals(200, post(s, "/v1/completions", "{\"model\": \"other\", \"prompt\": \"x\", \"max_tokens\": 2}").statusCode());
            JsonNode list = JSON.readTree(get(s, "/models").body()).get("data");
            assertEquals(2, list.size());
            assertEquals("unloaded", list.get(0).get("status").get("value").asText());
            assertEquals("loaded", list.get(1).get("status").get("value").asText());
            JsonNode v1 = JSON.readTree(get(s, "/v1/models").body()).get("data");
            assertEquals(1, v1.size());
            assertEquals("other", v1.get(0).get("id").asText());
            // The name it was known by loads it again without a path, once there is room.
            assertEquals(200, post(s, "/models/unload", "{\"model\": \"other\"}").statusCode());
            assertEquals(200, post(s, "/models/load", "{\"model\": \"tiny\"}").statusCode());
        }
    }

    @Test
    void apiKeyIsChecked() throws Exception {
        try (MosaicServer s = MosaicServer.start(ServerConfig.defaults().withPort(0).withApiKey("sekrit").withKvBudgetBytes(2L << 20),
                Map.of("tiny", model))) {
            assertError(get(s, "/v1/models"), 401, null);
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(uri(s, "/v1/models")).header("Authorization", "Bearer sekrit")
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(uri(s, "/v1/models")).header("Authorization", "Bearer nope")
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, wrong.statusCode());
            assertEquals(200, get(s, "/health").statusCode());
        }
    }

    @Test
    void defaultsBindToLoopback() {
        assertEquals("127.0.0.1", ServerConfig.defaults().host());
        assertFalse(ServerConfig.defaults().apiKey() != null);
    }
}
