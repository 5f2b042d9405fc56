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

    static final String REMOTE = OK.replace("""
            "workers": [{"id": "w0", "kind": "cpu", "threads": 2, "memoryGiB": 4}]""", """
            "workers": [{"id": "r0", "kind": "openai", "baseUrl": "http://gpu-node-1:8000/v1", "apiKey": "sk-1",
                         "serves": {"e1": "name-on-that-server"}, "memoryGiB": 80},
                        {"id": "r1", "kind": "openai", "baseUrl": "http://127.0.0.1:8080/v1/", "manage": true, "memoryGiB": 2,
                         "timeoutSeconds": 30, "retries": 1, "concurrency": 3}]""");

    @Test
    void readsOpenAiWorkersAsTheIssueWritesThem() throws IOException {
        MoaConfig c = MoaConfigIo.read(config(REMOTE));
        MoaConfig.Remote r0 = c.workers().get(0).remote();
        assertEquals("openai", c.workers().get(0).kind());
        assertEquals("http://gpu-node-1:8000/v1", r0.baseUrl());
        assertEquals("sk-1", r0.apiKey());
        assertEquals(java.util.Map.of("e1", "name-on-that-server"), r0.serves());
        assertEquals(false, r0.manage());
        assertEquals(80, c.workers().get(0).memoryGiB());
        MoaConfig.Remote r1 = c.workers().get(1).remote();
        assertEquals("http://127.0.0.1:8080/v1", r1.baseUrl());
        assertTrue(r1.manage() && r1.serves().isEmpty() && r1.apiKey() == null);
        assertEquals(30, r1.timeoutSeconds());
        assertEquals(1, r1.retries());
        assertEquals(3, r1.concurrency());
    }

    @Test
    void badOpenAiWorkersNameTheField() throws IOException {
        bad(REMOTE.replace("\"kind\": \"openai\", \"baseUrl\": \"http://gpu-node-1:8000/v1\",", "\"kind\": \"vllm\","),
                "workers[0].kind", "known: cpu, openai");
        bad(REMOTE.replace("http://gpu-node-1:8000/v1", "gpu-node-1:8000"), "workers[0].baseUrl", "http://");
        bad(REMOTE.replace("\"baseUrl\": \"http://gpu-node-1:8000/v1\", ", ""), "workers[0].baseUrl", "required");
        bad(REMOTE.replace("\"e1\": \"name-on-that-server\"", "\"e9\": \"x\""), "workers[0].serves.e9", "unknown expert");
        bad(REMOTE.replace("\"e1\": \"name-on-that-server\"", "\"e1\": 3"), "workers[0].serves.e1", "model's name");
        bad(REMOTE.replace("\"manage\": true, ", ""), "workers[1].serves", "\"manage\": true");
        bad(REMOTE.replace("\"manage\": true", "\"manage\": \"yes\""), "workers[1].manage", "true or false");
        bad(REMOTE.replace("\"memoryGiB\": 80", "\"memoryGiB\": -1"), "workers[0].memoryGiB", "positive");
        bad(REMOTE.replace("\"timeoutSeconds\": 30", "\"timeoutSeconds\": 0"), "workers[1].timeoutSeconds", "positive");
        bad(REMOTE.replace("\"retries\": 1", "\"retries\": -2"), "workers[1].retries", "0..100");
        bad(REMOTE.replace("\"apiKey\": \"sk-1\"", "\"apiKey\": 5"), "workers[0].apiKey", "string");
    }
}
