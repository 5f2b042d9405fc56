package dev.mosaic.cli;

import static dev.mosaic.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** model-info and generate on model files that are well formed but cannot run, or that try to make us misbehave. */
class ModelHardeningCommandsTest {
    @TempDir
    Path dir;

    @Test
    void aHeadDimensionAbove512IsAModelInfoProblemAndGenerateRefusesItAtLoad() {
        ModelConfig wide = new ModelConfig("llama", 64, 1, 1, 1, 576, 64, 300, 64, 1e-5f,
                new RopeConfig(10000f, RopeConfig.Layout.HALVES), false, false);
        Path f = SyntheticModel.writeGguf(wide, GgmlType.F32, 5, dir.resolve("wide.gguf"));
        CliRun info = run("model-info", "--model", f.toString());
        assertEquals(Mosaic.EXIT_BAD_INPUT, info.exit(), info.out() + info.err());
        assertTrue(info.err().contains("cannot run this model") && info.err().contains("llama.attention.key_length")
                && info.err().contains("576"), info.err());
        CliRun gen = run("generate", "--model", f.toString(), "--prompt-tokens", "1,2", "--max-tokens", "2", "--threads", "1");
        assertEquals(Mosaic.EXIT_BAD_INPUT, gen.exit(), gen.out() + gen.err());
        assertTrue(gen.err().contains("wide.gguf") && gen.err().contains("llama.attention.key_length"), gen.err());
        assertEquals(1, gen.err().strip().lines().count(), gen.err());
    }
    @Test
    void modelInfoPrintsNamesFromTheFileWithTheirEscapeSequencesEscaped() throws Exception {
        String esc = "\u001b[31m";
        Path good = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", true), GgmlType.F32, 5, dir.resolve("good.gguf"));
        // an extra tensor the graph does not use, named with an escape sequence, is listed by --tensors
        Path extra = dir.resolve("extra.gguf");
        try (dev.mosaic.inference.model.gguf.GgufFile f = dev.mosaic.inference.model.gguf.GgufReader.open(good)) {
            dev.mosaic.inference.model.gguf.GgufWriter w = new dev.mosaic.inference.model.gguf.GgufWriter();
            f.metadata().forEach((k, v) -> {
                if (!k.equals("general.alignment")) {
                    w.put(k, v);
                }
            });
            for (dev.mosaic.inference.tensor.Tensor t : f.tensors().values()) {
                w.addTensor(t.name(), t.type(), t.shape(), java.lang.foreign.MemorySegment.ofArray(
                        t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            }
            w.addTensor("note." + esc + "red", GgmlType.F32, new long[] {8}, java.lang.foreign.MemorySegment.ofArray(new byte[32]));
            w.write(extra);
        }
        CliRun info = run("model-info", "--model", extra.toString(), "--tensors");
        assertEquals(0, info.exit(), info.err());
        assertTrue(info.out().contains("note.\\u001b[31mred") && info.out().chars().noneMatch(c -> c == 0x1b), info.out());

        // an unsupported architecture named with an escape sequence: the problem line is escaped
        Path arch = dir.resolve("arch.gguf");
        try (dev.mosaic.inference.model.gguf.GgufFile f = dev.mosaic.inference.model.gguf.GgufReader.open(good)) {
            dev.mosaic.inference.model.gguf.GgufWriter w = new dev.mosaic.inference.model.gguf.GgufWriter();
            f.metadata().forEach((k, v) -> {
                if (!k.equals("general.alignment")) {
                    w.put(k, k.equals("general.architecture") ? "llama" + esc + "x" : v);
                }
            });
            w.write(arch);
        }
        CliRun bad = run("model-info", "--model", arch.toString());
        assertEquals(Mosaic.EXIT_BAD_INPUT, bad.exit(), bad.err());
        assertTrue(bad.err().contains("llama\\u001b[31mx") && bad.err().chars().noneMatch(c -> c == 0x1b), bad.err());
        CliRun gen = run("generate", "--model", arch.toString(), "--prompt-tokens", "1", "--max-tokens", "1", "--threads", "1");
        assertEquals(Mosaic.EXIT_BAD_INPUT, gen.exit(), gen.err());
        assertTrue(gen.err().contains("llama\\u001b[31mx") && gen.err().chars().noneMatch(c -> c == 0x1b), gen.err());
    }
    @Test
    void theKvCacheIsSizedByTheRequestNotByAClaimedContextAndRefusedBeyondTheMachinesMemory() {
        // 4 layers of 16 KV heads of 512: 256 KiB of KV per token, 256 GiB for the 2^20 tokens --max-tokens allows
        ModelConfig huge = new ModelConfig("llama", 64, 4, 16, 16, 512, 96, 300, Integer.MAX_VALUE, 1e-5f,
                new RopeConfig(10000f, RopeConfig.Layout.HALVES), false, false);
        Path f = SyntheticModel.writeGguf(huge, GgmlType.Q8_0, 5, dir.resolve("ctx.gguf"));
        long needMib = (1L << 20) * 2 * 4 * 16 * 512 * Float.BYTES >> 20;
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.mosaic.inference.backend.cpu.HostMemory.available() < needMib << 20,
                "this machine has more than " + needMib + " MiB available");
        CliRun tooBig = run("generate", "--model", f.toString(), "--prompt-tokens", "1,2,3", "--max-tokens", "1048576",
                "--kv-mib", "1048576", "--threads", "1", "--greedy");
        assertEquals(Mosaic.EXIT_BAD_INPUT, tooBig.exit(), tooBig.out() + tooBig.err());
        assertTrue(tooBig.err().contains("--kv-mib 1048576") && tooBig.err().contains("MiB of memory available"), tooBig.err());
        assertEquals(1, tooBig.err().strip().lines().count(), tooBig.err());
        // --kv-mib 65536 with a 2^31-1 context: only what 3 + 4 tokens need is allocated, and the run succeeds
        CliRun ok = run("generate", "--model", f.toString(), "--prompt-tokens", "1,2,3", "--max-tokens", "4",
                "--kv-mib", "65536", "--threads", "1", "--greedy", "--json");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("\"tokens\""), ok.out());
    }

