package dev.mosaic.scheduler.problem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.gen.InstanceGenerator;
import dev.mosaic.scheduler.gen.InstanceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProblemIoTest {

    @TempDir
    Path dir;

    private String readError(String json) throws IOException {
        Path f = dir.resolve("p.json");
        Files.writeString(f, json);
        return assertThrows(ProblemValidationException.class, () -> ProblemIo.read(f)).getMessage();
    }

    @Test
    void roundTripKeepsEveryField() throws IOException {
        Problem p = InstanceGenerator.generate(InstanceSpec.preset("paper-like").withPrompts(50).withSeed(7));
        Path f = dir.resolve("sub/problem.json");
        ProblemIo.write(p, f);
        Problem back = ProblemIo.read(f);
        assertEquals(p, back);
        assertEquals(List.copyOf(p.prompts().get(3).route().keySet()), List.copyOf(back.prompts().get(3).route().keySet()), "route order kept");
        try (var files = Files.list(f.getParent())) {
            assertEquals(List.of(f), files.toList(), "no temporary files left behind");
        }
    }

    @Test
    void readsTheDocumentedShapeAndIgnoresExtraFields() {
        String json = """
                {"workers": [{"id": "gpu0", "memoryGiB": 80.0, "speed": 1.0, "note": "extra"}],
                 "experts": [{"id": "r1-distill-7b", "memoryGiB": 15.2, "loadSeconds": 20.0,
                              "prefillSecondsPerToken": 0.00008, "decodeSecondsPerToken": 0.004,
                              "decodeLatencySecondsPerToken": 0.02}],
                 "prompts": [{"id": "q0", "promptTokens": 312, "route": {"r1-distill-7b": 3100}}],
                 "comment": "extra fields are allowed"}
                """;
        Problem p = ProblemIo.parse(json, "inline");
        assertEquals(80.0, p.workers().get(0).memoryGiB());
        assertEquals(3100.0, p.prompts().get(0).route().get("r1-distill-7b"));
        assertEquals(null, p.aggregator());
    }

    @Test
    void contextTermIsOptionalReadRangeCheckedAndCosted() throws IOException {
        String base = """
                {"workers": [{"id": "w", "memoryGiB": 8, "speed": 1}],
                 "experts": [{"id": "x", "memoryGiB": 1, "loadSeconds": 1, "prefillSecondsPerToken": 0.001,
                              "decodeSecondsPerToken": 0.002, "decodeLatencySecondsPerToken": 0.01%s}],
                 "prompts": [{"id": "q", "promptTokens": 100, "route": {"x": 40}}]}
                """;
        Expert absent = ProblemIo.parse(base.formatted(""), "inline").experts().get(0);
        assertEquals(0.0, absent.decodeSecondsPerContextToken());
        assertEquals(100 * 0.001 + 40 * 0.002, absent.jobCost(100, 40), 1e-15);

        Problem p = ProblemIo.parse(base.formatted(", \"decodeSecondsPerContextToken\": 2e-6"), "inline");
        Expert e = p.experts().get(0);
        // 40 tokens decoded at a mean context of 100 + 40/2 tokens
        double attention = 40 * 120 * 2e-6;
        assertEquals(100 * 0.001 + 40 * 0.002 + attention, e.jobCost(100, 40), 1e-15);
        assertEquals(100 * 0.001 + 40 * 0.01 + attention, e.jobFloor(100, 40), 1e-15);
        assertEquals(e.jobCost(100, 40), p.jobs().cost()[0], 1e-15, "the planner's job table costs the context too");
        Path f = dir.resolve("ctx.json");
        ProblemIo.write(p, f);
        assertEquals(p, ProblemIo.read(f), "the term survives a write and read");

        String msg = readError(base.formatted(", \"decodeSecondsPerContextToken\": -1"));
        assertTrue(msg.contains("experts[0].decodeSecondsPerContextToken"), msg);
        msg = readError(base.formatted(", \"decodeSecondsPerContextToken\": \"fast\""));
        assertTrue(msg.contains("experts[0].decodeSecondsPerContextToken: must be a number, got \"fast\""), msg);
    }

    @Test
    void syntaxErrorNamesFileLineAndColumn() throws IOException {
        String msg = readError("{\"workers\": [\n  {\"id\": \"a\",, }\n]}");
        assertTrue(msg.startsWith(dir.resolve("p.json") + ": invalid JSON at line 2, column "), msg);
    }

    @Test
    void missingFileIsNamed() {
        Path f = dir.resolve("nope.json");
        assertEquals(f + ": file not found", assertThrows(ProblemValidationException.class, () -> ProblemIo.read(f)).getMessage());
    }

    @Test
    void missingAndMistypedFieldsAreNamed() throws IOException {
        String msg = readError("""
                {"workers": [{"id": "a", "memoryGiB": "lots", "speed": 1}],
                 "experts": [{"id": "x", "memoryGiB": 1, "loadSeconds": 1, "prefillSecondsPerToken": 0, "decodeSecondsPerToken": 0}],
                 "prompts": [{"id": "q", "promptTokens": 3.5, "route": {"x": 1}}]}
                """);
        assertTrue(msg.contains("workers[0].memoryGiB: must be a number, got \"lots\""), msg);
        assertTrue(msg.contains("experts[0].decodeLatencySecondsPerToken: missing"), msg);
        assertTrue(msg.contains("prompts[0].promptTokens: must be an integer, got 3.5"), msg);
        assertTrue(msg.startsWith(dir.resolve("p.json").toString()), msg);
    }

    @Test
    void validationErrorsCarryTheFileName() throws IOException {
        String msg = readError("""
                {"workers": [{"id": "a", "memoryGiB": 12.0, "speed": 1}],
                 "experts": [{"id": "X", "memoryGiB": 15.2, "loadSeconds": 1, "prefillSecondsPerToken": 0, "decodeSecondsPerToken": 0,
                              "decodeLatencySecondsPerToken": 0}],
                 "prompts": []}
                """);
        assertEquals(dir.resolve("p.json") + ": infeasible: expert X needs 15.2 GiB, largest worker has 12.0 GiB", msg);
    }

    @Test
    void duplicateJsonKeysAndWrongTopLevel() throws IOException {
        String dup = readError("{\"workers\": [], \"workers\": []}");
        assertTrue(dup.contains("Duplicate field 'workers'"), dup);
        assertTrue(readError("[1, 2]").endsWith("top level: must be a JSON object with workers, experts and prompts"));
        String missing = readError("{\"workers\": []}");
        assertTrue(missing.contains("experts: missing") && missing.contains("prompts: missing"), missing);
    }
}
