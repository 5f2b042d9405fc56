package dev.mosaic.scheduler.problem;

import java.util.Map;

/**
 * The jobs of a problem as flat, index-based arrays, the form planners and simulators work on.
 * Job {@code j} is prompt {@code prompt[j]} routed to expert {@code expert[j]}; {@code cost[j]}
 * and {@code floor[j]} are its work and latency floor on a worker of speed 1 (divide by the
 * worker's speed).
 *
 * <p>Thread-safe to read from any number of threads; the arrays are shared, not copied, so nobody may modify them.
 */
public record JobTable(int[] prompt, int[] expert, double[] outTokens, double[] cost, double[] floor) {

    /** Number of jobs. */
    public int size() {
        return prompt.length;
    }

    static JobTable of(Problem problem) {
        Map<String, Integer> expertIndex = problem.expertIndex();
        int n = 0;
        for (Prompt p : problem.prompts()) {
            n += p.route().size();
        }
        int[] prompt = new int[n];
        int[] expert = new int[n];
        double[] out = new double[n];
        double[] cost = new double[n];
        double[] floor = new double[n];
        int j = 0;
        for (int pi = 0; pi < problem.prompts().size(); pi++) {
            Prompt p = problem.prompts().get(pi);
            for (Map.Entry<String, Double> r : p.route().entrySet()) {
                Integer e = expertIndex.get(r.getKey());
                if (e == null) {
                    throw new IllegalArgumentException("prompts[" + pi + "] (" + p.id() + ").route: unknown expert '" + r.getKey() + "'");
                }
                Expert ex = problem.experts().get(e);
                prompt[j] = pi;
                expert[j] = e;
                out[j] = r.getValue();
                cost[j] = ex.jobCost(p.promptTokens(), r.getValue());
                floor[j] = ex.jobFloor(p.promptTokens(), r.getValue());
                j++;
            }
        }
        return new JobTable(prompt, expert, out, cost, floor);
    }
}
