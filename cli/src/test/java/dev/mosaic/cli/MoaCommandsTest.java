package dev.mosaic.cli;

import static dev.mosaic.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code mosaic profile} and {@code mosaic run} as a user calls them. */
@Timeout(300)
class MoaCommandsTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void models() {
        for (int s = 1; s <= 2; s++) {
            SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.Q8_0, s, dir.resolve("m" + s + ".gguf"));
        }
    }

    @Test
    void profileWritesAnExpertEntryThatPlanTakes() throws IOException {
        Path prompts = dir.resolve("sample.jsonl");
        Files.writeString(prompts, "{\"id\": \"a\", \"text\": \"one\", \"category\": \"math\"}\n{\"id\": \"b\", \"text\": \"two\"}\n");
        Path out = dir.resolve("m1.profile.json");
        CliRun r = run("profile", "--model", dir.resolve("m1.gguf").toString(), "--runs", "1", "--sample", prompts.toString(),
                "--sample-max-tokens", "6", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("mosaic profile: m1:"), r.err());
        JsonNode p = new ObjectMapper().readTree(out.toFile());
        for (String f : new String[] {"memoryGiB", "loadSeconds", "prefillSecondsPerToken", "decodeSecondsPerToken",
                "decodeLatencySecondsPerToken", "meanOutputTokens"}) {
            assertTrue(p.get(f).asDouble() > 0, f + " in " + p);
        }
        assertEquals("m1", p.get("id").asText());
        assertTrue(p.get("decodeSecondsPerToken").asDouble() <= p.get("decodeLatencySecondsPerToken").asDouble());
        assertTrue(p.get("meanOutputTokensByCategory").has("math"));
        // an experts[] entry of the problem format: mosaic plan takes it unchanged
        Path problem = dir.resolve("problem.json");
        Files.writeString(problem, "{\"workers\": [{\"id\": \"w0\", \"memoryGiB\": 1, \"speed\": 1}], \"experts\": ["
                + Files.readString(out) + "], \"prompts\": [{\"id\": \"q\", \"promptTokens\": 10, \"route\": {\"m1\": 5}}]}");
        CliRun plan = run("plan", "--problem", problem.toString(), "--out", dir.resolve("plan.json").toString());
        assertEquals(0, plan.exit(), plan.err());
        assertFalse(p.get("workerKey").asText().contains("corun"), p.toString());
        // beside a busy engine of the same shape, keyed apart
        Path busy = dir.resolve("m1.busy.json");
        CliRun co = run("profile", "--model", dir.resolve("m1.gguf").toString(), "--runs", "1", "--co-running", "1",
                "--out", busy.toString());
        assertEquals(0, co.exit(), co.err());
        assertTrue(co.err().contains("starting 1 co-running engine"), co.err());
        assertTrue(co.out().contains("beside 1 busy engine"), co.out());
        assertTrue(new ObjectMapper().readTree(busy.toFile()).get("workerKey").asText().contains(":corun=1:"));
        CliRun tooMany = run("profile", "--model", dir.resolve("m1.gguf").toString(), "--co-running", "64",
                "--out", busy.toString());
        assertEquals(2, tooMany.exit(), tooMany.err());
        assertTrue(tooMany.err().contains("--co-running"), tooMany.err());
    }

    @Test
    void runAnswersEveryPromptAndPrintsTheStageTable() throws IOException {
        Path cfg = dir.resolve("moa.json");
        Files.writeString(cfg, """
                {"experts": [{"id": "e1", "model": "m1.gguf", "maxTokens": 6}, {"id": "e2", "model": "m2.gguf", "maxTokens": 9}],
                 "aggregator": {"id": "agg", "model": "m1.gguf", "maxTokens": 5},
                 "workers": [{"id": "w0", "kind": "cpu", "threads": 1, "memoryGiB": 1, "kvBudgetMiB": 4},
                             {"id": "w1", "kind": "cpu", "threads": 1, "memoryGiB": 1, "kvBudgetMiB": 4}],
                 "agreement": {"extractor": "lastline", "rule": "unanimity"}}
                """);
        Path prompts = dir.resolve("prompts.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            sb.append("{\"id\": \"q").append(i).append("\", \"text\": \"question ").append(i).append("\"}\n");
        }
        Files.writeString(prompts, sb);
        Path out = dir.resolve("out");
        CliRun r = run("run", "--config", cfg.toString(), "--prompts", prompts.toString(), "--out", out.toString(),
                "--method", "greedy", "--profile-cache", dir.resolve("cache").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("expert") && r.out().contains("aggregator") && r.out().contains("predicted s"), r.out());
        assertTrue(r.out().contains("10 of 10 prompts answered"), r.out());
        assertTrue(r.err().contains("prompts answered"), r.err());
        assertTrue(r.err().contains("beside 1 busy engine"), "two cpu workers: each profiled beside the other's worth: " + r.err());
        assertEquals(10, Files.readAllLines(out.resolve("answers.jsonl")).size());
        for (String f : new String[] {"plan.json", "timeline.json", "summary.json", "index.html"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        // the second time the profiles come from the cache
        CliRun again = run("run", "--config", cfg.toString(), "--prompts", prompts.toString(), "--out", out.toString(),
                "--resume", "--profile-cache", dir.resolve("cache").toString());
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.err().contains("nothing to do"), again.err());
    }

    @Test
    void demoRunShowsRealEnginesAnsweringWithBypassWhereExpertsAgree() throws IOException {
        Path out = dir.resolve("demo-run");
        CliRun r = run("demo-run", "--out", out.toString(), "--prompts", "9");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("9 prompts answered, 3 bypassed"), r.out());
        assertEquals(9, Files.readAllLines(out.resolve("answers.jsonl")).size());
    }

    @Test
    void badInputExitsWithTwoNamingFileLineAndField() throws IOException {
        Path cfg = dir.resolve("bad.json");
        Files.writeString(cfg, "{\"experts\": [{\"id\": \"e1\", \"model\": \"missing.gguf\"}]}");
        Path prompts = dir.resolve("p.jsonl");
        Files.writeString(prompts, "{\"id\": \"q0\", \"text\": \"x\"}\n");
        CliRun r = run("run", "--config", cfg.toString(), "--prompts", prompts.toString(), "--out", dir.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(cfg + ": field \"experts[0].model\": no such file"), r.err());

        Path good = dir.resolve("good.json");
        Files.writeString(good, """
                {"experts": [{"id": "e1", "model": "m1.gguf"}], "aggregator": {"id": "agg", "model": "m2.gguf"},
                 "workers": [{"id": "w0", "kind": "cpu", "memoryGiB": 1}]}
                """);
        Files.writeString(prompts, "{\"id\": \"q0\", \"text\": \"x\"}\n{\"id\": \"q1\", \"text\": \"y\", \"experts\": [\"e7\"]}\n");
        CliRun p = run("run", "--config", good.toString(), "--prompts", prompts.toString(), "--out", dir.resolve("o").toString());
        assertEquals(2, p.exit());
        assertTrue(p.err().contains(prompts + ":2: field \"experts[0]\": unknown expert \"e7\""), p.err());

        CliRun m = run("run", "--config", good.toString(), "--prompts", prompts.toString(), "--out", dir.resolve("o").toString(),
                "--method", "magic");
        assertEquals(2, m.exit());
        assertTrue(m.err().contains("unknown planning method 'magic'"), m.err());
    }
}
