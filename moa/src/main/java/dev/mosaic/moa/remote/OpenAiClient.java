package dev.mosaic.moa.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A small client of the OpenAI-compatible HTTP API (vLLM, SGLang, llama.cpp server, mosaic serve):
 * JSON requests and server-sent-event streams, each bounded by a per-request timeout (connect to
 * last byte), retried with exponential backoff and jitter on connection errors, timeouts, 429 and
 * 5xx (a {@code Retry-After} in seconds is honoured), never on other 4xx.
 *
 * <p>Built on the JDK's {@code java.net.http} rather than {@code com.openai:openai-java-core}:
 * the moa module stays a lean library (no Kotlin runtime, OkHttp or extra Jackson modules), the
 * streamed chunks are parsed with the Jackson the module already uses, and engine-specific body
 * fields ({@code top_k}, {@code seed}, router-mode {@code /models/load}) need no escape hatch.
 *
 * <p>Thread-safe; close it to stop its timeout timer.
 */
public final class OpenAiClient implements AutoCloseable {

    /**
     * Timeouts and retries.
     *
     * <p>Immutable; thread-safe.
     *
     * @param timeout limit of one attempt, from connecting to the last byte of the body
     * @param retries attempts after the first
     * @param firstBackoff wait before the first retry (doubled per retry, with jitter)
     * @param maxBackoff largest wait between attempts (also caps a server's Retry-After)
     */
    public record Policy(Duration timeout, int retries, Duration firstBackoff, Duration maxBackoff) {
        public Policy {
            if (timeout.isNegative() || timeout.isZero() || retries < 0 || firstBackoff.isNegative() || maxBackoff.isNegative()) {
                throw new IllegalArgumentException("bad retry policy: " + timeout + ", " + retries + " retries, " + firstBackoff
                        + ".." + maxBackoff);
            }
        }

        public static Policy of(double timeoutSeconds, int retries) {
            return new Policy(Duration.ofMillis((long) (timeoutSeconds * 1000)), retries, Duration.ofMillis(200), Duration.ofSeconds(10));
        }
    }

    /**
     * Receives one attempt's stream: each {@code data:} payload parsed as JSON, then the end. Called on the
     * thread that called {@link OpenAiClient#stream}, one call at a time, with a fresh handler per attempt, so
     * implementations need not be thread-safe.
     */
    public interface StreamHandler<T> {
        void chunk(JsonNode data);

        T done();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final String apiKey;
    private final Policy policy;
    private final HttpClient http;
    private final ScheduledExecutorService timer;

