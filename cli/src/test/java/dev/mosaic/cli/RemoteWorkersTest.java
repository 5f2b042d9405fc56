package dev.mosaic.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.moa.config.MoaConfig;
import dev.mosaic.moa.config.MoaConfigIo;
import dev.mosaic.moa.config.PromptsIo;
import dev.mosaic.moa.run.MoaRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A MoA over two real {@code mosaic serve} processes on 127.0.0.1 plus one local CPU worker:
 * the same greedy answers as an all-local run, and a server killed mid-run is survived.
 */
@Timeout(300)
class RemoteWorkersTest {
    @TempDir
    static Path dir;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void models() {
        for (int s = 1; s <= 3; s++) {
            SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.Q8_0, s, dir.resolve("m" + s + ".gguf"));
        }
    }

    private static Path prompts(String name, int n) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("{\"id\": \"q").append(i).append("\", \"text\": \"question number ").append(i).append("\"}\n");
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    private static final String MODELS = """
            "experts": [{"id": "e1", "model": "m1.gguf", "maxTokens": 6}, {"id": "e2", "model": "m2.gguf", "maxTokens": 9},
                        {"id": "e3", "model": "m3.gguf", "maxTokens": 7}],
            "aggregator": {"id": "agg", "model": "m1.gguf", "maxTokens": 5},
            "agreement": {"extractor": "lastline", "rule": "unanimity"},
            """;

    @Test
    void twoServersAndALocalWorkerAnswerAsAnAllLocalRun() throws Exception {
        Path prompts = prompts("p.jsonl", 8);
        try (ServeProcess a = new ServeProcess(List.of("m1=" + dir.resolve("m1.gguf")), 16);
             ServeProcess b = new ServeProcess(List.of("m2=" + dir.resolve("m2.gguf")), 16)) {
            Path remote = Files.writeString(dir.resolve("remote.json"), "{" + MODELS + """
                    "workers": [{"id": "r0", "kind": "openai", "baseUrl": "%s", "serves": {"e1": "m1"}, "memoryGiB": 1, "timeoutSeconds": 60},
                                {"id": "r1", "kind": "openai", "baseUrl": "%s", "apiKey": "unused", "serves": {"e2": "m2"}, "memoryGiB": 1},
                                {"id": "c0", "kind": "cpu", "threads": 1, "memoryGiB": %s, "kvBudgetMiB": 4}]}
                    """.formatted(a.baseUrl(), b.baseUrl(), oneAndAHalfReplicas()));
            CliRun r = CliRun.run("run", "--config", remote.toString(), "--prompts", prompts.toString(), "--out",
                    dir.resolve("remote-out").toString(), "--profile-cache", dir.resolve("cache").toString());
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("8 of 8 prompts answered"), r.out());
        }
        Path local = Files.writeString(dir.resolve("local.json"), "{" + MODELS + """
                "workers": [{"id": "r0", "kind": "cpu", "threads": 1, "memoryGiB": 1, "kvBudgetMiB": 4},
                            {"id": "r1", "kind": "cpu", "threads": 1, "memoryGiB": 1, "kvBudgetMiB": 4},
                            {"id": "c0", "kind": "cpu", "threads": 1, "memoryGiB": 1, "kvBudgetMiB": 4}]}
                """);
        CliRun l = CliRun.run("run", "--config", local.toString(), "--prompts", prompts.toString(), "--out",
                dir.resolve("local-out").toString(), "--profile-cache", dir.resolve("cache").toString());
        assertEquals(0, l.exit(), l.err());

        Map<String, JsonNode> remoteAnswers = answers(dir.resolve("remote-out"));
        Map<String, JsonNode> localAnswers = answers(dir.resolve("local-out"));
        assertEquals(localAnswers.keySet(), remoteAnswers.keySet());
        int scored = 0;
        for (String id : localAnswers.keySet()) {
            JsonNode x = localAnswers.get(id);
            JsonNode y = remoteAnswers.get(id);
            assertEquals(x.get("text"), y.get("text"), id);
            assertEquals(x.get("answer"), y.get("answer"), id);
            assertEquals(x.get("bypassed"), y.get("bypassed"), id);
            for (Iterator<String> it = x.get("experts").fieldNames(); it.hasNext(); ) {
                String e = it.next();
                JsonNode ex = x.get("experts").get(e);
                JsonNode ey = y.get("experts").get(e);
                assertEquals(ex.get("answer"), ey.get("answer"), id + " " + e);
                assertEquals(ex.get("tokens"), ey.get("tokens"), id + " " + e);
                if (ex.has("logprob")) {
                    // remote answers carry the server's per-token log-probs: the same answer-span score
                    assertTrue(ey.has("logprob"), id + " " + e + ": no logprob from the remote worker");
                    assertEquals(ex.get("logprob").asDouble(), ey.get("logprob").asDouble(), 1e-4, id + " " + e);
                    scored++;
                }
            }
        }
        assertTrue(scored > 0, "no answer-span log-probs were compared");
        JsonNode summary = JSON.readTree(dir.resolve("remote-out/summary.json").toFile());
        assertEquals(0, summary.get("lostWorkers").size(), summary.toString());
        JsonNode plan = JSON.readTree(dir.resolve("remote-out/plan.json").toFile());
        // c0 has room for one replica and is the only place e3 may go, so e1 and e2 ran on the servers
        assertEquals(List.of("e1"), strings(plan.at("/expertStage/placement/r0")), plan.toString());
        assertEquals(List.of("e2"), strings(plan.at("/expertStage/placement/r1")), plan.toString());
        assertEquals(List.of("e3"), strings(plan.at("/expertStage/placement/c0")), plan.toString());
        assertEquals(List.of("agg"), strings(plan.at("/aggregatorStage/placement/c0")), plan.toString());
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "overlap {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aServerKilledMidRunIsSurvivedWithEveryPromptAnsweredOnce(boolean overlap) throws Exception {
        int n = 24;
        Path promptsFile = prompts("kill.jsonl", n);
        try (ServeProcess a = new ServeProcess(List.of("m1=" + dir.resolve("m1.gguf")), 16);
             ServeProcess b = new ServeProcess(List.of("m1=" + dir.resolve("m1.gguf"), "m2=" + dir.resolve("m2.gguf")), 16)) {
            Path cfg = Files.writeString(dir.resolve("kill-" + overlap + ".json"), """
                    {"experts": [{"id": "e1", "model": "m1.gguf", "maxTokens": 48}, {"id": "e2", "model": "m2.gguf", "maxTokens": 8}],
                     "aggregator": {"id": "agg", "model": "m2.gguf", "maxTokens": 4},
                     "agreement": {"extractor": "lastline", "rule": "unanimity"},
                     "workers": [{"id": "ra", "kind": "openai", "baseUrl": "%s", "serves": {"e1": "m1"}, "memoryGiB": 1,
                                  "concurrency": 2, "timeoutSeconds": 20, "retries": 2},
                                 {"id": "rb", "kind": "openai", "baseUrl": "%s", "serves": {"e1": "m1", "e2": "m2", "agg": "m2"},
                                  "memoryGiB": 1, "concurrency": 4, "timeoutSeconds": 20, "retries": 2}]}
                    """.formatted(a.baseUrl(), b.baseUrl()));
            MoaConfig config = MoaConfigIo.read(cfg);
            Path out = dir.resolve("kill-out-" + overlap);
            CompletableFuture<Void> planned = new CompletableFuture<>();
            StringBuffer progress = new StringBuffer();
            MoaRun run = new MoaRun(config, PromptsIo.read(promptsFile, config), out, MoaRun.Options.defaults()
                    .withProfileCache(null).withOverlap(overlap).withProgress(line -> {
                        progress.append(line).append('\n');
                        if (line.contains("planned")) {
                            planned.complete(null);
                        }
                    }));
            CompletableFuture<MoaRun.Outcome> outcome = CompletableFuture.supplyAsync(() -> {
                try {
                    return run.run();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try {
                CompletableFuture.anyOf(planned, outcome).get(120, TimeUnit.SECONDS);
                if (outcome.isCompletedExceptionally()) {
                    outcome.join(); // throws the run's failure
                }
                assertTrue(planned.isDone(), "the run ended before planning: " + progress);
                assertTrue(progress.toString().contains("us per token of context"),
                        "the API profiler states the context term too: " + progress);
                // kill ra once it has generated tokens for the expert stage (not just for profiling)
                double before = generated(a.port());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (generated(a.port()) <= before && System.nanoTime() < deadline && !outcome.isDone()) {
                    Thread.onSpinWait();
                }
                assertTrue(!outcome.isDone(), "the run finished before ra could be killed: " + progress);
                a.kill();
                MoaRun.Outcome o = outcome.get(180, TimeUnit.SECONDS);
                assertEquals(n, o.answered(), progress.toString());
            } finally {
                run.cancel();
            }
            List<String> lines = Files.readAllLines(out.resolve("answers.jsonl"));
            assertEquals(n, lines.size(), "every prompt answered exactly once");
            java.util.Set<String> ids = new java.util.HashSet<>();
            for (String line : lines) {
                JsonNode j = JSON.readTree(line);
                assertTrue(ids.add(j.get("id").asText()), "answered twice: " + j.get("id"));
                assertTrue(j.get("experts").has("e1") && j.get("experts").has("e2"), line);
            }
            JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
            JsonNode lost = summary.get("lostWorkers");
            assertEquals(1, lost.size(), summary.toString());
            assertEquals("ra", lost.get(0).get("id").asText());
            assertTrue(lost.get(0).get("time").asDouble() >= 0 && !lost.get(0).get("reason").asText().isBlank(), lost.toString());
        }
    }

    @Test
    void aManagedWorkerLoadsAndUnloadsThroughTheRouterEndpoints() throws Exception {
        try (ServeProcess a = new ServeProcess(List.of("m1=" + dir.resolve("m1.gguf")), 16)) {
            Path cfg = Files.writeString(dir.resolve("managed.json"), "{" + MODELS + """
                    "workers": [{"id": "r0", "kind": "openai", "baseUrl": "%s", "manage": true, "memoryGiB": 1}]}
                    """.formatted(a.baseUrl()));
            MoaConfig config = MoaConfigIo.read(cfg);
            try (dev.mosaic.moa.worker.SharedModels models = new dev.mosaic.moa.worker.SharedModels();
                 dev.mosaic.moa.remote.OpenAiWorker w = new dev.mosaic.moa.remote.OpenAiWorker(config.workers().get(0), models)) {
                assertEquals(java.util.Set.of("m1"), w.servedNames());
                try (dev.mosaic.moa.worker.ExpertEndpoint ep = w.open(config.expert("e3"))) {
                    assertEquals(java.util.Set.of("e3", "m1"), w.servedNames(), "POST /models/load put e3 there");
                    try (dev.mosaic.moa.worker.JobOutput out = ep.submit(dev.mosaic.moa.worker.JobRequest.user("hello", 4))
                            .get(60, TimeUnit.SECONDS)) {
                        assertEquals(4, out.tokens());
                        assertTrue(!Double.isNaN(out.meanLogprob(0, out.utf8().byteSize())) || out.utf8().byteSize() == 0);
                    }
                }
                assertEquals(java.util.Set.of("m1"), w.servedNames(), "closing the replica unloaded it");
            }
        }
    }

    /** GiB for one and a half replicas of the tiny models (weights plus the 4 MiB KV budget), as a JSON number. */
    private static String oneAndAHalfReplicas() {
        try (dev.mosaic.inference.model.Model m = dev.mosaic.inference.model.ModelLoader.open(dir.resolve("m1.gguf"))) {
            double gib = dev.mosaic.moa.worker.CpuWorker.replicaGiB(dev.mosaic.moa.worker.SharedModels.weightBytes(m), 4L << 20);
            return String.valueOf(1.5 * gib);
        }
    }

    /** mosaic_generation_tokens_total over all models of the server on this port, or +inf once it is gone. */
    private static double generated(int port) {
        try {
            String m = ServeCommandTest.http("GET", port, "/metrics", null);
            double sum = 0;
            for (String line : m.split("\n")) {
                if (line.startsWith("mosaic_generation_tokens_total")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return Double.POSITIVE_INFINITY;
        }
    }

    private static Map<String, JsonNode> answers(Path out) throws IOException {
        Map<String, JsonNode> m = new HashMap<>();
        for (String line : Files.readAllLines(out.resolve("answers.jsonl"))) {
            JsonNode j = JSON.readTree(line);
            assertTrue(m.put(j.get("id").asText(), j) == null, "answered twice: " + j.get("id"));
        }
        return m;
    }

    private static List<String> strings(JsonNode a) {
        List<String> l = new ArrayList<>();
        if (a != null && a.isArray()) {
            a.forEach(x -> l.add(x.asText()));
        }
        return l;
    }
}
