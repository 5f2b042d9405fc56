package dev.mosaic.moa.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time this process spent, in all and in the JVM's JIT compiler and garbage collector
 * threads, read from Linux's {@code /proc/self}. A run's CPU workers are sized to the cores, so
 * whatever else the process runs during a stage (chiefly the JIT compiling code the profiles
 * ran compiled) comes out of the engines' time: summary.json states it per stage so that a gap
 * between predicted and measured seconds can be read against it. Immutable; thread-safe.
 *
 * @param wallNanos {@link System#nanoTime()} when read
 * @param processTicks user + system clock ticks of the whole process, ended threads included
 * @param jitTicks the same of the live JIT compiler threads
 * @param gcTicks the same of the live garbage-collector threads
 */
record ProcessCpu(long wallNanos, long processTicks, long jitTicks, long gcTicks) {
    /** Linux's USER_HZ: /proc reports CPU time in these ticks on every architecture the JVM runs on. */
    private static final double TICKS_PER_SECOND = 100;
    private static final Path SELF = Path.of("/proc/self");

    /** The counters now, or null where /proc is not there to read (not Linux). */
    static ProcessCpu now() {
        long process = ticks(SELF.resolve("stat"));
        if (process < 0) {
            return null;
        }
        long jit = 0;
        long gc = 0;
        List<Path> tasks;
        try (var ts = Files.list(SELF.resolve("task"))) {
            tasks = ts.toList();
        } catch (IOException e) {
            return null;
        }
        for (Path t : tasks) {
            String comm;
            try {
                comm = Files.readString(t.resolve("comm")).trim();
            } catch (IOException e) {
                continue; // the thread ended meanwhile
            }
            boolean isJit = isJitThread(comm);
            boolean isGc = !isJit && isGcThread(comm);
            if (isJit || isGc) {
                long k = Math.max(0, ticks(t.resolve("stat")));
                if (isJit) {
                    jit += k;
                } else {
                    gc += k;
                }
            }
        }
        return new ProcessCpu(System.nanoTime(), process, jit, gc);
    }

    /** HotSpot's compiler threads: "C1 CompilerThre", "C2 CompilerThre" (names cut to 15 bytes). */
    static boolean isJitThread(String comm) {
        return comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler");
    }

    /** G1's and the other collectors' worker, concurrent and service threads. */
    static boolean isGcThread(String comm) {
        return comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("GC ");
    }

    /** utime + stime of a /proc stat file, or -1 when unreadable. */
    static long ticks(Path stat) {
        try {
            String s = Files.readString(stat);
            // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * What was spent between {@code before} and this reading. JIT and GC threads that ended in
     * between drop out of those two figures (HotSpot retires idle compiler threads), so they are
     * lower bounds; the process figure counts every thread.
     */
    Usage since(ProcessCpu before) {
        return new Usage((wallNanos - before.wallNanos) / 1e9, (processTicks - before.processTicks) / TICKS_PER_SECOND,
                Math.max(0, jitTicks - before.jitTicks) / TICKS_PER_SECOND, Math.max(0, gcTicks - before.gcTicks) / TICKS_PER_SECOND);
    }

    /**
     * CPU seconds of one window. Immutable; thread-safe.
     *
     * @param wallSeconds the window's length
     * @param processSeconds CPU of the whole process
     * @param jitSeconds CPU of the JIT compiler threads
     * @param gcSeconds CPU of the garbage collector's threads
     */
    record Usage(double wallSeconds, double processSeconds, double jitSeconds, double gcSeconds) {}
}
