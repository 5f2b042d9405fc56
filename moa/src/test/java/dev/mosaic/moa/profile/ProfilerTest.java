package dev.mosaic.moa.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.moa.worker.CpuWorker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The profiler alone and beside co-running engines: what it reports, what it keys, and that companions stop. */
class ProfilerTest {

    @TempDir
    static Path dir;

    private static final Profiler.Settings SMALL = new Profiler.Settings(1, 8L << 20, 4, 16, 8, 1);

    @Test
    @Timeout(120)
    void coRunningEnginesRunDuringTheTimingsOnlyAndAreKeyedApart() {
        Path model = dir.resolve("m.gguf");
        SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.Q8_0, 3, model);
        List<String> lines = new ArrayList<>();
        AtomicBoolean companionsSeenDuringTimings = new AtomicBoolean();
        ConcurrentHashMap<String, Boolean> seen = new ConcurrentHashMap<>();
        Profiler.Settings busy = SMALL.withCoRunning(2);
        ModelProfile p = new Profiler(busy, line -> {
            lines.add(line);
            long alive = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("mosaic-profile-companion-") && t.isAlive()).count();
            if (line.contains("ms/token at batch 1")) {
                companionsSeenDuringTimings.set(alive == 2);
            }
            seen.put(line, alive > 0);
        }).profile("e", model, List.of(new Profiler.Sample("hello", null, 4)));
        assertTrue(companionsSeenDuringTimings.get(), "both companions decode while the batch-1 latency is measured: " + lines);
        assertTrue(lines.stream().anyMatch(l -> l.contains("starting 2 co-running engines")), lines.toString());
        assertEquals(CpuWorker.profileKey(1, 8L << 20, 4, 2, null), p.workerKey());
        assertTrue(p.workerKey().contains(":corun=2:"), p.workerKey());
        assertTrue(p.decodeSecondsPerToken() > 0 && p.prefillSecondsPerToken() > 0 && p.decodeLatencySecondsPerToken() > 0);
        assertTrue(p.meanOutputTokens() >= 1 && p.meanOutputTokens() <= 4, "output lengths are measured, within the cap: "
                + p.meanOutputTokens());
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("mosaic-profile-companion-") && t.isAlive()), "companions stopped");
        seen.forEach((line, alive) -> {
            if (line.contains("loaded in") || line.contains("output lengths")) {
                assertFalse(alive, "load and output lengths are measured alone: " + line);
            }
        });

        // companions of another model: named in the progress and the key
        Path other = dir.resolve("other.gguf");
        SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.Q4_0, 5, other);
        List<String> otherLines = new ArrayList<>();
        ModelProfile beside = new Profiler(SMALL.withCoRunning(1).withCompanionModel(other), otherLines::add)
                .profile("e", model, List.of());
        assertTrue(otherLines.stream().anyMatch(l -> l.contains("starting 1 co-running engine of other.gguf")), otherLines.toString());
        assertTrue(beside.workerKey().contains(":corun=1xother.gguf@"), beside.workerKey());
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("mosaic-profile-companion-") && t.isAlive()), "companions stopped");

        ModelProfile alone = new Profiler(SMALL, l -> {}).profile("e", model, List.of());
        assertEquals(CpuWorker.profileKey(1, 8L << 20, 4), alone.workerKey());
        assertFalse(alone.workerKey().contains("corun"), alone.workerKey());
    }

    @Test
    void coRunningIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> SMALL.withCoRunning(-1));
        assertThrows(IllegalArgumentException.class, () -> SMALL.withCoRunning(Profiler.Settings.MAX_CO_RUNNING + 1));
        assertEquals(Profiler.Settings.MAX_CO_RUNNING, SMALL.withCoRunning(Profiler.Settings.MAX_CO_RUNNING).coRunning());
    }
}
