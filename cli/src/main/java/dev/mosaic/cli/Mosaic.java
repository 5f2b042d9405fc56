package dev.mosaic.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code mosaic} command line. Exit codes: 0 ok, 1 failure, 2 bad input.
 *
 * <p>Not thread-safe: one instance per command-line run ({@link #commandLine()} makes a fresh one).
 */
@Command(name = "mosaic", mixinStandardHelpOptions = true, version = "MOSAIC 0.1.0",
        description = "Mixture-of-Agents scheduling and native-accelerated LLM inference.")
public final class Mosaic implements Runnable {

    /** Exit code for bad input (unreadable or invalid files, bad options). */
    public static final int EXIT_BAD_INPUT = 2;

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
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            line.getErr().println("mosaic: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            return ex instanceof BadInputException ? EXIT_BAD_INPUT : 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("mosaic: " + ex.getMessage());
            ex.getCommandLine().usage(ex.getCommandLine().getErr());
            return EXIT_BAD_INPUT;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
