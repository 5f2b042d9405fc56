package dev.mosaic.cli;

import static dev.mosaic.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** synth-model, generate and bench-decode through {@link Mosaic#commandLine()}, on generated tiny models. */
class InferenceCommandsTest {

    @TempDir
    static Path dir;
    static Path llama;
    static Path qwen;

    @BeforeAll
    static void models() {
        llama = dir.resolve("llama.gguf");
        qwen = dir.resolve("qwen.gguf");
        CliRun a = run("synth-model", "--size", "tiny", "--arch", "llama", "--seed", "42", "--out", llama.toString());
        assertEquals(0, a.exit(), a.err());
        CliRun b = run("synth-model", "--size", "tiny", "--arch", "qwen2", "--out", qwen.toString(), "--seed", "3");
        assertEquals(0, b.exit(), b.err());
    }

    @Test
    void generateJsonGivesIdsLogprobsAndTheSameTextAsStreaming() throws IOException {
        CliRun json = run("generate", "--model", llama.toString(), "--prompt", "hello world", "--greedy", "--max-tokens", "6",
                "--threads", "2", "--json");
        assertEquals(0, json.exit(), json.err());
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertEquals(6, doc.get("tokens").size());
        assertEquals(6, doc.get("logprobs").size());
        for (JsonNode lp : doc.get("logprobs")) {
            assertTrue(lp.asDouble() <= 0);
        }
        assertEquals("max_tokens", doc.get("finish_reason").asText());
        CliRun streamed = run("generate", "--model", llama.toString(), "--prompt", "hello world", "--greedy", "--max-tokens", "6",
                "--threads", "2");
        assertEquals(0, streamed.exit(), streamed.err());
        assertEquals(doc.get("text").asText() + System.lineSeparator(), streamed.out());
    }

    @Test
    void promptTokensAndSeededSamplingAreReproducible() throws IOException {
        String[] args = {"generate", "--model", llama.toString(), "--prompt-tokens", "5,6,7", "--temperature", "1.2", "--top-k", "50",
                "--top-p", "0.9", "--seed", "77", "--max-tokens", "5", "--json"};
        CliRun a = run(args);
        CliRun b = run(args);
        assertEquals(0, a.exit(), a.err());
        ObjectMapper m = new ObjectMapper();
        assertEquals(m.readTree(a.out()).get("tokens"), m.readTree(b.out()).get("tokens"));
        assertEquals(3, m.readTree(a.out()).get("prompt_tokens").asInt());
        assertEquals(77, m.readTree(a.out()).get("seed").asInt());
    }

    @Test
    void chatUsesTheModelsTemplate() {
        CliRun r = run("generate", "--model", qwen.toString(), "--prompt", "hi", "--chat", "--greedy", "--max-tokens", "3", "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\"tokens\""), r.out());
    }

    /** The README's example, on a synthetic llama (SentencePiece vocabulary with ChatML markers). */
    @Test
    void chatWorksOnASyntheticLlamaAsTheReadmeShows() throws IOException {
        CliRun plain = run("generate", "--model", llama.toString(), "--prompt", "Hi!", "--greedy", "--max-tokens", "2", "--json");
        CliRun chat = run("generate", "--model", llama.toString(), "--prompt", "Hi!", "--chat", "--temperature", "0.7",
                "--top-p", "0.9", "--seed", "42", "--stop", "\\n\\n", "--max-tokens", "4", "--json");
        assertEquals(0, chat.exit(), chat.err());
        ObjectMapper m = new ObjectMapper();
        // <|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n: the markers are single control tokens.
        assertTrue(m.readTree(chat.out()).get("prompt_tokens").asInt() > m.readTree(plain.out()).get("prompt_tokens").asInt() + 4,
                chat.out());
    }

    /** {@code --stop} takes escapes: the first generated character, written as a backslash-u escape, stops at once. */
    @Test
    void stopStringsTakeEscapes() throws IOException {
        String[] base = {"generate", "--model", llama.toString(), "--prompt", "hello world", "--greedy", "--max-tokens", "12", "--json"};
        CliRun free = run(base);
        assertEquals(0, free.exit(), free.err());
        ObjectMapper m = new ObjectMapper();
        String text = m.readTree(free.out()).get("text").asText();
        assertTrue(!text.isEmpty(), free.out());
        String escaped = String.format("\\u%04x", (int) text.charAt(0));
        String[] withStop = java.util.Arrays.copyOf(base, base.length + 2);
        withStop[base.length] = "--stop";
        withStop[base.length + 1] = escaped;
        CliRun stopped = run(withStop);
        assertEquals(0, stopped.exit(), stopped.err());
        JsonNode doc = m.readTree(stopped.out());
        assertTrue(doc.get("tokens").size() < 12, escaped + " " + stopped.out());
        assertTrue(!"max_tokens".equals(doc.get("finish_reason").asText()), stopped.out());
        CliRun bad = run("generate", "--model", llama.toString(), "--prompt", "x", "--stop", "\\q");
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("--stop '\\q': unknown escape \\q"), bad.err());
    }

    @Test
    void badModelFilesExitWithCode2AndSayWhy() throws IOException {
        Path junk = dir.resolve("junk.gguf");
        Files.write(junk, new byte[] {'G', 'G', 'U', 'X', 1, 2, 3, 4});
        CliRun r = run("generate", "--model", junk.toString(), "--prompt", "x");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("junk.gguf"), r.err());
        Path truncated = dir.resolve("truncated.gguf");
        byte[] whole = Files.readAllBytes(llama);
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        CliRun t = run("bench-decode", "--model", truncated.toString(), "--runs", "1");
        assertEquals(2, t.exit(), t.err());
        assertTrue(t.err().contains("truncated.gguf"), t.err());
        CliRun missing = run("generate", "--model", dir.resolve("nope.gguf").toString(), "--prompt", "x");
        assertEquals(2, missing.exit(), missing.err());
        // a safetensors model without tokenizer.json: the engine cannot decode its tokens
        Path hf = dir.resolve("hf");
        dev.mosaic.inference.model.SyntheticModel.writeSafetensors(dev.mosaic.inference.model.SyntheticModel.tiny("llama", true),
                dev.mosaic.inference.tensor.GgmlType.F32, 1, hf);
        Files.delete(hf.resolve("tokenizer.json"));
        CliRun noTokenizer = run("generate", "--model", hf.toString(), "--prompt-tokens", "1,2", "--max-tokens", "2");
        assertEquals(2, noTokenizer.exit(), noTokenizer.err());
        assertTrue(noTokenizer.err().contains("tokenizer"), noTokenizer.err());
        CliRun unknown = run("bench-decode", "--synthetic", "bench7b-f32");
        assertEquals(2, unknown.exit(), unknown.err());
        assertTrue(unknown.err().contains("unknown model 'bench7b-f32'"), unknown.err());
        CliRun badToken = run("generate", "--model", llama.toString(), "--prompt-tokens", "1,99999", "--max-tokens", "2");
        assertEquals(2, badToken.exit(), badToken.err());
        assertTrue(badToken.err().contains("outside the vocabulary"), badToken.err());
    }

    @Test
    void benchDecodeWithTwoEnginesPrintsTheSharedSpanAndTheSumOfRatesRatios() {
        CliRun r = run("bench-decode", "--synthetic", "tiny-llama", "--threads", "1", "--engines", "2", "--runs", "2",
                "--prompt-tokens", "4", "--gen-tokens", "6");
        assertEquals(0, r.exit(), r.err());
        java.util.regex.Matcher strict = java.util.regex.Pattern.compile("2 engines / 1 engine decode ratio: min ([0-9.]+)  median ([0-9.]+)")
                .matcher(r.out());
        java.util.regex.Matcher sum = java.util.regex.Pattern.compile(
                "2 engines / 1 engine decode ratio \\(sum of per-engine rates\\): min ([0-9.]+)  median ([0-9.]+)").matcher(r.out());
        assertTrue(strict.find() && sum.find(), r.out());
        // each engine's own span lies inside the shared one, so the sum of rates is never below the strict ratio
        assertTrue(Double.parseDouble(sum.group(2)) > 0 && Double.parseDouble(strict.group(2)) > 0, r.out());
        assertTrue(Double.parseDouble(sum.group(2)) >= Double.parseDouble(strict.group(2)) - 0.01, r.out());
    }

    @Test
    void benchDecodePrintsPrefillAndDecodeRates() {
        CliRun r = run("bench-decode", "--synthetic", "tiny-llama", "--threads", "1", "--batch", "2", "--runs", "2",
                "--prompt-tokens", "8", "--gen-tokens", "4", "--profile");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("matmul ffn_up.weight"), r.out());
        assertTrue(r.out().contains("attention"), r.out());
        assertTrue(r.out().contains("prefill tokens/s: min"), r.out());
        assertTrue(r.out().contains("decode  tokens/s: min"), r.out());
        assertTrue(r.out().contains("bandwidth bound:"), r.out());
    }
}
