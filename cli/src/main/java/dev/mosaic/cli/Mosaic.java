package dev.mosaic.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code mosaic} command line. Exit codes: 0 ok, 1 failure, 2 bad input
 * (unreadable or invalid files, bad options, a flag outside its stated range), 3 out of memory
 * (the JVM's heap, see {@code MOSAIC_JAVA_OPTS=-Xmx...}), 4 stack overflow. Every failure prints
 * one line on stderr; {@code MOSAIC_DEBUG=1} adds the stack trace.
 *
 * <p>Not thread-safe: one instance per command-line run ({@link #commandLine()} makes a fresh one).
 */
@Command(name = "mosaic", mixinStandardHelpOptions = true, version = "MOSAIC 0.1.0",
        description = "Mixture-of-Agents scheduling and native-accelerated LLM inference.")
public final class Mosaic implements Runnable {

    /** Exit code for bad input (unreadable or invalid files, bad options). */
    public static final int EXIT_BAD_INPUT = 2;

    /** Exit code when the JVM ran out of heap ({@link OutOfMemoryError}). */
    public static final int EXIT_OUT_OF_MEMORY = 3;

    /** Exit code on a {@link StackOverflowError}. */
    public static final int EXIT_STACK_OVERFLOW = 4;

    /** Environment variable that makes failures print their stack trace too. */
    static final String DEBUG_ENV = "MOSAIC_DEBUG";

    /** Every subcommand, in the order --help lists them. */
    static List<Object> subcommands() {
        return List.of(
                new DemoCommand(),
                new DemoRunCommand(),
                new PlanCommand(),
                new GenCommand(),
                new CompareCommand(),
                new SimulateCommand(),
                new ProfileCommand(),
                new RunCommand(),
                new ServeCommand(),
                new GenerateCommand(),
                new BenchDecodeCommand(),
                new SynthModelCommand(),
                new ModelInfoCommand(),
                new TokenizeCommand());
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Builds the command line with all subcommands and the shared exception handling. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Mosaic());
        for (Object sub : subcommands()) {
            cl.addSubcommand(sub);
        }
        FlagLimits.document(cl);
        cl.setExecutionStrategy(parseResult -> {
            FlagLimits.check(parseResult);
            try {
                return new CommandLine.RunLast().execute(parseResult);
            } catch (OutOfMemoryError | StackOverflowError e) {
                // Errors pass picocli's handlers; the failed allocation or the deep frames are gone by now.
                return reportError(e, parseResult.commandSpec().commandLine().getErr());
            }
        });
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            boolean bad = ex instanceof BadInputException;
            boolean expected = bad || ex instanceof HeapBudget.OutOfHeapException;
            line.getErr().println("mosaic: " + oneLine(ex) + (expected || debug() ? "" : " (" + DEBUG_ENV + "=1 prints the stack trace)"));
            if (debug()) {
                ex.printStackTrace(line.getErr());
            }
            return bad ? EXIT_BAD_INPUT : ex instanceof HeapBudget.OutOfHeapException ? EXIT_OUT_OF_MEMORY : 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("mosaic: " + ex.getMessage());
            if (!(ex instanceof FlagLimits.OutOfRange)) {
                ex.getCommandLine().usage(ex.getCommandLine().getErr());
            }
            return EXIT_BAD_INPUT;
        });
        return cl;
    }

    /** One line for an error that escaped a command, and its exit code. */
    static int reportError(Throwable e, java.io.PrintWriter err) {
        if (e instanceof OutOfMemoryError) {
            err.println("mosaic: out of memory (" + oneLine(e) + "; max heap " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB): give the JVM more with MOSAIC_JAVA_OPTS=-Xmx<size>, or make the input smaller");
        } else {
            err.println("mosaic: stack overflow (" + e.getClass().getSimpleName() + "): the input nests too deeply"
                    + (debug() ? "" : " (" + DEBUG_ENV + "=1 prints the stack trace)"));
        }
        if (debug()) {
            e.printStackTrace(err);
        }
        err.flush();
        return e instanceof OutOfMemoryError ? EXIT_OUT_OF_MEMORY : EXIT_STACK_OVERFLOW;
    }

    /**
     * The exception's message on one line (control characters a file may have put there escaped), or its
     * class name when it has none; internal errors are named.
     */
    static String oneLine(Throwable e) {
        String m = e.getMessage();
        String text = dev.mosaic.inference.model.PrintableText.escape(m == null || m.isBlank() ? e.getClass().getSimpleName() : m.strip().replaceAll("\\s*\\R\\s*", " "));
        boolean internal = e instanceof NullPointerException || e instanceof IllegalStateException
                || e instanceof IndexOutOfBoundsException || e instanceof ClassCastException || e instanceof ArithmeticException;
        return internal && m != null ? "internal error: " + e.getClass().getSimpleName() + ": " + text
                : internal ? "internal error: " + text : text;
    }

    static boolean debug() {
        String v = System.getenv(DEBUG_ENV);
        return v != null && !v.isEmpty() && !v.equals("0");
    }

    public static void main(String[] args) {
        // Threads of a command (solver, engine workers) end in one line too, not a stack trace.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            java.io.PrintWriter err = new java.io.PrintWriter(System.err, true);
            if (e instanceof OutOfMemoryError || e instanceof StackOverflowError) {
                reportError(e, err);
            } else {
                err.println("mosaic: thread " + t.getName() + ": " + oneLine(e) + (debug() ? "" : " (" + DEBUG_ENV + "=1 prints the stack trace)"));
                if (debug()) {
                    e.printStackTrace(err);
                }
            }
        });
        int exit;
        try {
            exit = commandLine().execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) {
            exit = reportError(e, new java.io.PrintWriter(System.err, true));
        }
        System.exit(exit);
    }
}
