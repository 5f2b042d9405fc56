package dev.mosaic.scheduler.testing;

import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.PlacementRules;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small hand-made and random instances for tests. */
public final class Instances {

    private Instances() {}

    /** Two workers, two experts, three prompts: small enough to reason about by hand. */
    public static Problem small() {
        return new Problem(
                List.of(new Worker("gpu0", 40, 1.0), new Worker("gpu1", 40, 1.0)),
                List.of(new Expert("reason", 15.2, 20, 0.0001, 0.004, 0.005), new Expert("chat", 10, 10, 0.0001, 0.002, 0.01)),
                List.of(new Prompt("q0", 300, Map.of("reason", 3000.0)),
                        new Prompt("q1", 200, new LinkedHashMap<>(Map.of("reason", 2000.0))),
                        new Prompt("q2", 100, Map.of("chat", 400.0))));
    }

    /**
     * A random instance every planner can plan: experts of 5-20 GiB, workers with room for
     * {@code ceil(experts/workers)} of them plus 0-40 GiB (so round-robin's first choices always fit
     * and there is some room to replicate), speeds 0.5-2, prompts routed to 1-3 experts with
     * expert {@code e0} writing ten times longer answers.
     */
    public static Problem random(long seed, int workers, int experts, int prompts) {
        Random rng = new Random(seed);
        int perWorker = (experts + workers - 1) / workers;
        List<Worker> ws = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            ws.add(new Worker("w" + w, 20.0 * perWorker + 40 * rng.nextDouble(), 0.5 + 1.5 * rng.nextDouble()));
        }
        List<Expert> es = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            es.add(new Expert("e" + e, 5 + 15 * rng.nextDouble(), 40 * rng.nextDouble(), 1e-4 * rng.nextDouble(),
                    0.001 + 0.004 * rng.nextDouble(), 0.005 + 0.02 * rng.nextDouble()));
        }
        List<Prompt> ps = new ArrayList<>();
        for (int p = 0; p < prompts; p++) {
            Map<String, Double> route = new LinkedHashMap<>();
            int k = 1 + rng.nextInt(Math.min(3, experts));
            while (route.size() < k) {
                int e = rng.nextInt(experts);
                route.putIfAbsent("e" + e, (double) Math.round((e == 0 ? 3000 : 300) * (0.2 + 1.6 * rng.nextDouble())));
            }
            ps.add(new Prompt("p" + p, 10 + rng.nextInt(500), route));
        }
        return new Problem(ws, es, ps);
    }

    /**
     * {@code p} with random placement constraints: each (worker, expert) pair is forbidden with
     * probability {@code forbid}, else pinned with probability {@code pin}; independently loaded
     * with probability {@code load}. The result may fail validation (e.g. pins over memory).
     */
    public static Problem withRandomPlacement(Problem p, Random rnd, double forbid, double pin, double load) {
        List<PlacementRules.Pair> forbidden = new ArrayList<>();
        List<PlacementRules.Pair> pinned = new ArrayList<>();
        List<PlacementRules.Pair> loaded = new ArrayList<>();
        for (Worker w : p.workers()) {
            for (Expert e : p.experts()) {
                PlacementRules.Pair pair = new PlacementRules.Pair(w.id(), e.id());
                double r = rnd.nextDouble();
                if (r < forbid) {
                    forbidden.add(pair);
                } else if (r < forbid + pin) {
                    pinned.add(pair);
                }
                if (rnd.nextDouble() < load) {
                    loaded.add(pair);
                }
            }
        }
        return p.withPlacement(new PlacementRules(forbidden, pinned, loaded));
    }
}
