package dev.mosaic.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The stated range of every numeric flag of every command, checked in one place before any
 * command runs (a count from the command line must never size threads, memory or loops without a
 * bound). A value outside its range is bad input: exit code 2 and one line naming the flag and
 * the range. Each flag's help ends with its range ({@link #help}); {@code FlagLimitsTest} checks
 * that every numeric option of every command has a range here and states it in its help.
 *
 * <p>Stateless and thread-safe.
 */
final class FlagLimits {

    /** An inclusive range; {@code minExclusive} makes the lower end open (a time limit of 0 is not a limit). */
    record Range(double min, double max, boolean minExclusive) {
        static Range of(double min, double max) {
            return new Range(min, max, false);
        }

        static Range above(double min, double max) {
            return new Range(min, max, true);
        }

        boolean contains(double v) {
            return (minExclusive ? v > min : v >= min) && v <= max;
        }

        String text() {
            return (minExclusive ? "> " + num(min) + " and <= " : num(min) + " to ") + num(max);
        }

        private static String num(double v) {
            return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%d", (long) v) : Double.toString(v);
        }
    }

    /** Most CPU threads a command may start (kernel threads, solver threads). */
    static final int MAX_THREADS = 256;
    /** Most workers of a generated or demo problem. */
    static final int MAX_WORKERS = 4096;
    /** Most prompts of a generated problem or a simulated demo workload. */
    static final int MAX_PROMPTS = 1_000_000;
    /** Most experts of a generated problem. */
    static final int MAX_EXPERTS = 1024;
    /** Most tokens of one prompt or one generation. */
    static final int MAX_TOKENS = 1 << 20;
    /** Largest KV cache budget, MiB (1 TiB). */
    static final int MAX_KV_MIB = 1 << 20;
    /** Most sequences in one batch. */
    static final int MAX_BATCH = 1024;
    /** Most repetitions of a measurement. */
    static final int MAX_RUNS = 1000;

    /** By long option name; "command --option" entries override for one command. */
    private static final Map<String, Range> LIMITS = Map.ofEntries(
            Map.entry("--threads", Range.of(1, MAX_THREADS)),
            Map.entry("--workers", Range.of(1, MAX_WORKERS)),
            Map.entry("--prompts", Range.of(1, MAX_PROMPTS)),
            Map.entry("demo-run --prompts", Range.of(1, 10_000)),
            Map.entry("--experts", Range.of(1, MAX_EXPERTS)),
            Map.entry("--reasoning-experts", Range.of(0, MAX_EXPERTS)),
            Map.entry("--experts-per-prompt", Range.of(1, MAX_EXPERTS)),
            Map.entry("--worker-memory", Range.above(0, 1e6)),
            Map.entry("--skew", Range.above(0, 1e6)),
            Map.entry("--time-limit", Range.above(0, 86_400)),
            Map.entry("--gap", Range.of(0, 0.99)),
            Map.entry("--noise", Range.of(0, 10)),
            Map.entry("--budget", Range.of(0, 100)),
            Map.entry("--device", Range.of(0, 255)),
            Map.entry("--batch", Range.of(1, MAX_BATCH)),
            Map.entry("--runs", Range.of(1, MAX_RUNS)),
            Map.entry("--engines", Range.of(1, 64)),
            Map.entry("--co-running", Range.of(0, 63)),
            Map.entry("bench-decode --prompt-tokens", Range.of(1, MAX_TOKENS)),
            Map.entry("--gen-tokens", Range.of(1, MAX_TOKENS)),
            Map.entry("--max-tokens", Range.of(1, MAX_TOKENS)),
            Map.entry("--sample-max-tokens", Range.of(1, MAX_TOKENS)),
            Map.entry("--top-k", Range.of(0, MAX_TOKENS)),
            Map.entry("--kv-mib", Range.of(1, MAX_KV_MIB)),
            Map.entry("--kv-budget", Range.of(1, MAX_KV_MIB)),
            Map.entry("--max-queue", Range.of(0, 1_000_000)),
            Map.entry("--temperature", Range.of(0, 100)),
            Map.entry("--top-p", Range.of(0, 1)),
            Map.entry("--port", Range.of(0, 65_535)));

    /** Numeric options that take any value of their type (seeds) or are checked elsewhere (token ids against the vocabulary). */
    static final List<String> UNBOUNDED = List.of("--seed", "generate --prompt-tokens", "tokenize --decode");

    private FlagLimits() {}

    /** A flag outside its range: reported in one line, without the usage text. */
    static final class OutOfRange extends CommandLine.ParameterException {
        OutOfRange(CommandLine line, String message) {
            super(line, message);
        }
    }

    /** The range of {@code option} in {@code command}, or null when it has none. */
    static Range range(String command, OptionSpec option) {
        Range r = LIMITS.get(command + " " + option.longestName());
        return r != null ? r : LIMITS.get(option.longestName());
    }

    /** The sentence each limited flag's help ends with, e.g. {@code "range: 1 to 256"}. */
    static String help(Range r) {
        return "range: " + r.text();
    }

    /**
     * Appends each limited option's range to its help, in every command of {@code cl}: the help
     * states exactly the range that {@link #check} enforces. (Options in argument groups keep their
     * text; none of them has a range.)
     */
    static void document(CommandLine cl) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        for (OptionSpec o : List.copyOf(spec.options())) {
            Range r = range(spec.name(), o);
            if (r == null || o.group() != null) {
                continue;
            }
            String[] d = o.description();
            String[] withRange = d.length == 0 ? new String[] {help(r)} : d.clone();
            if (d.length > 0) {
                withRange[d.length - 1] = d[d.length - 1] + "; " + help(r);
            }
            spec.remove(o);
            spec.addOption(o.toBuilder().description(withRange).build());
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            document(sub);
        }
    }

    /**
     * Checks every option given on the command line (defaults are in range by construction, which
     * the test checks) of the command that will run.
     *
     * @throws CommandLine.ParameterException naming the flag, the value and the range
     */
    static void check(ParseResult parseResult) {
        for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
            String command = pr.commandSpec().name();
            for (OptionSpec o : pr.matchedOptions()) {
                Range r = range(command, o);
                if (r == null) {
                    continue;
                }
                Object v = o.getValue();
                if (v instanceof Number n && !r.contains(n.doubleValue())) {
                    throw new OutOfRange(pr.commandSpec().commandLine(), o.longestName() + ": must be " + r.text() + ", got " + v
                            + " (see 'mosaic " + command + " --help')");
                }
            }
        }
    }
}
