package dev.mosaic.scheduler.ilp;

import dev.mosaic.scheduler.plan.Assignment;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seeded random instances and a simple independent planner for the ILP tests. */
final class TestInstances {

    private TestInstances() {}

    /**
     * Random instance: workers of 1-3 expert slots (some faster), experts with skewed routing and
     * output lengths (a few "reasoning" experts write much more), every expert fits somewhere.
     */
    static Problem random(Random rnd, int nw, int ne, int np, int routesPerPrompt, boolean mixedSpeeds) {
        List<Worker> workers = new ArrayList<>();
        for (int w = 0; w < nw; w++) {
            double speed = mixedSpeeds && rnd.nextBoolean() ? 1.5 : 1.0;
            workers.add(new Worker("w" + w, 16.0 * (1 + rnd.nextInt(3)) + 1, speed));
        }
        List<Expert> experts = new ArrayList<>();
        for (int e = 0; e < ne; e++) {
            experts.add(new Expert("e" + e, 8 + rnd.nextInt(9), 1 + rnd.nextDouble() * 20,
                    1e-4 * (0.5 + rnd.nextDouble()), 0.004 * (0.5 + rnd.nextDouble()), 0.02 * (0.5 + rnd.nextDouble())));
        }
        double[] popularity = new double[ne];
        for (int e = 0; e < ne; e++) {
            popularity[e] = Math.exp(rnd.nextGaussian());
        }
        List<Prompt> prompts = new ArrayList<>();
        for (int p = 0; p < np; p++) {
            Map<String, Double> route = new LinkedHashMap<>();
            int k = Math.min(routesPerPrompt, ne);
            while (route.size() < k) {
                int e = sample(rnd, popularity);
                boolean reasoning = e % 3 == 0;
                double out = Math.round(Math.exp((reasoning ? 7.5 : 5.5) + 0.6 * rnd.nextGaussian()));
                route.putIfAbsent("e" + e, Math.max(1, out));
            }
            prompts.add(new Prompt("q" + p, 50 + rnd.nextInt(500), route));
        }
        return new Problem(workers, experts, prompts);
    }

    private static int sample(Random rnd, double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double u = rnd.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            u -= weights[i];
            if (u <= 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /**
     * One replica per expert (on the worker with the most free memory that still fits it), then
     * longest job first onto its expert's only replica. Deliberately simple: an independent warm
     * start, not the product's greedy planner.
     */
    static final class OneReplicaPlanner implements Planner {
        @Override
        public String name() {
            return "one-replica";
        }

        @Override
        public Plan plan(Problem problem) {
            int nw = problem.workers().size();
            double[] free = new double[nw];
            for (int w = 0; w < nw; w++) {
                free[w] = problem.workers().get(w).memoryGiB();
            }
            Map<String, List<String>> placement = new LinkedHashMap<>();
            problem.workers().forEach(w -> placement.put(w.id(), new ArrayList<>()));
            Map<String, String> home = new LinkedHashMap<>();
            for (Expert e : problem.experts()) {
                int best = -1;
                for (int w = 0; w < nw; w++) {
                    if (free[w] >= e.memoryGiB() && (best < 0 || free[w] > free[best])) {
                        best = w;
                    }
                }
                if (best < 0) {
                    throw new IllegalArgumentException("no room for expert " + e.id());
                }
                free[best] -= e.memoryGiB();
                String wid = problem.workers().get(best).id();
                placement.get(wid).add(e.id());
                home.put(e.id(), wid);
            }
            JobTable jt = problem.jobs();
            List<Assignment> as = new ArrayList<>();
            for (int j = 0; j < jt.size(); j++) {
                String eid = problem.experts().get(jt.expert()[j]).id();
                as.add(new Assignment(problem.prompts().get(jt.prompt()[j]).id(), eid, home.get(eid)));
            }
            Plan p = new Plan(placement, as, 0, 0, 0, Map.of());
            double ms = PlanEvaluator.evaluate(problem, p).requireValid().makespanSeconds();
            return new Plan(placement, as, ms, 0, 0, Map.of("method", name()));
        }
    }

    /** A random instance that {@link OneReplicaPlanner} can place (retries with the same generator). */
    static Problem placeable(Random rnd, int nw, int ne, int np, int routes, boolean mixedSpeeds) {
        for (int attempt = 0; ; attempt++) {
            Problem p = random(rnd, nw, ne, np, routes, mixedSpeeds);
            try {
                new OneReplicaPlanner().plan(p);
                return p;
            } catch (IllegalArgumentException e) {
                if (attempt >= 20) {
                    // Too tight to place: give every worker its share of the experts plus the largest one.
                    double sum = p.experts().stream().mapToDouble(Expert::memoryGiB).sum();
                    double max = p.experts().stream().mapToDouble(Expert::memoryGiB).max().orElse(0);
                    List<Worker> roomy = new ArrayList<>();
                    for (Worker w : p.workers()) {
                        roomy.add(new Worker(w.id(), Math.max(w.memoryGiB(), Math.ceil(sum / nw + max)), w.speed()));
                    }
                    return new Problem(roomy, p.experts(), p.prompts());
                }
            }
        }
    }
}
