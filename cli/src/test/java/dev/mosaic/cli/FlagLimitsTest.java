package dev.mosaic.cli;

import static dev.mosaic.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Every numeric flag of every command has a stated range, its help states it, and a value outside it exits 2. */
class FlagLimitsTest {

    private static boolean numeric(OptionSpec o) {
        Class<?> t = o.type();
        return t == int.class || t == long.class || t == double.class || t == float.class
                || Number.class.isAssignableFrom(t) || (t.isArray() && t.getComponentType().isPrimitive()) || o.isMultiValue()
                && o.auxiliaryTypes().length > 0 && Number.class.isAssignableFrom(o.auxiliaryTypes()[0]);
    }

    private static List<CommandLine> commands() {
        List<CommandLine> all = new ArrayList<>();
        all.add(Mosaic.commandLine());
        all.addAll(all.getFirst().getSubcommands().values());
        return all;
    }

    @Test
    void everyNumericFlagHasARangeItsHelpStatesAndItsDefaultIsInside() {
        int checked = 0;
        List<String> problems = new ArrayList<>();
        for (CommandLine cl : commands()) {
            String command = cl.getCommandSpec().name();
            for (OptionSpec o : cl.getCommandSpec().options()) {
                if (!numeric(o)) {
                    continue;
                }
                String name = o.longestName();
                if (FlagLimits.UNBOUNDED.contains(name) || FlagLimits.UNBOUNDED.contains(command + " " + name)) {
                    continue;
                }
                FlagLimits.Range r = FlagLimits.range(command, o);
                checked++;
                if (r == null) {
                    problems.add(command + " " + name + " has no stated range in FlagLimits");
                    continue;
                }
                String help = String.join(" ", o.description());
                if (!help.contains(FlagLimits.help(r))) {
                    problems.add(command + " " + name + " help does not state its range: " + help);
                }
                if (o.defaultValue() != null && !r.contains(Double.parseDouble(o.defaultValue()))) {
                    problems.add(command + " " + name + " default " + o.defaultValue() + " is outside " + r.text());
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(checked >= 30, "checked only " + checked + " flags");
    }

    @Test
    void valuesOutsideTheRangeExitTwoNamingTheFlagAndTheRange() {
        // issue 12: plan --threads 100000 started 6,789 threads; generate --threads 257 exited 1
        String[][] cases = {
            {"plan", "--problem", "p.json", "--out", "plan.json", "--threads", "100000"},
            {"generate", "--model", "m.gguf", "--prompt", "x", "--threads", "257"},
            {"gen", "--prompts", "2000000"},
            {"gen", "--workers", "0"},
            {"serve", "--model", "m.gguf", "--port", "70000"},
            {"bench-decode", "--synthetic", "tiny", "--batch", "100000"},
            {"plan", "--problem", "p.json", "--out", "plan.json", "--time-limit", "NaN"},
            {"generate", "--model", "m.gguf", "--prompt", "x", "--kv-mib", "99999999"},
        };
        for (String[] args : cases) {
            CliRun r = run(args);
            String flag = args[args.length - 2];
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
            String first = r.err().lines().findFirst().orElse("");
            assertTrue(first.startsWith("mosaic: " + flag + ": must be "), String.join(" ", args) + ": " + first);
            assertFalse(first.contains("Exception"), first);
            assertEquals(1, r.err().lines().count(), r.err());
        }
        CliRun help = run("plan", "--help");
        assertTrue(help.out().replaceAll("\\s+", " ").contains("range: 1 to 256"), help.out());
    }
}
