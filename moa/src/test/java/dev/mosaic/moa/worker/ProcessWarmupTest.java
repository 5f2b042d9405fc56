package dev.mosaic.moa.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process warm-up runs once per process: a failed one (bad file) leaves the process cold and
 * names the file; a good one (two architectures, two weight types, so four synthetic models)
 * marks it warm and leaves no temporary files; later calls return at once without opening anything.
 */
@Timeout(60)
class ProcessWarmupTest {
    @TempDir
    Path dir;

    @Test
    void warmsOnceAndThenReturnsAtOnce() throws java.io.IOException {
        long started = System.currentTimeMillis() - 1000;
        EngineConfig config = EngineConfig.cpu(1).withKvBudgetBytes(4L << 20);
        Path missing = dir.resolve("missing.gguf");
        ProcessWarmup.forget(); // another test of this JVM may have warmed it already
        RuntimeException e = assertThrows(RuntimeException.class, () -> ProcessWarmup.ensure(missing, config));
        assertTrue(String.valueOf(e.getMessage()).contains("missing.gguf"), e.getMessage());
        assertFalse(ProcessWarmup.isWarm(), "a failed warm-up leaves the process cold");
        Path q4 = SyntheticModel.writeGguf(SyntheticModel.tiny("qwen3", false), GgmlType.Q4_0, 3, dir.resolve("a.gguf"));
        Path f16 = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.F16, 4, dir.resolve("b.gguf"));
        assertTrue(ProcessWarmup.ensure(List.of(q4, f16), config) > 0);
        assertTrue(ProcessWarmup.isWarm());
        try (var left = java.nio.file.Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("mosaic-warmup")
                    && p.toFile().lastModified() >= started), "the synthetic models are deleted");
        }
        assertEquals(0, ProcessWarmup.ensure(missing, config), "warm: nothing is opened");
    }
}
