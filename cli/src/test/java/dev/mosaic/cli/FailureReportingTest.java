package dev.mosaic.cli;

import static dev.mosaic.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Errors that escape a command end in one line on stderr and a documented exit code, never a stack trace. */
class FailureReportingTest {

    @TempDir
    Path dir;

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        final Throwable toThrow;

        Boom(Throwable t) {
            toThrow = t;
        }

        @Override
        public Integer call() throws Exception {
            if (toThrow instanceof Error e) {
                throw e;
            }
            throw (Exception) toThrow;
        }
    }

    private static CliRun runBoom(Throwable t) {
        CommandLine cl = Mosaic.commandLine();
        cl.addSubcommand(new Boom(t));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new CliRun(cl.execute("boom"), out.toString(), err.toString());
    }

    private static void oneLine(CliRun r) {
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void outOfMemoryExitsThreeInOneLine() {
        CliRun r = runBoom(new OutOfMemoryError("Java heap space"));
        assertEquals(Mosaic.EXIT_OUT_OF_MEMORY, r.exit());
        oneLine(r);
        assertTrue(r.err().startsWith("mosaic: out of memory (Java heap space; max heap "), r.err());
        assertTrue(r.err().contains("MOSAIC_JAVA_OPTS=-Xmx"), r.err());
    }

    @Test
    void stackOverflowExitsFourInOneLine() {
        CliRun r = runBoom(new StackOverflowError());
        assertEquals(Mosaic.EXIT_STACK_OVERFLOW, r.exit());
        oneLine(r);
        assertTrue(r.err().startsWith("mosaic: stack overflow"), r.err());
    }

    @Test
    void anInternalErrorIsNamedInOneLineWithTheDebugHint() {
        CliRun r = runBoom(new IllegalStateException("simulation ended with queued jobs\n  on worker 3"));
        assertEquals(1, r.exit());
        oneLine(r);
        assertEquals("mosaic: internal error: IllegalStateException: simulation ended with queued jobs on worker 3"
                + " (MOSAIC_DEBUG=1 prints the stack trace)", r.err().strip());
        CliRun npe = runBoom(new NullPointerException());
        oneLine(npe);
        assertTrue(npe.err().startsWith("mosaic: internal error: NullPointerException"), npe.err());
    }

    @Test
    void aProblemFileTooLargeForTheHeapIsRefusedBeforeReading() throws IOException {
        // sparse: as large as the whole heap, costs no disk
        Path huge = dir.resolve("huge.json");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(Runtime.getRuntime().maxMemory());
        }
        CliRun r = run("plan", "--problem", huge.toString(), "--out", dir.resolve("plan.json").toString());
        assertEquals(Mosaic.EXIT_OUT_OF_MEMORY, r.exit(), r.err());
        oneLine(r);
        assertTrue(r.err().startsWith("mosaic: " + huge + ": "), r.err());
        assertTrue(r.err().contains("MiB of heap to plan") && r.err().contains("MOSAIC_JAVA_OPTS=-Xmx"), r.err());
        assertFalse(dir.resolve("plan.json").toFile().exists());
    }
}
