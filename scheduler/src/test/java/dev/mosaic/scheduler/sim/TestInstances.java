package dev.mosaic.scheduler.sim;

import dev.mosaic.scheduler.plan.Assignment;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Small seeded instances and plans built in test code (independent of the production planners). */
public final class TestInstances {

    private TestInstances() {}

    /** W workers of 80 GiB, E experts (every third a long reasoning one), P prompts routed to k experts. */
    public static Problem random(long seed, int nw, int ne, int np, int k) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Worker> workers = new ArrayList<>();
        for (int w = 0; w < nw; w++) {
            workers.add(new Worker("gpu" + w, 80.0, w % 2 == 0 ? 1.0 : 0.8 + 0.2 * rnd.nextDouble()));
        }
        List<Expert> experts = new ArrayList<>();
        for (int e = 0; e < ne; e++) {
            experts.add(new Expert("e" + e, 10 + 20 * rnd.nextDouble(), 5 + 20 * rnd.nextDouble(),
                    0.00005 + 0.0001 * rnd.nextDouble(), 0.002 + 0.004 * rnd.nextDouble(), 0.015 + 0.01 * rnd.nextDouble()));
        }
        List<Prompt> prompts = new ArrayList<>();
        for (int p = 0; p < np; p++) {
            Map<String, Double> route = new LinkedHashMap<>();
            while (route.size() < Math.min(k, ne)) {
                // skewed routing: low indices are popular
                int e = (int) Math.min(ne - 1, Math.floor(ne * Math.pow(rnd.nextDouble(), 2)));
                double mean = e % 3 == 0 ? 2500 : 300;
                route.putIfAbsent("e" + e, Math.rint(mean * Math.exp(0.5 * rnd.nextGaussian() - 0.125)));
            }
            prompts.add(new Prompt("q" + p, 50 + rnd.nextInt(500), route));
        }
        return new Problem(workers, experts, prompts);
    }

    /** {@link #random} with an aggregator profile (a 32B-like model that fits one per worker). */
    public static Problem withAggregator(Problem p) {
        Expert agg = new Expert("agg-32b", 69.0, 70.0, 0.00013, 0.0016, 0.05);
        return new Problem(p.workers(), p.experts(), p.prompts(), agg);
    }

    /** Every expert on every worker that has room (in order), jobs by least-loaded holder (LPT). */
    public static Plan replicatedLpt(Problem problem) {
        int nw = problem.workers().size();
        Map<String, List<String>> placement = new LinkedHashMap<>();
        double[] mem = new double[nw];
        double[] load = new double[nw];
        boolean[][] holds = new boolean[nw][problem.experts().size()];
        for (int w = 0; w < nw; w++) {
            placement.put(problem.workers().get(w).id(), new ArrayList<>());
        }
        // one replica each round-robin first, then extra replicas wherever memory is left
        for (int pass = 0; pass < 2; pass++) {
            for (int e = 0; e < problem.experts().size(); e++) {
                Expert ex = problem.experts().get(e);
                for (int i = 0; i < nw; i++) {
                    int w = (e + i) % nw;
                    if (holds[w][e] || mem[w] + ex.memoryGiB() > problem.workers().get(w).memoryGiB()) {
                        continue;
                    }
                    mem[w] += ex.memoryGiB();
                    holds[w][e] = true;
                    load[w] += ex.loadSeconds() / problem.workers().get(w).speed();
                    placement.get(problem.workers().get(w).id()).add(ex.id());
                    if (pass == 0) {
                        break;
                    }
                }
            }
        }
        JobTable jobs = problem.jobs();
        Integer[] order = new Integer[jobs.size()];
        for (int j = 0; j < order.length; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(jobs.cost()[b], jobs.cost()[a]));
        String[] worker = new String[jobs.size()];
        for (int j : order) {
            int best = -1;
            for (int w = 0; w < nw; w++) {
                double s = problem.workers().get(w).speed();
                if (holds[w][jobs.expert()[j]] && (best < 0 || load[w] + jobs.cost()[j] / s < load[best] + jobs.cost()[j] / problem.workers().get(best).speed())) {
                    best = w;
                }
            }
            load[best] += jobs.cost()[j] / problem.workers().get(best).speed();
            worker[j] = problem.workers().get(best).id();
        }
        List<Assignment> as = new ArrayList<>();
        for (int j = 0; j < jobs.size(); j++) {
            as.add(new Assignment(problem.prompts().get(jobs.prompt()[j]).id(), problem.experts().get(jobs.expert()[j]).id(), worker[j]));
        }
        return new Plan(placement, as, 0, 0, 0, Map.of("method", "test-lpt"));
    }

    /** One replica per expert (expert i on worker i mod W), every job on it. */
    public static Plan singleReplica(Problem problem) {
        int nw = problem.workers().size();
        Map<String, List<String>> placement = new LinkedHashMap<>();
        for (int w = 0; w < nw; w++) {
            placement.put(problem.workers().get(w).id(), new ArrayList<>());
        }
        for (int e = 0; e < problem.experts().size(); e++) {
            placement.get(problem.workers().get(e % nw).id()).add(problem.experts().get(e).id());
        }
        List<Assignment> as = new ArrayList<>();
        JobTable jobs = problem.jobs();
        for (int j = 0; j < jobs.size(); j++) {
            as.add(new Assignment(problem.prompts().get(jobs.prompt()[j]).id(), problem.experts().get(jobs.expert()[j]).id(),
                    problem.workers().get(jobs.expert()[j] % nw).id()));
        }
        return new Plan(placement, as, 0, 0, 0, Map.of("method", "test-single"));
    }
}