    @Test
    @org.junit.jupiter.api.Timeout(180)
    void serveSizesTheKvCacheByItsBudgetNotAClaimedContextAndRefusesBudgetsBeyondMemory() throws Exception {
        ModelConfig huge = new ModelConfig("llama", 64, 4, 16, 16, 512, 96, 300, Integer.MAX_VALUE, 1e-5f,
                new RopeConfig(10000f, RopeConfig.Layout.HALVES), false, false);
        Path f = SyntheticModel.writeGguf(huge, GgmlType.Q8_0, 5, dir.resolve("ctx.gguf"));
        long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        long available = dev.mosaic.inference.backend.cpu.HostMemory.available();
        org.junit.jupiter.api.Assumptions.assumeTrue(total < 1L << 40, "this machine has 1 TiB of memory or more");
        // a KV budget beyond the machine's memory: refused by the memory check before any allocation
        CliRun beyond = run("serve", "--model", "ctx=" + f, "--port", "0", "--kv-budget", "1048576", "--threads", "1");
        assertEquals(Mosaic.EXIT_BAD_INPUT, beyond.exit(), beyond.out() + beyond.err());
        assertTrue(beyond.err().contains("--model ctx=") && beyond.err().contains("KV cache") && beyond.err().contains("budget"),
                beyond.err());
        assertEquals(1, beyond.err().strip().lines().count(), beyond.err());
        // within the machine's memory but beyond what is available now: refused when the KV cache is allocated
        if (total - available > 128L << 20) {
            long mib = (available + (total - available) / 2) >> 20;
            CliRun unavailable = run("serve", "--model", "ctx=" + f, "--port", "0", "--kv-budget", String.valueOf(mib), "--threads", "1");
            assertEquals(Mosaic.EXIT_BAD_INPUT, unavailable.exit(), unavailable.out() + unavailable.err());
            assertTrue(unavailable.err().contains("ctx.gguf") && unavailable.err().contains("available"), unavailable.err());
            assertEquals(1, unavailable.err().strip().lines().count(), unavailable.err());
        }
        // a 16 MiB budget on a file claiming a 2^31-1 context: 16 MiB is allocated and completions are served
        try (ServeProcess s = new ServeProcess(java.util.List.of("ctx=" + f), 16)) {
            String completion = ServeCommandTest.http("POST", s.port(), "/v1/completions",
                    "{\"model\": \"ctx\", \"prompt\": \"hello\", \"max_tokens\": 3}");
            assertTrue(completion.startsWith("200 "), completion);
            assertTrue(completion.replace(" ", "").contains("\"completion_tokens\":3"), completion);
            String props = ServeCommandTest.http("GET", s.port(), "/v1/models", null);
            assertTrue(props.startsWith("200 ") && props.contains("\"ctx\""), props);
        }
    }
}
