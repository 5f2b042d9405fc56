package dev.mosaic.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mosaic.common.AtomicFiles;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.moa.config.MoaConfig;
import dev.mosaic.moa.config.MoaConfigIo;
import dev.mosaic.moa.config.PromptsIo;
import dev.mosaic.moa.profile.ProfileCache;
import dev.mosaic.moa.run.MoaRun;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mosaic demo-run}: a small real MoA on this CPU in a few seconds: three experts (two of
 * them the same model, so they agree) and an aggregator, generated as tiny random models, on two
 * 1-thread workers; then the same files as {@code mosaic run} writes. Not thread-safe.
 */
@Command(name = "demo-run", mixinStandardHelpOptions = true,
        description = "A small real MoA run on generated tiny models (real engines answer; bypass where experts agree).")
final class DemoRunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "out/demo-run", paramLabel = "DIR", description = "output directory; default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--prompts", defaultValue = "24", description = "prompts; default: ${DEFAULT-VALUE}")
    int prompts;

    @Override
    public Integer call() throws Exception {
        if (prompts < 1 || prompts > 10_000) {
            throw new BadInputException("--prompts must be in 1..10000, got " + prompts);
        }
        PrintWriter o = spec.commandLine().getOut();
        Path models = out.resolve("models");
        Files.createDirectories(models);
        for (int s = 1; s <= 3; s++) {
            Path f = models.resolve("m" + s + ".gguf");
            if (!Files.exists(f)) {
                SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.Q8_0, s, f);
            }
        }
        Path cfg = out.resolve("moa.json");
        AtomicFiles.write(cfg, """
                {"experts": [{"id": "e1", "model": "models/m1.gguf", "maxTokens": 16},
                             {"id": "e2", "model": "models/m1.gguf", "maxTokens": 16},
                             {"id": "e3", "model": "models/m2.gguf", "maxTokens": 24}],
                 "aggregator": {"id": "agg", "model": "models/m3.gguf", "maxTokens": 16},
                 "workers": [{"id": "w0", "kind": "cpu", "threads": 1, "memoryGiB": 1, "kvBudgetMiB": 16},
                             {"id": "w1", "kind": "cpu", "threads": 1, "memoryGiB": 1, "kvBudgetMiB": 16}],
                 "routing": {"default": ["e1", "e2", "e3"], "byCategory": {"easy": ["e1", "e2"]}},
                 "agreement": {"extractor": "lastline", "rule": "unanimity"}}
                """.getBytes(StandardCharsets.UTF_8));
        StringBuilder sb = new StringBuilder();
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < prompts; i++) {
            sb.append(json.writeValueAsString(java.util.Map.of("id", "q" + i, "text", "Question " + i + ": which is right, A, B, C or D?",
                    "category", i % 3 == 0 ? "easy" : "hard"))).append('\n');
        }
        Path ps = out.resolve("prompts.jsonl");
        AtomicFiles.write(ps, sb.toString().getBytes(StandardCharsets.UTF_8));
        o.println("A real MoA on generated tiny random models (their text is noise; the machinery is real): experts e1 and e2 "
                + "are the same model, e3 another; 'easy' prompts go to e1+e2 only, so they agree and bypass the aggregator.");
        o.flush();
        MoaConfig c = MoaConfigIo.read(cfg);
        MoaRun.Outcome r = new MoaRun(c, PromptsIo.read(ps, c), out, MoaRun.Options.defaults()
                .withProfileCache(new ProfileCache(out.resolve("profiles"))).withProgress(null)).run();
        TextTable t = new TextTable("stage", "measured s", "predicted s");
        t.row("expert", f(r.expertMeasuredSeconds()), f(r.expertPredictedSeconds()));
        t.row("aggregator", f(r.aggregatorMeasuredSeconds()), f(r.aggregatorPredictedSeconds()));
        o.print(t.render());
        o.printf(Locale.ROOT, "%d prompts answered, %d bypassed (the experts agreed), %d aggregated.%n", r.answered(), r.bypassed(),
                r.answered() - r.bypassed());
        List<String> lines = Files.readAllLines(out.resolve("answers.jsonl"));
        for (int i = 0; i < Math.min(2, lines.size()); i++) {
            JsonNode n = json.readTree(lines.get(i));
            o.printf(Locale.ROOT, "  %s: bypassed=%s, agreement %.2f, experts %s%n", n.get("id").asText(), n.get("bypassed").asBoolean(),
                    n.get("agreement").asDouble(), n.get("experts").size());
        }
        o.println("Answers: " + out.resolve("answers.jsonl") + "; report: " + out.resolve("index.html")
                + "; the same with your models: mosaic run --config moa.json --prompts prompts.jsonl --out DIR");
        o.flush();
        return 0;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
