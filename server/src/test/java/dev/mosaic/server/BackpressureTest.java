package dev.mosaic.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * More concurrent streaming requests than the KV cache holds: the first ones wait in the bounded
 * queue (and all finish, complete), those beyond the queue get 429 with Retry-After, nothing
 * fails otherwise, and every KV block returns.
 */
@Timeout(180)
class BackpressureTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Outcome(int status, String retryAfter, String body) {}

    @Test
    void moreStreamsThanKvSpaceWaitOrGet429AndAllBlocksReturn() throws Exception {
        Path model = TestServers.writeTiny(dir, "tiny", 31);
        int maxTokens = 600;
        // 64 blocks of 16 positions: one 600-token sequence needs 38, so at most one runs at full length.
        long kv = 64L * 16 * TestServers.KV_BYTES_PER_TOKEN;
        try (MosaicServer s = MosaicServer.start(ServerConfig.defaults().withPort(0).withKvBudgetBytes(kv).withMaxQueue(2),
                Map.of("tiny", model));
             HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            ServedModel served = MosaicServerAccess.model(s, "tiny");
            String body = "{\"model\": \"tiny\", \"prompt\": \"Once upon a time\", \"max_tokens\": " + maxTokens
                    + ", \"ignore_eos\": true, \"stream\": true, \"stream_options\": {\"include_usage\": true}}";
            List<CompletableFuture<Outcome>> first = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                first.add(send(http, s, body));
            }
            // Wait until the cache is full and the queue holds its limit.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (served.waiting() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertTrue(served.waiting() >= 2, "requests never had to wait");
            List<CompletableFuture<Outcome>> second = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                second.add(send(http, s, body));
            }
            int ok = 0;
            int refused = 0;
            List<Outcome> all = new ArrayList<>();
            for (var f : first) {
                all.add(f.get(120, TimeUnit.SECONDS));
            }
            for (var f : second) {
                all.add(f.get(120, TimeUnit.SECONDS));
            }
            for (Outcome o : all) {
                if (o.status() == 200) {
                    ok++;
                    // A complete stream: every token, the usage chunk, then [DONE].
                    assertTrue(o.body().trim().endsWith("data: [DONE]"), o.body());
                    String usage = o.body().lines().filter(l -> l.contains("\"choices\":[]")).findFirst().orElseThrow();
                    JsonNode u = JSON.readTree(usage.substring("data: ".length())).get("usage");
                    assertEquals(maxTokens, u.get("completion_tokens").asInt());
                } else {
                    assertEquals(429, o.status(), o.body());
                    refused++;
                    assertTrue(Integer.parseInt(o.retryAfter()) >= 1, "Retry-After " + o.retryAfter());
                    assertEquals("queue_full", JSON.readTree(o.body()).get("error").get("code").asText());
                }
            }
            assertTrue(ok >= 5, "the first requests (running or queued) must all finish; ok=" + ok);
            assertTrue(refused >= 1, "no request was refused beyond the queue");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((served.inFlight() > 0 || served.engine().stats().kvBlocksUsed() > 0) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, served.engine().stats().kvBlocksUsed(), "KV blocks still held");
            assertEquals(0, served.engine().stats().running());
        }
    }

    private static CompletableFuture<Outcome> send(HttpClient http, MosaicServer s, String body) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/completions"))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Outcome(r.statusCode(), r.headers().firstValue("retry-after").orElse(null), r.body()));
    }
}
