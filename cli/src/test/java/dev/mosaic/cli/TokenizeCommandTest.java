package dev.mosaic.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code mosaic tokenize} on generated models, as a user would run it. */
class TokenizeCommandTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Mosaic.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void encodesDecodesAndRendersChat() throws IOException {
        Path gguf = SyntheticModel.writeGguf(SyntheticModel.tiny("qwen2", false), GgmlType.F32, 1, dir.resolve("q.gguf"));
        Tokenizer tok = TokenizeCommand.load(gguf);
        ObjectMapper json = new ObjectMapper();

        Run enc = run("tokenize", "--model", gguf.toString(), "--text", "hello world 12", "--json");
        assertEquals(0, enc.exit(), enc.err());
        JsonNode ids = json.readTree(enc.out()).get("ids");
        int[] expected = tok.encode("hello world 12");
        assertEquals(expected.length, ids.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], ids.get(i).asInt());
        }

        StringBuilder csv = new StringBuilder();
        for (int id : expected) {
            csv.append(csv.isEmpty() ? "" : ",").append(id);
        }
        Run dec = run("tokenize", "--model", gguf.toString(), "--decode", csv.toString());
        assertEquals("hello world 12", dec.out().strip());

        Path strings = dir.resolve("s.json");
        Files.writeString(strings, "[\"a b\", \"\", \"日本\"]");
        Run batch = run("tokenize", "--model", gguf.toString(), "--strings", strings.toString());
        assertEquals(json.writeValueAsString(new int[][] {tok.encode("a b"), tok.encode(""), tok.encode("日本")}), batch.out().strip());

        Run chat = run("tokenize", "--model", gguf.toString(), "--chat", "hi");
        assertEquals(0, chat.exit(), chat.err());
        assertTrue(chat.out().contains("(control)") && chat.out().contains("'\\n'"), chat.out());
    }

    @Test
    void badInputExitsWithTwo() throws IOException {
        Run missing = run("tokenize", "--model", dir.resolve("nope.gguf").toString(), "--text", "x");
        assertEquals(Mosaic.EXIT_BAD_INPUT, missing.exit());
        assertTrue(missing.err().contains("nope.gguf"), missing.err());
        Path junk = Files.writeString(dir.resolve("junk.gguf"), "not a gguf file at all");
        Run bad = run("tokenize", "--model", junk.toString(), "--text", "x");
        assertEquals(Mosaic.EXIT_BAD_INPUT, bad.exit());
        assertTrue(bad.err().contains("junk.gguf"), bad.err());
        Path gguf = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.F32, 1, dir.resolve("l.gguf"));
        Run range = run("tokenize", "--model", gguf.toString(), "--decode", "1,99999");
        assertEquals(Mosaic.EXIT_BAD_INPUT, range.exit());
        assertTrue(range.err().contains("99999"), range.err());
    }
}
