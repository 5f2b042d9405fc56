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
        assertTrue(lines.stream().anyMatch(l -> l.contains("after 8 and after 256 prompt tokens")), lines.toString());
        assertTrue(p.meanOutputTokens() >= 1 && p.meanOutputTokens() <= 4, "output lengths are measured, within the cap: "
                + p.meanOutputTokens());
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("mosaic-profile-companion-") && t.isAlive()), "companions stopped");
        seen.forEach((line, alive) -> {
            if (line.contains("loaded in")) {
                assertTrue(alive, "the load is measured beside the busy engines, as a run's replicas load: " + line);
            }
            if (line.contains("output lengths")) {
                assertFalse(alive, "output lengths are measured alone: " + line);
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

        // Alone (with companions the cores are time-sliced and a step's time is the scheduler's):
        // attention over 256 tokens of f32 KV is most of a tiny model's decode step, so the term
        // is well above the timing noise (0.25 to 0.47 us per token of context on a Zen 5 core).
        // A busy host can still swamp one profile, hence up to three.
        List<String> aloneLines = new ArrayList<>();
        ModelProfile alone = null;
        for (int attempt = 0; attempt < 3 && (alone == null || alone.decodeSecondsPerContextToken() == 0); attempt++) {
            alone = new Profiler(SMALL.withRuns(3), aloneLines::add).profile("e", model, List.of());
            assertTrue(alone.decodeSecondsPerContextToken() >= 0 && Double.isFinite(alone.decodeSecondsPerContextToken()));
        }
        assertTrue(alone.decodeSecondsPerContextToken() > 0 && alone.decodeSecondsPerContextToken() < alone.decodeSecondsPerToken(),
                "context term measured: " + alone.decodeSecondsPerContextToken() + " s, " + aloneLines);
        assertEquals(CpuWorker.profileKey(1, 8L << 20, 4), alone.workerKey());
        assertFalse(alone.workerKey().contains("corun"), alone.workerKey());
    }

    @Test
    @Timeout(60)
    void aKvBudgetWithoutRoomForALongPromptMeasuresNoContextTerm() {
        Path model = dir.resolve("small-kv.gguf");
        SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.Q8_0, 4, model);
        List<String> lines = new ArrayList<>();
        // 256 KiB of KV holds 64 tokens of this model: two sequences of 8 + 8 + a block, no long prompt
        ModelProfile p = new Profiler(new Profiler.Settings(1, 256L << 10, 4, 16, 8, 1), lines::add).profile("e", model, List.of());
        assertEquals(0.0, p.decodeSecondsPerContextToken(), lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.contains("after 8 and after")), lines.toString());
        assertTrue(p.decodeSecondsPerToken() > 0 && p.decodeLatencySecondsPerToken() >= p.decodeSecondsPerToken());
    }

    @Test
    void coRunningIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> SMALL.withCoRunning(-1));
        assertThrows(IllegalArgumentException.class, () -> SMALL.withCoRunning(Profiler.Settings.MAX_CO_RUNNING + 1));
        assertEquals(Profiler.Settings.MAX_CO_RUNNING, SMALL.withCoRunning(Profiler.Settings.MAX_CO_RUNNING).coRunning());
    }

    @Test
    @Timeout(120)
    void aProbeIsTimedAmongTheMeasurementsAndCanRestateTheProfile() {
        Path model = dir.resolve("probe-m.gguf");
        SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.Q8_0, 5, model);
        ModelProfile without = new Profiler(SMALL, l -> {}).profile("e", model, List.of());
        assertEquals(null, without.hostProbeSecondsPerToken());
        List<String> lines = new ArrayList<>();
        double now;
        ModelProfile with;
        long started = System.currentTimeMillis() - 2000;
        try (HostProbe probe = HostProbe.create()) {
            Profiler profiler = new Profiler(SMALL.withCoRunning(1), lines::add, probe);
            with = profiler.profile("e", model, List.of());
            now = profiler.hostProbeNow();
        }
        try (var left = java.nio.file.Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("mosaic-host-probe")
                    && p.toFile().lastModified() >= started), "the probe model is deleted when the probe closes");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertTrue(with.hostProbeSecondsPerToken() > 0, "timed with the profile");
        assertTrue(lines.stream().anyMatch(l -> l.contains("host probe")), lines.toString());
        assertTrue(now > 0);
        // a fixed workload of ~40 MB of weights: far slower per token than the tiny measured model's decode
        assertTrue(with.hostProbeSecondsPerToken() > with.decodeSecondsPerToken(), with.toString());
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("mosaic-profile-companion-") && t.isAlive()), "companions stopped");

        ModelProfile twice = with.scaled(2);
        assertEquals(2 * with.loadSeconds(), twice.loadSeconds(), 1e-12);
        assertEquals(2 * with.prefillSecondsPerToken(), twice.prefillSecondsPerToken(), 1e-15);
        assertEquals(2 * with.decodeSecondsPerToken(), twice.decodeSecondsPerToken(), 1e-15);
        assertEquals(2 * with.decodeLatencySecondsPerToken(), twice.decodeLatencySecondsPerToken(), 1e-15);
        assertEquals(2 * with.decodeSecondsPerContextToken(), twice.decodeSecondsPerContextToken(), 1e-18);
        assertEquals(with.memoryGiB(), twice.memoryGiB());
        assertEquals(with.hostProbeSecondsPerToken(), twice.hostProbeSecondsPerToken());
        assertThrows(IllegalArgumentException.class, () -> with.scaled(0));
        assertThrows(IllegalArgumentException.class, () -> with.scaled(Double.NaN));
    }
}
