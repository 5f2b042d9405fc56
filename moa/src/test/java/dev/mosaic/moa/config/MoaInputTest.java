package dev.mosaic.moa.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** moa.json and prompts.jsonl: every error names the file, the line where there is one, and the field. */
class MoaInputTest {
    @TempDir
    Path dir;

    Path config(String json) throws IOException {
        Files.writeString(dir.resolve("m.gguf"), "x");
        Path f = dir.resolve("moa.json");
        Files.writeString(f, json);
        return f;
    }

    static final String OK = """
            {"experts": [{"id": "e1", "model": "m.gguf", "maxTokens": 5}, {"id": "e2", "model": "m.gguf"}],
             "aggregator": {"id": "agg", "model": "m.gguf"},
             "workers": [{"id": "w0", "kind": "cpu", "threads": 2, "memoryGiB": 4}],
             "routing": {"default": ["e1", "e2"], "byCategory": {"math": ["e2"]}},
             "agreement": {"extractor": "choice", "rule": "beta:0.9"}, "extra": true}
            """;

    @Test
    void readsAValidConfigurationWithDefaults() throws IOException {
        MoaConfig c = MoaConfigIo.read(config(OK));
        assertEquals(2, c.experts().size());
        assertEquals(5, c.experts().get(0).maxTokens());
        assertEquals(MoaConfigIo.DEFAULT_MAX_TOKENS, c.experts().get(1).maxTokens());
        assertEquals(List.of("e2"), c.routing().expertsFor("math"));
        assertEquals(List.of("e1", "e2"), c.routing().expertsFor("law"));
        assertEquals(2, c.workers().get(0).threads());
        assertEquals("beta:0.9", c.agreement().rule());
        assertTrue(c.experts().get(0).model().isAbsolute());
    }

    void bad(String json, String... fragments) throws IOException {
        Path f = config(json);
        MoaInputException e = assertThrows(MoaInputException.class, () -> MoaConfigIo.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        for (String s : fragments) {
            assertTrue(e.getMessage().contains(s), e.getMessage() + " should contain " + s);
        }
    }

    @Test
    void badConfigurationsNameTheField() throws IOException {
        bad("{", "not valid JSON");
        bad("[]", "JSON object");
        bad(OK.replace("\"experts\"", "\"expertz\""), "\"experts\"");
        bad(OK.replace("\"model\": \"m.gguf\", \"maxTokens\": 5", "\"model\": \"nope.gguf\""), "experts[0].model", "no such file");
        bad(OK.replace("\"maxTokens\": 5", "\"maxTokens\": 0"), "experts[0].maxTokens");
        bad(OK.replace("{\"id\": \"e2\"", "{\"id\": \"e1\""), "experts[1].id", "duplicate");
        bad(OK.replace("\"id\": \"agg\"", "\"id\": \"e1\""), "aggregator.id");
        bad(OK.replace("\"memoryGiB\": 4", "\"memoryGiB\": -1"), "workers[0].memoryGiB");
        bad(OK.replace("\"kind\": \"cpu\"", "\"kind\": \"tpu\""), "workers[0].kind", "unknown worker kind");
        bad(OK.replace("\"math\": [\"e2\"]", "\"math\": [\"e9\"]"), "routing.byCategory.math[0]", "unknown expert");
        bad(OK.replace("\"threads\": 2", "\"threads\": \"two\""), "workers[0].threads");
    }

    @Test
    void promptErrorsNameTheLineAndField() throws IOException {
        MoaConfig c = MoaConfigIo.read(config(OK));
        Path p = dir.resolve("p.jsonl");
        Files.writeString(p, "{\"id\": \"q0\", \"text\": \"hi\", \"maxTokens\": {\"e1\": 7}}\n\n{\"id\": \"q1\", \"text\": \"x\", \"experts\": [\"e2\"]}\n");
        List<RunPrompt> ps = PromptsIo.read(p, c);
        assertEquals(2, ps.size());
        assertEquals(7, ps.get(0).maxTokens().get("e1"));
        assertEquals(List.of("e2"), ps.get(1).experts());
        String[][] cases = {
                {"{\"id\": \"q0\"}", ":1: field \"text\": is required"},
                {"{\"id\": \"q0\", \"text\": \"a\"}\n{\"id\": \"q0\", \"text\": \"b\"}", ":2: field \"id\": duplicate"},
                {"{\"id\": \"q0\", \"text\": 3}", ":1: field \"text\": must be a string"},
                {"{\"id\": \"q0\", \"text\": \"a\", \"experts\": [\"zz\"]}", ":1: field \"experts[0]\": unknown expert"},
                {"{\"id\": \"q0\", \"text\": \"a\", \"maxTokens\": {\"e1\": -4}}", ":1: field \"maxTokens.e1\""},
                {"not json", ":1: not valid JSON"},
                {"", "holds no prompts"},
        };
        for (String[] k : cases) {
            Files.writeString(p, k[0]);
            MoaInputException e = assertThrows(MoaInputException.class, () -> PromptsIo.read(p, c));
            assertTrue(e.getMessage().contains(p + k[1]) || e.getMessage().contains(k[1]), e.getMessage() + " vs " + k[1]);
        }
    }
}
