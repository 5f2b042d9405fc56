package dev.mosaic.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.plan.PlanIo;
import dev.mosaic.scheduler.plan.SolverInfo;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stack (common, highs-native, bindings, scheduler, inference, cli, Jackson, picocli)
 * launched as a user would: on the module path with {@code --enable-native-access} naming our
 * modules, and on the class path with {@code ALL-UNNAMED}, both under
 * {@code --illegal-native-access=deny} so that a missing grant fails instead of warning. Each way
 * plans with HiGHS (ILP) and generates with the CPU backend through {@code --chat}.
 */
class ModulePathTest {

    /**
     * Run-time third-party jars of the stack, by file-name prefix. A new module with run-time
     * dependencies adds their prefixes here (test-only libraries stay out: they are not modules
     * of the stack and may not even be valid modules).
     */
    static final List<String> THIRD_PARTY = List.of("jackson-", "picocli-", "helidon-", "prometheus-metrics-");

    /** Our modules that must be on the path (a new module that cli requires adds itself here). */
    static final List<String> OUR_MODULES = List.of("common", "highs-native", "bindings", "scheduler", "inference", "moa", "server", "cli");

    /** What a module-path user passes; README's "Use as a library" names the same list. */
    static final String NATIVE_MODULES = "dev.mosaic.bindings,dev.mosaic.inference";

    @TempDir
    Path dir;

    @Test
    void runsOnTheModulePath() throws Exception {
        String mp = stackPath();
        List<String> jvm = List.of("--illegal-native-access=deny", "--enable-native-access=" + NATIVE_MODULES,
                "-p", mp, "-m", "dev.mosaic.cli/dev.mosaic.cli.Mosaic");
        exercise(jvm, "mp");

        Result describe = java(List.of("-p", mp, "--describe-module", "dev.mosaic.bindings"));
        assertTrue(describe.out.contains("exports dev.mosaic.bindings.highs"), describe.out);
        assertTrue(describe.out.contains("qualified exports dev.mosaic.bindings.mosaic to"), describe.out);
        assertTrue(describe.out.contains("contains dev.mosaic.bindings.highs.internal"), describe.out);
        assertFalse(describe.out.contains("exports dev.mosaic.bindings.highs.internal"), describe.out);

        // Without the grant, loading is refused with a message naming the flag (no ExceptionInInitializerError).
        Result denied = java(List.of("--illegal-native-access=deny", "-Dmosaic.cache.dir=" + dir.resolve("cache"),
                "-p", mp, "-m", "dev.mosaic.cli/dev.mosaic.cli.Mosaic",
                "plan", "--problem", dir.resolve("mp-p.json").toString(), "--method", "ilp", "--out", dir.resolve("x.json").toString()));
        assertNotEquals(0, denied.exit, denied.out);
        assertTrue(denied.out.contains("--enable-native-access=dev.mosaic.bindings"), denied.out);
        assertFalse(denied.out.contains("ExceptionInInitializerError"), denied.out);
    }

    @Test
    void runsOnTheClassPath() throws Exception {
        List<String> jvm = List.of("--illegal-native-access=deny", "--enable-native-access=ALL-UNNAMED",
                "-cp", stackPath(), "dev.mosaic.cli.Mosaic");
        exercise(jvm, "cp");
    }

    private void exercise(List<String> launcher, String tag) throws Exception {
        Path problem = dir.resolve(tag + "-p.json");
        Path plan = dir.resolve(tag + "-plan.json");
        Path model = dir.resolve(tag + "-m.gguf");
        List<String> base = new ArrayList<>();
        base.add("-Dmosaic.cache.dir=" + dir.resolve("cache"));
        base.addAll(launcher);
        ok(run(base, "gen", "--preset", "tiny", "--out", problem.toString()));
        ok(run(base, "plan", "--problem", problem.toString(), "--method", "ilp", "--out", plan.toString()));
        SolverInfo solver = PlanIo.read(plan).solver();
        assertEquals("ilp", solver.method());
        assertTrue(solver.status() == SolverInfo.Status.OPTIMAL || solver.status() == SolverInfo.Status.LIMIT_REACHED, solver.toString());
        ok(run(base, "synth-model", "--size", "tiny", "--out", model.toString()));
        Result gen = ok(run(base, "generate", "--model", model.toString(), "--prompt", "Hi!", "--chat", "--greedy",
                "--max-tokens", "3", "--json"));
        assertTrue(gen.out.contains("\"tokens\""), gen.out);
    }

    private Result run(List<String> base, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(base);
        cmd.addAll(Arrays.asList(args));
        return java(cmd);
    }

    private static Result ok(Result r) {
        assertEquals(0, r.exit, r.cmd + "\n" + r.out);
        assertFalse(r.out.contains("WARNING: A restricted method"), r.out);
        return r;
    }

    record Result(int exit, String out, String cmd) {}

    private static Result java(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish in 120 s: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), String.join(" ", cmd));
    }

    /**
     * The run-time stack from this test's own class path: our modules (exploded
     * {@code target/classes} directories in a reactor build, or their jars) and the third-party
     * jars they need, without the test frameworks.
     */
    static String stackPath() {
        List<String> keep = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            boolean ours = e.endsWith(File.separator + "target" + File.separator + "classes") && !e.contains("bench")
                    || name.startsWith("mosaic-") && name.endsWith(".jar");
            boolean third = THIRD_PARTY.stream().anyMatch(name::startsWith);
            if (ours || third) {
                keep.add(e);
            }
        }
        for (String m : OUR_MODULES) {
            assertTrue(keep.stream().anyMatch(e -> e.contains(File.separator + m + File.separator) || e.contains("mosaic-" + m + "-")),
                    "module " + m + " missing from the stack path: " + keep);
        }
        return String.join(File.pathSeparator, keep);
    }
}
