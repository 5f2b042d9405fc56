package dev.mosaic.cli;

import static dev.mosaic.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.scheduler.gen.InstanceGenerator;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.problem.ProblemIo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of problem JSON (issue 12): valid generated problems mutated the way a hostile
 * user would (huge, tiny, negative and non-numeric values, wrong types, missing fields, deep
 * nesting, long arrays), then validated, planned (greedy and ilp, short time limit) and simulated
 * in-process through the command line. Every run must succeed or fail with exit code 2 and one
 * line naming the file or the field, within a time bound; never an internal error or a trace.
 * The corpus is generated here, never stored; a failure prints the seed and the mutation
 * ({@code -Dmosaic.fuzz.seed=N} explores another corpus).
 */
class ProblemFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final long SEED = Long.getLong("mosaic.fuzz.seed", 12);
    private static final int CASES = 300;

    /** Values that broke something once, or sit at a limit's edge. */
    private static final List<JsonNode> HOSTILE = List.of(
            NODES.numberNode(1e300), NODES.numberNode(-1e300), NODES.numberNode(1e8), NODES.numberNode(1e7),
            NODES.numberNode(1e15), NODES.numberNode(1e-300), NODES.numberNode(-1), NODES.numberNode(0),
            NODES.numberNode(-0.0), NODES.numberNode(Integer.MAX_VALUE), NODES.numberNode(2147483648L),
            NODES.numberNode(Long.MAX_VALUE), NODES.numberNode(new java.math.BigDecimal("1e400")), NODES.numberNode(1e9),
            NODES.numberNode(1e3), NODES.numberNode(1e-3), NODES.textNode("NaN"), NODES.textNode("Infinity"),
            NODES.textNode("-Infinity"), NODES.textNode("12"), NODES.textNode("abc"), NODES.textNode(""),
            NODES.booleanNode(true), NODES.nullNode(), NODES.arrayNode(), NODES.objectNode());

    private static final String DEEP = "@@deep:";

    /** Finite values at or near the stated limits (ProblemLimits), which must plan and simulate, or be refused by name. */
    private static final double[] EDGE = {0, 5e-324, 1e-12, 1e-3, 1, 2, 1e3, 1e6, 1e7, 1e9};

    /** Just beyond a limit. */
    private static final double[] BEYOND = {0.999e-3, 1001, 1e6 + 1, 1.0000001e7, 1e8, 1e9 + 1, 2e9, 1e12};

    @TempDir
    Path dir;

    /** The tree as JSON text, each deep-nesting marker replaced by that many nested arrays/objects. */
    private static String text(JsonNode root, Random rnd) throws IOException {
        String s = JSON.writeValueAsString(root);
        int i;
        while ((i = s.indexOf("\"" + DEEP)) >= 0) {
            int end = s.indexOf('"', i + 1);
            int depth = Integer.parseInt(s.substring(i + 1 + DEEP.length(), end));
            boolean arrays = rnd.nextBoolean();
            String deep = (arrays ? "[" : "{\"a\":").repeat(depth) + "1" + (arrays ? "]" : "}").repeat(depth);
            s = s.substring(0, i) + deep + s.substring(end + 1);
        }
        return s;
    }

    private static JsonNode base(long seed, boolean bigger) throws IOException {
        InstanceSpec spec = InstanceSpec.preset("tiny").withSeed(seed);
        if (bigger) {
            spec = spec.withWorkers(3).withPrompts(40);
        }
        return JSON.readTree(ProblemIo.toJson(InstanceGenerator.generate(spec)));
    }

    /** Every (parent, key-or-index) in the tree, so a mutation can pick any place. */
    private static void places(JsonNode node, List<Object[]> out) {
        if (node instanceof ObjectNode o) {
            o.fieldNames().forEachRemaining(k -> {
                out.add(new Object[] {o, k});
                places(o.get(k), out);
            });
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                out.add(new Object[] {a, i});
                places(a.get(i), out);
            }
        }
    }

    private static void set(Object[] place, JsonNode value) {
        if (place[0] instanceof ObjectNode o) {
            o.set((String) place[1], value);
        } else {
            ((ArrayNode) place[0]).set((Integer) place[1], value);
        }
    }

    private static JsonNode get(Object[] place) {
        return place[0] instanceof ObjectNode o ? o.get((String) place[1]) : ((ArrayNode) place[0]).get((Integer) place[1]);
    }

    private static String describe(Object[] place) {
        return place[1] + " in " + (place[0] instanceof ObjectNode ? "object" : "array");
    }

    /** One to three mutations; returns what was done, for the failure message. */
    private static String mutate(JsonNode root, Random rnd) {
        StringBuilder what = new StringBuilder();
        int n = 1 + rnd.nextInt(3);
        for (int m = 0; m < n; m++) {
            List<Object[]> places = new ArrayList<>();
            places(root, places);
            Object[] p = places.get(rnd.nextInt(places.size()));
            int kind = rnd.nextInt(12);
            if (kind < 6 || kind == 9 && rnd.nextInt(3) > 0) {
                // mostly numbers: pick a numeric place
                List<Object[]> numbers = places.stream().filter(q -> get(q).isNumber()).toList();
                if (!numbers.isEmpty()) {
                    p = numbers.get(rnd.nextInt(numbers.size()));
                }
                int r = rnd.nextInt(6);
                JsonNode v = r < 4 ? NODES.numberNode(EDGE[rnd.nextInt(EDGE.length)])
                        : r == 4 ? NODES.numberNode(BEYOND[rnd.nextInt(BEYOND.length)]) : HOSTILE.get(rnd.nextInt(HOSTILE.size()));
                set(p, v);
                what.append("set ").append(describe(p)).append(" = ").append(v).append("; ");
            } else if (kind == 6) {
                JsonNode v = HOSTILE.get(rnd.nextInt(HOSTILE.size()));
                set(p, v);
                what.append("set ").append(describe(p)).append(" = ").append(v).append("; ");
            } else if (kind == 7) {
                if (p[0] instanceof ObjectNode o) {
                    o.remove((String) p[1]);
                } else {
                    ((ArrayNode) p[0]).remove((Integer) p[1]);
                }
                what.append("remove ").append(describe(p)).append("; ");
            } else if (kind == 9) {
                // Jackson will not write it: a marker that text() splices
                set(p, NODES.textNode(DEEP + (500 + rnd.nextInt(50_000))));
                what.append("deep nesting at ").append(describe(p)).append("; ");
            } else if (kind == 8 && get(p).isContainerNode() && get(p).size() > 0 || kind == 10) {
                if (get(p) == null || !get(p).isContainerNode() || get(p).size() == 0) {
                    p = new Object[] {root, "prompts"};
                    if (get(p) == null || !get(p).isContainerNode() || get(p).size() == 0) {
                        continue;
                    }
                }
                // a long array of copies (duplicate ids, too), bounded
                JsonNode c = get(p);
                ArrayNode big = NODES.arrayNode();
                int copies = 200 + rnd.nextInt(3000);
                for (int i = 0; i < copies; i++) {
                    big.add(c.isArray() ? c.get(i % c.size()).deepCopy() : c.deepCopy());
                }
                set(p, big);
                what.append(copies).append(" copies at ").append(describe(p)).append("; ");
            } else {
                JsonNode v = get(p);
                JsonNode changed = v.isTextual() ? NODES.numberNode(7) : v.isArray() ? NODES.objectNode().set("0", v)
                        : v.isObject() ? NODES.arrayNode().add(v) : NODES.textNode(v.toString());
                set(p, changed);
                what.append("retype ").append(describe(p)).append("; ");
            }
        }
        return what.toString();
    }

    private static void assertCleanFailureOrSuccess(CliRun r, String context, Path file) {
        if (r.exit() == 0) {
            return;
        }
        assertEquals(2, r.exit(), context + "\n" + r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), context + ": more than one line:\n" + err);
        assertTrue(err.startsWith("mosaic: "), context + ": " + err);
        assertFalse(err.contains("internal error") || err.contains("Exception") || err.contains("\tat "), context + ": " + err);
        assertTrue(err.contains(file.getFileName().toString()) || err.matches(".*(workers|experts|prompts|aggregator|answerModel|infeasible|problem)\\b.*"),
                context + ": names neither the file nor a field: " + err);
    }

    @Test
    void mutatedProblemsSucceedOrFailCleanlyInTime() throws IOException {
        Random rnd = new Random(SEED);
        int failedCleanly = 0;
        int simulated = 0;
        for (int c = 0; c < CASES; c++) {
            JsonNode root = base(rnd.nextInt(1000), c % 4 == 0);
            String what = mutate(root, rnd);
            Path file = dir.resolve("case" + c + ".json");
            Files.writeString(file, text(root, rnd));
            final int k = c;
            String context = "case " + c + " (seed " + SEED + "): " + what;
            String method = c % 3 == 0 ? "ilp" : "greedy";
            CliRun plan = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> run("plan", "--problem", file.toString(), "--out", dir.resolve("plan" + k + ".json").toString(),
                            "--method", method, "--time-limit", "0.5", "--threads", "1"), context + " plan");
            assertCleanFailureOrSuccess(plan, context + " plan --method " + method, file);
            if (plan.exit() != 0) {
                failedCleanly++;
                continue;
            }
            {
                CliRun sim = assertTimeoutPreemptively(Duration.ofSeconds(30),
                        () -> run("simulate", "--problem", file.toString(), "--method", "greedy", "--time-limit", "0.5",
                                "--noise", "0.3", "--steal", "--overlap", "--report", dir.resolve("report" + k).toString()), context + " simulate");
                assertCleanFailureOrSuccess(sim, context + " simulate", file);
                simulated++;
            }
        }
        // the mutations must mostly hit something (a fuzzer that only makes valid files tests nothing)
        System.out.println("problem fuzz: " + CASES + " mutants, " + failedCleanly + " rejected with exit 2, " + simulated + " simulated");
        assertTrue(failedCleanly > CASES / 3, "only " + failedCleanly + " of " + CASES + " mutants were rejected");
    }

    @Test
    void aSampleInASeparateProcessExitsTwoWithOneLineOnStderr() throws Exception {
        Random rnd = new Random(SEED + 1);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> bad = List.of(
                "{\"workers\": [{\"id\": \"g\", \"memoryGiB\": 80, \"speed\": 1}], \"experts\": [{\"id\": \"e\", \"memoryGiB\": 1,"
                        + " \"loadSeconds\": 1e8, \"prefillSecondsPerToken\": 0, \"decodeSecondsPerToken\": 0.01,"
                        + " \"decodeLatencySecondsPerToken\": 0.01}], \"prompts\": [{\"id\": \"q\", \"promptTokens\": 1, \"route\": {\"e\": 5}}]}",
                "[".repeat(100_000),
                "{\"workers\": \"many\"}");
        for (int i = 0; i < bad.size(); i++) {
            Path file = dir.resolve("sub" + i + ".json");
            Files.writeString(file, bad.get(i), StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    "dev.mosaic.cli.Mosaic", "plan", "--problem", file.toString(), "--out", dir.resolve("x.json").toString(),
                    "--method", rnd.nextBoolean() ? "greedy" : "round-robin").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "sub" + i + " did not finish");
            assertEquals(2, p.exitValue(), "sub" + i + ": " + err);
            assertEquals(1, err.strip().lines().count(), "sub" + i + ": " + err);
            assertTrue(err.startsWith("mosaic: ") && err.contains(file.getFileName().toString()), "sub" + i + ": " + err);
        }
    }
}
