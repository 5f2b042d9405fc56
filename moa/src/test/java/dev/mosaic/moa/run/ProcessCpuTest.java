package dev.mosaic.moa.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessCpuTest {
    @Test
    void statFieldsAreCountedFromTheLastParenthesisOfTheCommandName(@TempDir Path dir) throws Exception {
        Path stat = dir.resolve("stat");
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        Files.writeString(stat, "4242 (C2 Compi) (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 137 29 0 0 20 0 30 0\n");
        assertEquals(137 + 29, ProcessCpu.ticks(stat));
        Files.writeString(stat, "garbage");
        assertEquals(-1, ProcessCpu.ticks(stat));
        assertEquals(-1, ProcessCpu.ticks(dir.resolve("missing")));
    }

    @Test
    void hotSpotThreadNamesAreSortedIntoJitAndGc() {
        assertTrue(ProcessCpu.isJitThread("C2 CompilerThre"));
        assertTrue(ProcessCpu.isJitThread("C1 CompilerThre"));
        assertFalse(ProcessCpu.isJitThread("mosaic-engine"));
        assertTrue(ProcessCpu.isGcThread("GC Thread#0"));
        assertTrue(ProcessCpu.isGcThread("G1 Conc#0"));
        assertFalse(ProcessCpu.isGcThread("moa-completions"));
    }

    @Test
    void aBusyThreadShowsUpInTheProcessFigure() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc (not Linux)");
        ProcessCpu before = ProcessCpu.now();
        assertNotNull(before);
        long end = System.nanoTime() + 300_000_000L;
        double x = 1;
        while (System.nanoTime() < end) {
            x = Math.sin(x) + 1.0001;
        }
        ProcessCpu.Usage u = ProcessCpu.now().since(before);
        assertTrue(x > 0);
        assertTrue(u.wallSeconds() >= 0.3, u.toString());
        // the spinning thread alone: at least most of its 0.3 s, even on a busy 2-vCPU host
        assertTrue(u.processSeconds() >= 0.1, u.toString());
        assertTrue(u.jitSeconds() >= 0 && u.gcSeconds() >= 0, u.toString());
        assertTrue(u.jitSeconds() + u.gcSeconds() <= u.processSeconds() + 0.05, u.toString());
    }
}
