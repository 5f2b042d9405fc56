package dev.mosaic.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One run of the {@code mosaic} command line in-process, with its exit code and captured output. */
record CliRun(int exit, String out, String err) {

    /** Runs {@code mosaic args...} through {@link Mosaic#commandLine()}, capturing stdout and stderr. */
    static CliRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Mosaic.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }
}
