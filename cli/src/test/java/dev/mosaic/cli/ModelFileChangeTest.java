package dev.mosaic.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model file changed under a running engine (issue: SIGBUS when a mapped file shrinks): with
 * {@code --no-mmap} nothing can happen to the run; mapped, an atomic replace is harmless and an
 * in-place change is refused, naming the file, before the engine's next step reads the weights.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a read blocked in open(2) ignores interrupts
class ModelFileChangeTest {
    @TempDir
    Path dir;

    /** Large enough that 400 tokens take seconds (the change must land mid-run), small enough for CI. */
    private Path model(String name, long seed) {
        return SyntheticModel.writeGguf(SyntheticModel.bench110M(), GgmlType.Q8_0, seed, dir.resolve(name));
    }

    private Path model(String name) {
        return model(name, 42);
    }

    /** Runs generate as a real process (the crash this guards against kills a JVM), changing the file after {@code delayMs}. */
    private Process generate(Path model, boolean noMmap) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "dev.mosaic.cli.Mosaic", "generate", "--model", model.toString(),
                "--prompt-tokens", "1,2,3", "--max-tokens", "400", "--threads", "1", "--greedy", "--kv-mib", "64"));
        if (noMmap) {
            cmd.add("--no-mmap");
        }
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("generate.log").toFile()).start();
    }

    private void assertNoCrashReport() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("hs_err")), "the JVM crashed");
        }
    }

    private static void waitForOutput(Path log, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (p.isAlive() && System.nanoTime() < deadline && Files.size(log) == 0) {
            Thread.sleep(20); // generating: its first tokens are out
        }
    }

    @Test
    void noMmapSurvivesTheFileBeingCutShortMidRun() throws Exception {
        Path m = model("cut.gguf");
        long size = Files.size(m);
        Process p = generate(m, true);
        try {
            waitForOutput(dir.resolve("generate.log"), p);
            try (RandomAccessFile f = new RandomAccessFile(m.toFile(), "rw")) {
                f.setLength(size / 10); // what `truncate -s` does
            }
            assertTrue(p.isAlive(), "the file must change while the run reads it");
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            String log = Files.readString(dir.resolve("generate.log"), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), log);
            assertTrue(log.contains("400 generated"), log);
        } finally {
            p.destroyForcibly();
        }
        assertNoCrashReport();
    }

    @Test
    void mappedSurvivesAnAtomicReplaceMidRun() throws Exception {
        Path m = model("swap.gguf");
        Path other = model("next.gguf", 43);
        Process p = generate(m, false);
        try {
            waitForOutput(dir.resolve("generate.log"), p);
            Files.move(other, m, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertTrue(p.isAlive(), "the file must change while the run reads it");
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            String log = Files.readString(dir.resolve("generate.log"), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), log);
            assertTrue(log.contains("400 generated"), log);
        } finally {
            p.destroyForcibly();
        }
        assertNoCrashReport();
    }

    @Test
    void anInPlaceChangeIsRefusedNamingTheFileBeforeTheNextStep() throws Exception {
        Path m = model("inplace.gguf");
        try (Model model = ModelLoader.open(m);
             Engine engine = Engine.create(model, EngineConfig.cpu(1).kvBudgetBytes(16L << 20))) {
            assertEquals(4, engine.submit(GenerationRequest.ofTokens(1, 2, 3).withMaxTokens(4)).join().generatedTokens());
            // Grow it in place (same inode): its mapped pages stay readable, but it is no longer the file that was opened.
            try (RandomAccessFile f = new RandomAccessFile(m.toFile(), "rw")) {
                f.setLength(f.length() + 4096);
            }
            var e = assertThrows(CompletionException.class,
                    () -> engine.submit(GenerationRequest.ofTokens(1, 2, 3).withMaxTokens(4)).join());
            assertTrue(e.getCause() instanceof ModelFormatException, e.toString());
            assertTrue(e.getCause().getMessage().contains(m.toString()) && e.getCause().getMessage().contains("in place"),
                    e.getCause().getMessage());
        }
    }

    @Test
    void aFifoIsRefusedInsteadOfBlocking() throws Exception {
        Path fifo = dir.resolve("model.gguf");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mk.waitFor());
        var e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(fifo));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        CliRun r = CliRun.run("model-info", "--model", fifo.toString());
        assertEquals(2, r.exit(), r.err());
    }
}