    /**
     * @param baseUrl the API root, e.g. {@code http://127.0.0.1:8080/v1}; paths are appended to it
     * @param apiKey sent as a bearer token, or null
     */
    public OpenAiClient(String baseUrl, String apiKey, Policy policy) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
        this.policy = policy;
        this.http = HttpClient.newBuilder().connectTimeout(policy.timeout()).version(HttpClient.Version.HTTP_1_1).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("openai-timeout").factory());
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** GET {@code path} (relative to the base URL, or absolute from the host when it starts with {@code //}); the JSON answer. */
    public JsonNode get(String path) {
        return withRetries("GET " + path, () -> attemptJson(request(path).GET()));
    }

    /** POST {@code body} to {@code path}; the JSON answer. */
    public JsonNode post(String path, JsonNode body) {
        return withRetries("POST " + path, () -> attemptJson(request(path).POST(bodyOf(body))));
    }

    /** POST {@code body} (with {@code "stream": true}) to {@code path} and read its event stream; each attempt gets a fresh handler. */
    public <T> T stream(String path, JsonNode body, Supplier<? extends StreamHandler<T>> handlers) {
        return withRetries("POST " + path, () -> attemptStream(request(path).POST(bodyOf(body)), handlers.get()));
    }

    @Override
    public void close() {
        timer.shutdownNow();
        http.close();
    }

    /** An attempt's failure: retriable (connection, timeout, 429, 5xx) or not (other 4xx, a malformed answer). */
    static final class AttemptFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean retriable;
        final int status;
        final long retryAfterMillis;

        AttemptFailed(String message, boolean retriable, int status, long retryAfterMillis, Throwable cause) {
            super(message, cause);
            this.retriable = retriable;
            this.status = status;
            this.retryAfterMillis = retryAfterMillis;
        }
    }

    @FunctionalInterface
    private interface Attempt<T> {
        T run() throws AttemptFailed, InterruptedException;
    }

    private <T> T withRetries(String what, Attempt<T> attempt) {
        long backoff = policy.firstBackoff().toMillis();
        for (int i = 0; ; i++) {
            try {
                return attempt.run();
            } catch (AttemptFailed f) {
                if (!f.retriable) {
                    throw new RemoteException(baseUrl, what + ": " + f.getMessage(), false, f.status, f.getCause());
                }
                if (i >= policy.retries()) {
                    throw new RemoteException(baseUrl, what + ": " + f.getMessage() + " (after " + (i + 1) + " attempts)", true,
                            f.status, f.getCause());
                }
                long wait = f.retryAfterMillis >= 0 ? f.retryAfterMillis
                        : (long) (backoff * (0.5 + 0.5 * ThreadLocalRandom.current().nextDouble()));
                wait = Math.min(wait, policy.maxBackoff().toMillis());
                backoff = Math.min(backoff * 2, Math.max(1, policy.maxBackoff().toMillis()));
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RemoteException(baseUrl, what + ": interrupted", false, 0, e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RemoteException(baseUrl, what + ": interrupted", false, 0, e);
            }
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("//") ? root() + path.substring(1) : baseUrl + path))
                .timeout(policy.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    /** scheme://host:port of the base URL. */
    private String root() {
        URI u = URI.create(baseUrl);
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    private static HttpRequest.BodyPublisher bodyOf(JsonNode body) {
        try {
            return HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot serialise request body", e);
        }
    }

    private JsonNode attemptJson(HttpRequest.Builder req) throws AttemptFailed, InterruptedException {
        return attempt(req, in -> {
            byte[] bytes = in.readAllBytes();
            try {
                return JSON.readTree(bytes);
            } catch (IOException e) {
                throw new AttemptFailed("the answer is not JSON: " + e.getMessage(), false, 200, -1, e);
            }
        });
    }

    private <T> T attemptStream(HttpRequest.Builder req, StreamHandler<T> handler) throws AttemptFailed, InterruptedException {
        return attempt(req, in -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            StringBuilder data = new StringBuilder();
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        String payload = data.toString();
                        data.setLength(0);
                        if (payload.equals("[DONE]")) {
                            return handler.done();
                        }
                        event(handler, payload);
                    }
                } else if (line.startsWith("data:")) {
                    if (!data.isEmpty()) {
                        data.append('\n');
                    }
                    data.append(line.substring(line.charAt(5) == ' ' ? 6 : 5));
                }
                // other fields (event:, id:, retry:) and comments (":") carry nothing here
            }
            if (data.toString().equals("[DONE]")) {
                return handler.done();
            }
            throw new AttemptFailed("the event stream ended before [DONE]", true, 200, -1, null);
        });
    }

    private static <T> void event(StreamHandler<T> handler, String payload) throws AttemptFailed {
        JsonNode n;
        try {
            n = JSON.readTree(payload);
        } catch (IOException e) {
            throw new AttemptFailed("a streamed event is not JSON: " + payload, false, 200, -1, e);
        }
        if (n.has("error")) {
            // an error after the stream began (the status was already 200): the server failed mid-way
            throw new AttemptFailed("the server reported an error mid-stream: " + n.get("error"), true, 500, -1, null);
        }
        handler.chunk(n);
    }

    @FunctionalInterface
    private interface BodyReader<T> {
        T read(InputStream in) throws IOException, AttemptFailed;
    }

    private <T> T attempt(HttpRequest.Builder req, BodyReader<T> reader) throws AttemptFailed, InterruptedException {
        HttpResponse<InputStream> res;
        try {
            res = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new AttemptFailed("cannot reach the server: " + e, true, 0, -1, e);
        }
        // The request timeout covers only the wait for the headers: bound the body too, by
        // closing its stream when the attempt's time is up (the blocked read then fails).
        AtomicBoolean timedOut = new AtomicBoolean();
        InputStream body = res.body();
        ScheduledFuture<?> watchdog = timer.schedule(() -> {
            timedOut.set(true);
            try {
                body.close();
            } catch (IOException ignored) {
                // the read fails either way
            }
        }, policy.timeout().toMillis(), TimeUnit.MILLISECONDS);
        try (body) {
            int status = res.statusCode();
            if (status != 200) {
                String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
                boolean retriable = status == 429 || status >= 500;
                throw new AttemptFailed("HTTP " + status + ": " + abbreviate(text), retriable, status,
                        retryAfterMillis(res.headers().firstValue("Retry-After")), null);
            }
            return reader.read(body);
        } catch (IOException e) {
            if (timedOut.get()) {
                throw new AttemptFailed("no complete answer within " + policy.timeout().toMillis() + " ms", true, 0, -1, e);
            }
            throw new AttemptFailed("connection lost while reading the answer: " + e, true, 0, -1, e);
        } finally {
            watchdog.cancel(false);
        }
    }

    static long retryAfterMillis(Optional<String> header) {
        if (header.isEmpty()) {
            return -1;
        }
        try {
            double s = Double.parseDouble(header.get().trim());
            return s >= 0 ? (long) (s * 1000) : -1;
        } catch (NumberFormatException e) {
            return -1; // an HTTP date: fall back to our own backoff
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
