package dev.mosaic.moa.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Retries, backoff, Retry-After, timeouts and SSE parsing against a small in-test HTTP server on 127.0.0.1. */
@Timeout(60)
class OpenAiClientTest {
    private HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();
    private final List<Long> callNanos = new ArrayList<>();

    interface Handler {
        void handle(int call, HttpExchange ex) throws IOException, InterruptedException;
    }

    private String start(Handler h) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            int n = calls.incrementAndGet();
            synchronized (callNanos) {
                callNanos.add(System.nanoTime());
            }
            try {
                ex.getRequestBody().readAllBytes();
                h.handle(n, ex);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the client went away
            } finally {
                ex.close();
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static void send(HttpExchange ex, int status, String body, String... headers) throws IOException {
        for (int i = 0; i < headers.length; i += 2) {
            ex.getResponseHeaders().add(headers[i], headers[i + 1]);
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
    }

    private static OpenAiClient client(String url, long timeoutMs, int retries) {
        return new OpenAiClient(url, "k", new OpenAiClient.Policy(Duration.ofMillis(timeoutMs), retries, Duration.ofMillis(20),
                Duration.ofSeconds(2)));
    }

    private static final String SSE = """
            data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}

            data: {"choices":[{"index":0,"delta":{"content":"The answer"},"logprobs":{"content":[{"token":"The","logprob":-0.5,"bytes":[84,104,101]},{"token":" answer","logprob":-1.5,"bytes":[32,97,110,115,119,101,114]}]}}]}

            data: {"choices":[{"index":0,"delta":{"content":" is B"},"logprobs":{"content":[{"token":" is","logprob":-0.25,"bytes":[32,105,115]},{"token":" B","logprob":-0.125,"bytes":[32,66]}]}}]}

            data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":4}}

            data: [DONE]

            """;

    @Test
    void retriesServerErrorsAndHonoursRetryAfter() throws Exception {
        String url = start((n, ex) -> {
            if (n == 1) {
                send(ex, 503, "{\"error\":{\"message\":\"busy\"}}", "Retry-After", "1");
            } else if (n == 2) {
                send(ex, 500, "oops");
            } else {
                send(ex, 200, "{\"data\":[{\"id\":\"m\"}]}", "Content-Type", "application/json");
            }
        });
        try (OpenAiClient c = client(url, 5000, 3)) {
            JsonNode r = c.get("/models");
            assertEquals("m", r.at("/data/0/id").asText());
        }
        assertEquals(3, calls.get());
        double waited = (callNanos.get(1) - callNanos.get(0)) / 1e9;
        assertTrue(waited >= 0.95, "Retry-After: 1 was not honoured, waited " + waited + " s");
    }

    @Test
    void a429ThatNeverClearsMakesTheServerUnavailableAfterTheRetries() throws Exception {
        String url = start((n, ex) -> send(ex, 429, "{}", "Retry-After", "0"));
        try (OpenAiClient c = client(url, 5000, 2)) {
            RemoteException e = assertThrows(RemoteException.class, () -> c.get("/models"));
            assertTrue(e.unavailable(), e.getMessage());
            assertEquals(429, e.status());
            assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
        }
        assertEquals(3, calls.get());
    }

    @Test
    void otherClientErrorsAreNotRetried() throws Exception {
        String url = start((n, ex) -> send(ex, 400, "{\"error\":{\"message\":\"bad max_tokens\",\"code\":\"x\"}}"));
        try (OpenAiClient c = client(url, 5000, 5)) {
            RemoteException e = assertThrows(RemoteException.class, () -> c.post("/completions", JsonNodeFactory.instance.objectNode()));
            assertFalse(e.unavailable());
            assertEquals(400, e.status());
            assertTrue(e.getMessage().contains("bad max_tokens"), e.getMessage());
        }
        assertEquals(1, calls.get());
    }

    @Test
    void aStreamThatStallsTimesOutAndIsRetried() throws Exception {
        String url = start((n, ex) -> {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            if (n == 1) {
                out.write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(3000); // stalls past the client's timeout
                return;
            }
            out.write(SSE.getBytes(StandardCharsets.UTF_8));
        });
        long t0 = System.nanoTime();
        try (OpenAiClient c = client(url, 400, 2)) {
            RemoteOutput.Builder b = c.stream("/chat/completions", JsonNodeFactory.instance.objectNode(), () -> new RemoteOutput.Builder(true));
            try (RemoteOutput o = b.build(0)) {
                assertEquals("The answer is B", o.text(), "the stalled attempt's text must not leak into the retry");
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        assertEquals(2, calls.get());
        assertTrue(s < 2.5, "the stalled stream was not cut at the timeout: " + s + " s");
    }

    @Test
    void aServerThatIsGoneIsUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (OpenAiClient c = client("http://127.0.0.1:" + port + "/v1", 1000, 2)) {
            long t0 = System.nanoTime();
            RemoteException e = assertThrows(RemoteException.class, () -> c.get("/models"));
            assertTrue(e.unavailable(), e.getMessage());
            assertEquals(0, e.status());
            // two backoffs of 20 ms and 40 ms (with jitter, at least half): bounded, not immediate
            assertTrue((System.nanoTime() - t0) / 1e9 >= 0.03, "no backoff between attempts");
        }
    }

    @Test
    void streamedChatChunksBecomeTextAndSpanLogprobs() throws Exception {
        String url = start((n, ex) -> {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().write(SSE.getBytes(StandardCharsets.UTF_8));
        });
        try (OpenAiClient c = client(url, 5000, 0)) {
            RemoteOutput.Builder b = c.stream("/chat/completions", JsonNodeFactory.instance.objectNode(), () -> new RemoteOutput.Builder(true));
            try (RemoteOutput o = b.build(0.5)) {
                assertEquals("The answer is B", o.text());
                assertEquals(4, o.tokens());
                assertEquals(7, o.promptTokens());
                MemorySegment u = o.utf8();
                assertEquals(15, u.byteSize());
                // " B" is bytes [13, 15): only the last token overlaps
                assertEquals(-0.125, o.meanLogprob(14, 15), 1e-12);
                // "answer is" spans tokens 2 and 3: mean of -1.5 and -0.25, computed in float64 here
                assertEquals((-1.5 + -0.25) / 2, o.meanLogprob(4, 12), 1e-7);
                assertTrue(Double.isNaN(o.meanLogprob(5, 5)));
            }
        }
    }

    @Test
    void retryAfterParsesSecondsAndIgnoresDates() {
        assertEquals(2500, OpenAiClient.retryAfterMillis(java.util.Optional.of("2.5")));
        assertEquals(-1, OpenAiClient.retryAfterMillis(java.util.Optional.of("Wed, 21 Oct 2015 07:28:00 GMT")));
        assertEquals(-1, OpenAiClient.retryAfterMillis(java.util.Optional.empty()));
    }
}
