package dev.mosaic.moa.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.moa.config.MoaConfig;
import dev.mosaic.moa.config.MoaConfigIo;
import dev.mosaic.moa.config.PromptsIo;
import dev.mosaic.moa.config.RunPrompt;
import dev.mosaic.moa.profile.ProfileCache;
import dev.mosaic.moa.profile.Profiler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on the CPU with tiny generated models: 3 experts, an aggregator, 2 workers, a few
 * dozen prompts; plan, execution, extraction, scoring, bypass or aggregation, outputs.
 */
@Timeout(300)
class MoaRunTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static ProfileCache cache;

    @BeforeAll
    static void models() {
        for (int s = 1; s <= 4; s++) {
            SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.F32, s, dir.resolve("m" + s + ".gguf"));
        }
        cache = new ProfileCache(dir.resolve("profiles"));
    }

    static Path config(String name, String e1, String e2, String e3, String rule, int kvMiB, double memoryGiB) throws IOException {
        String json = """
                {"experts": [{"id": "e1", "model": "%s", "maxTokens": 12}, {"id": "e2", "model": "%s", "maxTokens": 20},
                             {"id": "e3", "model": "%s", "maxTokens": 8}],
                 "aggregator": {"id": "agg", "model": "m4.gguf", "maxTokens": 10},
                 "workers": [{"id": "w0", "kind": "cpu", "threads": 1, "memoryGiB": %s, "kvBudgetMiB": %d},
                             {"id": "w1", "kind": "cpu", "threads": 1, "memoryGiB": %s, "kvBudgetMiB": %d}],
                 "routing": {"default": ["e1", "e2", "e3"], "byCategory": {"law": ["e1", "e2"]}},
                 "agreement": {"extractor": "lastline", "rule": "%s"}}
                """.formatted(e1, e2, e3, memoryGiB, kvMiB, memoryGiB, kvMiB, rule);
        Path f = dir.resolve(name + ".json");
        Files.writeString(f, json);
        return f;
    }

    static Path prompts(int n) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(JSON.writeValueAsString(Map.of("id", "q" + i, "text", "Question " + i + ": pick one of A, B, C or D.",
                    "category", i % 3 == 0 ? "law" : "math", "answer", "A"))).append('\n');
        }
        Path f = dir.resolve("prompts-" + n + ".jsonl");
        Files.writeString(f, sb);
        return f;
    }

    static MoaRun.Options options() {
        return MoaRun.Options.defaults().withProfileCache(cache).withProgress(null)
                .withProfilerSettings(new Profiler.Settings(1, 8L << 20, 4, 16, 8, 1)).withBatch(4);
    }

    static List<JsonNode> answers(Path out) throws IOException {
        List<JsonNode> l = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("answers.jsonl"))) {
            l.add(JSON.readTree(line));
        }
        return l;
    }

    /** An answer without its timings, keyed by id, for comparing runs. */
    static Map<String, String> comparable(List<JsonNode> answers) {
        Map<String, String> m = new TreeMap<>();
        for (JsonNode n : answers) {
            ObjectNode c = n.deepCopy();
            strip(c);
            m.put(n.get("id").asText(), c.toString());
        }
        return m;
    }

    static void strip(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.remove("seconds");
            for (Iterator<JsonNode> it = o.elements(); it.hasNext(); ) {
                strip(it.next());
            }
        }
    }

    @Test
    void identicalExpertsAgreeSoEveryPromptBypasses() throws IOException {
        Path cfg = config("same", "m1.gguf", "m1.gguf", "m1.gguf", "unanimity", 8, 1);
        MoaConfig c = MoaConfigIo.read(cfg);
        // the same model with different caps writes the same prefix; give all the same cap so texts are identical
        c = new MoaConfig(c.experts().stream().map(e -> new MoaConfig.ModelSpec(e.id(), e.model(), 12)).toList(), c.aggregator(),
                c.workers(), c.routing(), c.agreement(), c.source());
        List<RunPrompt> ps = PromptsIo.read(prompts(24), c);
        Path out = dir.resolve("out-same");
        MoaRun.Outcome o = new MoaRun(c, ps, out, options()).run();
        assertEquals(24, o.answered());
        List<JsonNode> a = answers(out);
        assertEquals(24, a.size());
        for (JsonNode n : a) {
            assertTrue(n.get("bypassed").asBoolean(), n.toString());
            assertFalse(n.has("aggregator"));
            assertEquals(1.0, n.get("agreement").asDouble());
        }
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals(1.0, s.get("bypassRate").asDouble());
        assertEquals(0.0, s.get("aggregatorStage").get("measuredSeconds").asDouble());
        assertTrue(s.get("expertStage").get("measuredSeconds").asDouble() > 0);
        assertTrue(s.get("expertStage").get("predictedSeconds").asDouble() > 0);
        assertFalse(s.has("hostProbe"), "no rescaling asked for");
        if (Files.isDirectory(Path.of("/proc/self/task"))) {
            JsonNode cpu = s.get("expertStage").get("cpu");
            assertTrue(cpu != null && cpu.get("processSeconds").asDouble() >= 0, s.toString());
            // compiler and collector threads are part of the process (10 ms ticks of rounding)
            assertTrue(cpu.get("jitSeconds").asDouble() + cpu.get("gcSeconds").asDouble()
                    <= cpu.get("processSeconds").asDouble() + 0.05, cpu.toString());
            assertFalse(s.get("aggregatorStage").has("cpu"), "the aggregator stage did not run");
        }
        assertTrue(Files.size(out.resolve("index.html")) > 1000);
        assertTrue(JSON.readTree(out.resolve("plan.json").toFile()).has("expertStage"));
        assertTrue(JSON.readTree(out.resolve("timeline.json").toFile()).get("measured").get("spans").size() >= 24 * 3 - 24 / 3);
    }

    @Test
    void differentExpertsBypassOnlyWhereTheirAnswersAgree() throws IOException {
        Path cfg = config("diff", "m1.gguf", "m2.gguf", "m3.gguf", "unanimity", 8, 1);
        MoaConfig c = MoaConfigIo.read(cfg);
        Path out = dir.resolve("out-diff");
        MoaRun.Outcome o = new MoaRun(c, PromptsIo.read(prompts(24), c), out, options()).run();
        assertEquals(24, o.answered());
        int aggregated = 0;
        for (JsonNode n : answers(out)) {
            JsonNode ex = n.get("experts");
            String first = null;
            boolean agree = true;
            int count = 0;
            for (Iterator<JsonNode> it = ex.elements(); it.hasNext(); ) {
                JsonNode e = it.next();
                String ans = e.get("answer").isNull() ? null : e.get("answer").asText();
                agree &= ans != null && (first == null || first.equals(ans));
                first = first == null ? ans : first;
                count++;
            }
            assertEquals(n.get("category").asText().equals("law") ? 2 : 3, count, "routing by category");
            assertEquals(agree, n.get("bypassed").asBoolean(), n.toString());
            if (!agree) {
                aggregated++;
                assertTrue(n.get("aggregator").get("tokens").asInt() >= 1);
            }
        }
        assertTrue(aggregated > 0, "random experts of different seeds should rarely agree");
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertTrue(s.get("aggregatorStage").get("measuredSeconds").asDouble() > 0);
        assertEquals(24, s.get("accuracy").get("labelled").asInt());
        assertTrue(s.get("workers").has("w0") && s.get("workers").has("w1"));
    }

    @Test
    void overlappedStagesGiveTheAnswersOfTheBarrierRunAndRespectEachWorkersOrder() throws IOException {
        Path cfg = config("overlap", "m1.gguf", "m2.gguf", "m3.gguf", "unanimity", 8, 1);
        MoaConfig c = MoaConfigIo.read(cfg);
        List<RunPrompt> ps = PromptsIo.read(prompts(24), c);
        Path barrier = dir.resolve("out-barrier");
        new MoaRun(c, ps, barrier, options()).run();
        Path overlap = dir.resolve("out-overlap");
        MoaRun.Outcome o = new MoaRun(c, ps, overlap, options().withOverlap(true)).run();
        assertEquals(24, o.answered());
        // Greedy decoding is independent of batching: the same answers, aggregated or bypassed alike.
        assertEquals(comparable(answers(barrier)), comparable(answers(overlap)));
        JsonNode s = JSON.readTree(overlap.resolve("summary.json").toFile());
        assertTrue(s.get("overlap").asBoolean());
        int aggregated = 24 - s.get("bypassed").asInt();
        assertTrue(aggregated > 0, "different experts: some prompts aggregate");
        assertEquals(aggregated, s.get("aggregatorStage").get("jobs").asInt(), s.toString());
        double e2e = s.get("endToEnd").get("measuredSeconds").asDouble();
        assertTrue(e2e >= s.get("expertStage").get("measuredSeconds").asDouble(), s.toString());
        // Timeline: on each worker, aggregations start after its last expert job; each one after
        // the last expert answer of its prompt.
        JsonNode spans = JSON.readTree(overlap.resolve("timeline.json").toFile()).get("measured").get("spans");
        Map<String, Double> lastExpertOnWorker = new TreeMap<>();
        Map<String, Double> lastAnswerOfPrompt = new TreeMap<>();
        int aggSpans = 0;
        for (JsonNode sp : spans) {
            if (sp.get("stage").asText().equals("EXPERT") && sp.get("kind").asText().equals("JOB")) {
                lastExpertOnWorker.merge(sp.get("worker").asText(), sp.get("endSeconds").asDouble(), Math::max);
                lastAnswerOfPrompt.merge(sp.get("prompt").asText(), sp.get("endSeconds").asDouble(), Math::max);
            }
        }
        for (JsonNode sp : spans) {
            if (sp.get("stage").asText().equals("AGGREGATOR") && sp.get("kind").asText().equals("JOB")) {
                aggSpans++;
                double start = sp.get("startSeconds").asDouble();
                assertTrue(start >= lastExpertOnWorker.getOrDefault(sp.get("worker").asText(), 0.0) - 1e-6, sp.toString());
                assertTrue(start >= lastAnswerOfPrompt.get(sp.get("prompt").asText()) - 1e-6, sp.toString());
            }
        }
        assertEquals(aggregated, aggSpans);
    }

    @Test
    void workersOfDifferentShapesAreProfiledEachAndGetTheirOwnSpeed() throws IOException {
        Path cfg = config("shapes", "m1.gguf", "m2.gguf", "m3.gguf", "unanimity", 8, 1);
        MoaConfig same = MoaConfigIo.read(cfg);
        MoaConfig mixed = new MoaConfig(same.experts(), same.aggregator(), List.of(same.workers().get(0),
                new MoaConfig.WorkerSpec("w1", "cpu", 2, 1, 16L << 20)), same.routing(), same.agreement(), same.source());
        List<RunPrompt> ps = PromptsIo.read(prompts(12), same);
        ProfileCache own = new ProfileCache(dir.resolve("profiles-shapes"));
        Path a = dir.resolve("out-shapes-same");
        new MoaRun(same, ps, a, options().withProfileCache(own)).run();
        Path b = dir.resolve("out-shapes-mixed");
        new MoaRun(mixed, ps, b, options().withProfileCache(own)).run();
        // Greedy tokens do not depend on threads: the same answers from differently shaped workers.
        assertEquals(comparable(answers(a)), comparable(answers(b)));
        JsonNode w = JSON.readTree(b.resolve("summary.json").toFile()).get("workers");
        assertEquals(1.0, w.get("w0").get("speed").asDouble(), "the first worker's shape is the reference");
        double speed = w.get("w1").get("speed").asDouble();
        assertTrue(speed > 0 && speed != 1.0, "measured on its own shape: " + speed);
        // every model profiled on both shapes: 4 models x 2 shapes in the cache
        try (var files = Files.list(dir.resolve("profiles-shapes"))) {
            assertEquals(8, files.filter(f -> f.toString().endsWith(".json")).count());
        }
    }

    @Test
    void theHostProbeRestatesEveryProfileAtTheHostsSpeedNow() throws IOException {
        Path cfg = config("probe", "m1.gguf", "m2.gguf", "m3.gguf", "unanimity", 8, 1);
        MoaConfig c = MoaConfigIo.read(cfg);
        List<RunPrompt> ps = PromptsIo.read(prompts(12), c);
        ProfileCache own = new ProfileCache(dir.resolve("profiles-probe"));
        MoaRun.Options o = options().withProfileCache(own).withHostProbe(true);
        Path first = dir.resolve("out-probe-1");
        new MoaRun(c, ps, first, o).run();
        JsonNode p1 = JSON.readTree(first.resolve("summary.json").toFile()).get("hostProbe");
        assertScalesAreNowOverProfiled(p1, 0.2, 5); // a noisy host: the same probe minutes apart, so near 1
        // The cached profiles say the probe ran four times faster when they were taken: the host is
        // now about four times slower than then, and every cost and the prediction scale with it.
        try (var files = Files.list(own.dir())) {
            for (Path f : files.filter(x -> x.toString().endsWith(".json")).toList()) {
                ObjectNode n = (ObjectNode) JSON.readTree(f.toFile());
                n.put("hostProbeSecondsPerToken", n.get("hostProbeSecondsPerToken").asDouble() / 4);
                Files.write(f, JSON.writeValueAsBytes(n));
            }
        }
        Path second = dir.resolve("out-probe-2");
        new MoaRun(c, ps, second, o).run();
        assertEquals(comparable(answers(first)), comparable(answers(second)), "the probe changes predictions, not answers");
        JsonNode s2 = JSON.readTree(second.resolve("summary.json").toFile());
        double[] range = assertScalesAreNowOverProfiled(s2.get("hostProbe"), 4 * 0.2, 4 * 5);
        double predicted = s2.get("expertStage").get("predictedSeconds").asDouble();
        double unscaled = s2.get("hostProbe").get("unscaledPrediction").get("expertStageSeconds").asDouble();
        assertTrue(predicted >= unscaled * range[0] * 0.999 && predicted <= unscaled * range[1] * 1.001,
                "the plan's prediction moves with the profiles' scales " + range[0] + "-" + range[1] + ": " + predicted + " vs "
                        + unscaled + " unscaled");
    }

    /** Checks every model's scale is the probe now over its profile's figure, within [lo, hi]; returns the scales' range. */
    private static double[] assertScalesAreNowOverProfiled(JsonNode probe, double lo, double hi) {
        JsonNode shape = probe.get("w0");
        double now = shape.get("secondsPerTokenNow").asDouble();
        assertTrue(now > 0, probe.toString());
        JsonNode models = shape.get("models");
        assertEquals(List.of("e1", "e2", "e3", "agg"), iterToList(models.fieldNames()), "every profile timed the probe");
        double min = Double.MAX_VALUE;
        double max = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext(); ) {
            JsonNode m = it.next().getValue();
            double k = m.get("scale").asDouble();
            assertEquals(now / m.get("profiledSecondsPerToken").asDouble(), k, 1e-9 * k, m.toString());
            assertTrue(k > lo && k < hi, "scale " + k + " outside (" + lo + ", " + hi + ")");
            min = Math.min(min, k);
            max = Math.max(max, k);
        }
        assertTrue(probe.has("unscaledPrediction"), probe.toString());
        return new double[] {min, max};
    }

    private static List<String> iterToList(Iterator<String> it) {
        List<String> l = new ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }

    @Test
    void interruptThenResumeGivesTheAnswersOfOneUninterruptedRun() throws IOException {
        Path cfg = config("resume", "m1.gguf", "m2.gguf", "m3.gguf", "plurality:0.6", 8, 1);
        MoaConfig c = MoaConfigIo.read(cfg);
        List<RunPrompt> ps = PromptsIo.read(prompts(30), c);
        Path whole = dir.resolve("out-whole");
        new MoaRun(c, ps, whole, options()).run();

        Path parts = dir.resolve("out-parts");
        AtomicReference<MoaRun> ref = new AtomicReference<>();
        AtomicInteger seen = new AtomicInteger();
        MoaRun first = new MoaRun(c, ps, parts, options().withOnAnswer(line -> {
            if (seen.incrementAndGet() == 7) {
                ref.get().cancel();
            }
        }));
        ref.set(first);
        MoaRun.Outcome o1 = first.run();
        assertTrue(o1.interrupted());
        int kept = answers(parts).size();
        assertTrue(kept >= 7 && kept < 30, "kept " + kept);
        MoaRun.Outcome o2 = new MoaRun(c, ps, parts, options().withResume(true)).run();
        assertFalse(o2.interrupted());
        assertEquals(30, o2.answered());
        List<JsonNode> after = answers(parts);
        assertEquals(30, after.size(), "every prompt answered exactly once");
        assertEquals(comparable(answers(whole)), comparable(after));
        // a third run resumes with nothing left to do
        MoaRun.Outcome o3 = new MoaRun(c, ps, parts, options().withResume(true)).run();
        assertEquals(30, o3.answered());
        assertEquals(30, answers(parts).size());
    }

    @Test
    void kvPressureQueuesInsteadOfFailing() throws IOException {
        // 2 MiB of KV per replica (512 positions): the 4-sequence batches do not all fit, so requests queue
        Path cfg = config("kv", "m1.gguf", "m2.gguf", "m3.gguf", "unanimity", 2, 1);
        MoaConfig c = MoaConfigIo.read(cfg);
        Path out = dir.resolve("out-kv");
        MoaRun.Outcome o = new MoaRun(c, PromptsIo.read(prompts(16), c), out, options()).run();
        assertEquals(16, o.answered());
        assertEquals(16, answers(out).size());
    }

    @Test
    void aModelThatFitsNoWorkerIsReportedBeforeAnythingRuns() throws IOException {
        Path cfg = config("small", "m1.gguf", "m2.gguf", "m3.gguf", "unanimity", 8, 0.001);
        MoaConfig c = MoaConfigIo.read(cfg);
        Path out = dir.resolve("out-small");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new MoaRun(c, PromptsIo.read(prompts(4), c), out, options()).run());
        assertTrue(e.getMessage().contains("e1") && e.getMessage().contains("largest worker offers"), e.getMessage());
        assertEquals(0, Files.size(out.resolve("answers.jsonl")));
    }

    @Test
    void calibrationChoosesAThresholdOnAlwaysAggregatedPromptsThenBypasses() throws IOException {
        // Identical experts, labelled with the answer they give: bypassing never loses accuracy
        // against the (different, wrong) aggregator, so calibration can prove a threshold.
        Path cfg = config("cal0", "m1.gguf", "m1.gguf", "m1.gguf", "unanimity", 8, 1);
        MoaConfig base = MoaConfigIo.read(cfg);
        base = new MoaConfig(base.experts().stream().map(e -> new MoaConfig.ModelSpec(e.id(), e.model(), 12)).toList(),
                base.aggregator(), base.workers(), base.routing(), base.agreement(), base.source());
        List<RunPrompt> unlabelled = PromptsIo.read(prompts(50), base);
        Path probe = dir.resolve("out-cal-probe");
        new MoaRun(base, unlabelled, probe, options()).run();
        Map<String, String> expertAnswer = new TreeMap<>();
        for (JsonNode n : answers(probe)) {
            expertAnswer.put(n.get("id").asText(), n.get("answer").asText());
        }
        List<RunPrompt> labelled = new ArrayList<>();
        for (RunPrompt p : unlabelled) {
            labelled.add(new RunPrompt(p.id(), p.text(), p.category(), expertAnswer.get(p.id()), p.experts(), p.maxTokens()));
        }
        MoaConfig c = new MoaConfig(base.experts(), base.aggregator(), base.workers(), base.routing(),
                new MoaConfig.Agreement("lastline", "unanimity", true, 0.001, 0.95, 0.4), base.source());
        Path out = dir.resolve("out-cal");
        MoaRun.Outcome o = new MoaRun(c, labelled, out, options()).run();
        assertEquals(50, o.answered());
        JsonNode cal = JSON.readTree(out.resolve("calibration.json").toFile());
        int calPrompts = cal.get("prompts").asInt();
        assertTrue(calPrompts >= 10 && calPrompts < 40, cal.toString());
        assertTrue(cal.get("threshold").asDouble() <= 1.0, "a threshold was proven: " + cal);
        assertTrue(cal.get("lossUpperBound").asDouble() <= 0.001, cal.toString());
        // Per category: the split's prompts partitioned, each bound from fewer prompts, so no tighter.
        int perCategory = 0;
        for (var it = cal.get("byCategory").fields(); it.hasNext(); ) {
            JsonNode row = it.next().getValue();
            perCategory += row.get("prompts").asInt();
            assertTrue(row.get("lossUpperBound").asDouble() >= cal.get("lossUpperBound").asDouble(), cal.toString());
            assertTrue(row.get("lossUpperBound").asDouble() >= row.get("measuredLoss").asDouble(), cal.toString());
        }
        assertTrue(cal.get("byCategory").size() >= 2, "prompts of several categories: " + cal);
        assertEquals(calPrompts, perCategory, cal.toString());
        int bypassed = 0;
        for (JsonNode n : answers(out)) {
            bypassed += n.get("bypassed").asBoolean() ? 1 : 0;
            assertTrue(n.get("correct").asBoolean() || !n.get("bypassed").asBoolean(), n.toString());
        }
        assertEquals(50 - calPrompts, bypassed, "calibration prompts are aggregated, the rest bypass");
        assertTrue(Files.exists(out.resolve("calibration").resolve("summary.json")));
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals(1.0, s.get("accuracy").get("accuracy").asDouble());
    }

    @Test
    void calibrationNeedsLabelledPrompts() throws IOException {
        Path cfg = config("cal1", "m1.gguf", "m2.gguf", "m3.gguf", "unanimity", 8, 1);
        MoaConfig b = MoaConfigIo.read(cfg);
        MoaConfig c = new MoaConfig(b.experts(), b.aggregator(), b.workers(), b.routing(),
                new MoaConfig.Agreement("lastline", "unanimity", true, 0.001, 0.95, 0.3), b.source());
        List<RunPrompt> ps = new ArrayList<>();
        for (RunPrompt p : PromptsIo.read(prompts(30), c)) {
            ps.add(new RunPrompt(p.id(), p.text(), p.category(), null, p.experts(), p.maxTokens()));
        }
        var e = assertThrows(dev.mosaic.moa.config.MoaInputException.class,
                () -> new MoaRun(c, ps, dir.resolve("out-cal1"), options()).run());
        assertTrue(e.getMessage().contains("agreement.calibrate") && e.getMessage().contains("20 labelled"), e.getMessage());
    }
}
