package dev.mosaic.cli;

import static dev.mosaic.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.cpu.HostMemory;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench-decode sizes its KV caches from its flags, checked against the context and the machine's memory before any engine exists. */
class BenchDecodeKvSizingTest {
    @TempDir
    Path dir;

    @Test
    void kvCachesBeyondTheMachinesMemoryAreRefusedNamingTheFlags() {
        // 4 layers of 16 KV heads of 512: 256 KiB of KV per token; 64 x 2^20 tokens need 16 TiB
        ModelConfig huge = new ModelConfig("llama", 64, 4, 16, 16, 512, 96, 300, Integer.MAX_VALUE, 1e-5f,
                new RopeConfig(10000f, RopeConfig.Layout.HALVES), false, false);
        Path f = SyntheticModel.writeGguf(huge, GgmlType.Q8_0, 5, dir.resolve("ctx.gguf"));
        Assumptions.assumeTrue(HostMemory.available() < (16L << 40), "this machine has 16 TiB available");
        CliRun tooBig = run("bench-decode", "--model", f.toString(), "--batch", "64", "--prompt-tokens", "1048576",
                "--gen-tokens", "2", "--threads", "1", "--runs", "1");
        assertEquals(Mosaic.EXIT_BAD_INPUT, tooBig.exit(), tooBig.out() + tooBig.err());
        assertTrue(tooBig.err().contains("--batch 64") && tooBig.err().contains("--engines 1")
                && tooBig.err().contains("MiB of memory available"), tooBig.err());
        assertEquals(1, tooBig.err().strip().lines().count(), tooBig.err());
        // --engines multiplies the caches: 2^20 tokens of 256 KiB fit nowhere twice here either
        CliRun engines = run("bench-decode", "--model", f.toString(), "--batch", "1", "--prompt-tokens", "1048576",
                "--gen-tokens", "2", "--threads", "1", "--runs", "1", "--engines", "64");
        assertEquals(Mosaic.EXIT_BAD_INPUT, engines.exit(), engines.out() + engines.err());
        assertTrue(engines.err().contains("--engines 64"), engines.err());
    }

    @Test
    void promptPlusGeneratedTokensBeyondTheContextAreRefusedNamingTheFile() {
        Path f = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", true), GgmlType.F32, 5, dir.resolve("tiny.gguf"));
        CliRun r = run("bench-decode", "--model", f.toString(), "--prompt-tokens", "1048576", "--gen-tokens", "2",
                "--threads", "1", "--runs", "1");
        assertEquals(Mosaic.EXIT_BAD_INPUT, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("tiny.gguf") && r.err().contains("--prompt-tokens + --gen-tokens (1048578)"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        CliRun ok = run("bench-decode", "--model", f.toString(), "--prompt-tokens", "8", "--gen-tokens", "4",
                "--batch", "2", "--threads", "1", "--runs", "1");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("decode  tokens/s"), ok.out());
    }
}
