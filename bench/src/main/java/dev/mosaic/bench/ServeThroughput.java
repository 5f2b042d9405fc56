package dev.mosaic.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.engine.GenerationHandle;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.engine.GenerationResult;
import dev.mosaic.inference.engine.SamplingParams;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelLoader;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code mosaic serve} throughput against the engine's own batched decode, side by side in one run:
 * for each client count C, interleaved rounds of (a) C concurrent streaming HTTP clients, each one
 * {@code /v1/completions} request (token-id prompt, greedy, {@code ignore_eos}), against a running
 * server, and (b) the same C requests submitted straight to an in-process {@link Engine} with the
 * server's engine settings. Prints generated tokens/s (all generated tokens / span from the first
 * request sent to the last finished) and time to first token p50/p99, min/median/max over rounds,
 * and the ratio served/direct. Usage:
 * {@code ServeThroughput URL MODEL_NAME MODEL_FILE THREADS KV_MIB CLIENTS(1,8,32) ROUNDS PROMPT GEN}.
 * The server and this process share the machine's cores; the server is idle during direct rounds
 * and the in-process engine is idle during HTTP rounds. The HTTP client's own cost (JSON parsing of
 * every chunk) runs on the same cores and is counted against the HTTP path.
 *
 * <p>A main program, not a library type: all its state is confined to {@code main}; the concurrent clients
 * share only the thread-safe HTTP client and engine.
 */
public final class ServeThroughput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeThroughput() {}

    /** One request's outcome: generated tokens and nanoseconds from send to first token and to the end. */
    private record Outcome(int tokens, long ttftNanos, long endNanos) {}

    public static void main(String[] args) throws Exception {
        if (args.length != 9) {
            System.err.println("usage: ServeThroughput URL MODEL_NAME MODEL_FILE THREADS KV_MIB CLIENTS ROUNDS PROMPT GEN");
            System.exit(2);
        }
        String url = args[0];
        String name = args[1];
        Path file = Path.of(args[2]);
        int threads = Integer.parseInt(args[3]);
        long kvBytes = Long.parseLong(args[4]) << 20;
        int[] clients = Arrays.stream(args[5].split(",")).mapToInt(Integer::parseInt).toArray();
        int rounds = Integer.parseInt(args[6]);
        int promptTokens = Integer.parseInt(args[7]);
        int gen = Integer.parseInt(args[8]);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        try (Model model = ModelLoader.open(file);
                Engine engine = Engine.create(model, EngineConfig.cpu(threads).withKvBudgetBytes(kvBytes));
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            int vocab = model.config().vocabSize();
            SplittableRandom random = new SplittableRandom(11);
            System.out.printf(Locale.ROOT, "model %s, %d threads, KV %d MiB; prompt %d tokens, %d generated per request%n",
                    file.getFileName(), threads, kvBytes >> 20, promptTokens, gen);
            System.out.println("| clients | path | generated tok/s min / median / max | TTFT p50 ms (median round) | TTFT p99 ms (median round) |");
            System.out.println("|---|---|---|---|---|");
            for (int c : clients) {
                double[][] served = new double[rounds][];
                double[][] direct = new double[rounds][];
                for (int round = -1; round < rounds; round++) { // round -1 warms both paths up
                    int[][] prompts = prompts(random, c, promptTokens, vocab);
                    double[] h = measure(c, i -> viaHttp(http, url, name, prompts[i], gen), pool);
                    double[] d = measure(c, i -> direct(engine, prompts[i], gen), pool);
                    if (round >= 0) {
                        served[round] = h;
                        direct[round] = d;
                    }
                }
                row(c, "mosaic serve (HTTP, SSE)", served);
                row(c, "engine in-process", direct);
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = served[r][0] / direct[r][0];
                }
                Arrays.sort(ratio);
                System.out.printf(Locale.ROOT, "| %d | served / direct | %.3f / %.3f / %.3f | | |%n", c, ratio[0], ratio[rounds / 2],
                        ratio[rounds - 1]);
            }
        }
    }

    private interface Job {
        Outcome run(int index) throws Exception;
    }

    /** {tokens/s, TTFT p50 ms, TTFT p99 ms} of {@code c} requests started together. */
    private static double[] measure(int c, Job job, ExecutorService pool) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Outcome>> futures = new ArrayList<>();
        long[] start = new long[1];
        for (int i = 0; i < c; i++) {
            int index = i;
            futures.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                    return job.run(index);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, pool));
        }
        start[0] = System.nanoTime();
        go.countDown();
        long end = 0;
        long tokens = 0;
        double[] ttft = new double[c];
        for (int i = 0; i < c; i++) {
            Outcome o = futures.get(i).join();
            tokens += o.tokens();
            end = Math.max(end, o.endNanos());
            ttft[i] = (o.ttftNanos() - start[0]) / 1e6;
        }
        Arrays.sort(ttft);
        return new double[] {tokens / ((end - start[0]) / 1e9), percentile(ttft, 0.50), percentile(ttft, 0.99)};
    }

    private static Outcome viaHttp(HttpClient http, String url, String name, int[] prompt, int gen) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("model", name).put("max_tokens", gen).put("temperature", 0)
                .put("stream", true).put("ignore_eos", true);
        body.putObject("stream_options").put("include_usage", true);
        var ids = body.putArray("prompt");
        for (int t : prompt) {
            ids.add(t);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/completions")).timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + response.statusCode() + ": "
                    + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        long first = 0;
        int tokens = -1;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                // The client shares the machine's cores with the server: it parses only the usage
                // chunk, and recognises token chunks without parsing them.
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                if (first == 0 && line.contains("\"text\"")) {
                    first = System.nanoTime();
                }
                if (line.contains("\"usage\":{")) {
                    JsonNode usage = JSON.readTree(line.substring(6)).get("usage");
                    tokens = Math.max(tokens, usage.get("completion_tokens").asInt());
                }
            }
        }
        if (tokens != gen) {
            throw new IllegalStateException("expected " + gen + " completion tokens in usage, got " + tokens);
        }
        return new Outcome(tokens, first, System.nanoTime());
    }

    private static Outcome direct(Engine engine, int[] prompt, int gen) {
        GenerationHandle h = engine.submit(GenerationRequest.ofTokens(prompt).withMaxTokens(gen)
                .withSampling(SamplingParams.greedyDecoding()).withStopAtEos(false));
        GenerationResult r = h.join();
        if (r.generatedTokens() != gen) {
            throw new IllegalStateException("expected " + gen + " tokens, got " + r.generatedTokens());
        }
        return new Outcome(r.generatedTokens(), r.firstTokenNanos(), System.nanoTime());
    }

    private static int[][] prompts(SplittableRandom random, int c, int length, int vocab) {
        int[][] p = new int[c][length];
        for (int[] row : p) {
            for (int i = 0; i < length; i++) {
                row[i] = 1 + random.nextInt(vocab - 1);
            }
        }
        return p;
    }

    private static void row(int c, String path, double[][] rounds) {
        double[] rates = Arrays.stream(rounds).mapToDouble(r -> r[0]).sorted().toArray();
        double[][] byRate = rounds.clone();
        Arrays.sort(byRate, (a, b) -> Double.compare(a[0], b[0]));
        double[] mid = byRate[byRate.length / 2];
        System.out.printf(Locale.ROOT, "| %d | %s | %.1f / %.1f / %.1f | %.0f | %.0f |%n", c, path, rates[0], rates[rates.length / 2],
                rates[rates.length - 1], mid[1], mid[2]);
    }

    private static double percentile(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
