package dev.mosaic.scheduler.plan;

import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a plan against its problem and computes its true makespan, independently of whichever
 * planner produced it. Every test and every report goes through here.
 *
 * <p>Cost model: a worker's load is the sum of its jobs' costs plus the load time of every
 * replica placed on it ({@link Problem#loadSeconds(int, int)}: 0 for a replica that
 * {@code placement.loaded} says is already there), all divided by its speed; the makespan is the
 * larger of the largest load and the largest job latency floor. A plan must respect
 * {@code placement.forbidden} and place every {@code placement.pinned} replica.
 *
 * <p>Stateless and thread-safe.
 */
public final class PlanEvaluator {

    /**
     * Outcome of an evaluation; {@code violations} is empty for a valid plan. Immutable by convention: the arrays and
     * list are shared, not copied; do not change them.
     */
    public record Evaluation(List<String> violations, double makespanSeconds, double[] workerLoadSeconds,
                             double maxJobFloorSeconds, int[] jobWorker) {

        public boolean valid() {
            return violations.isEmpty();
        }

        /** Returns this evaluation, or throws listing the first violations. */
        public Evaluation requireValid() {
            if (!valid()) {
                throw new IllegalStateException("invalid plan: " + String.join("; ", violations.subList(0, Math.min(10, violations.size())))
                        + (violations.size() > 10 ? " ... (" + violations.size() + " violations)" : ""));
            }
            return this;
        }
    }

    private PlanEvaluator() {}

    /** Evaluates {@code plan} on {@code problem}. */
    public static Evaluation evaluate(Problem problem, Plan plan) {
        List<String> violations = new ArrayList<>();
        Map<String, Integer> wIdx = problem.workerIndex();
        Map<String, Integer> eIdx = problem.expertIndex();
        int nw = problem.workers().size();
        int ne = problem.experts().size();
        boolean[][] placed = new boolean[nw][ne];
        double[] load = new double[nw];
        boolean[][] allowed = problem.allowed();
        double[][] loadSeconds = problem.loadSecondsTable();

        for (Map.Entry<String, List<String>> entry : plan.placement().entrySet()) {
            Integer w = wIdx.get(entry.getKey());
            if (w == null) {
                violations.add("placement: unknown worker '" + entry.getKey() + "'");
                continue;
            }
            Worker worker = problem.workers().get(w);
            double mem = 0;
            for (String expertId : entry.getValue()) {
                Integer e = eIdx.get(expertId);
                if (e == null) {
                    violations.add("placement." + worker.id() + ": unknown expert '" + expertId + "'");
                    continue;
                }
                if (placed[w][e]) {
                    violations.add("placement." + worker.id() + ": expert '" + expertId + "' listed twice");
                    continue;
                }
                placed[w][e] = true;
                if (!allowed[w][e]) {
                    violations.add("placement." + worker.id() + ": expert '" + expertId + "' is forbidden on this worker");
                }
                Expert ex = problem.experts().get(e);
                mem += ex.memoryGiB();
                load[w] += loadSeconds[w][e] / worker.speed();
            }
            if (mem > worker.memoryGiB() * (1 + 1e-9)) {
                violations.add("placement." + worker.id() + ": replicas need " + mem + " GiB, worker has " + worker.memoryGiB() + " GiB");
            }
        }

        boolean[][] pinned = problem.pinned();
        for (int w = 0; w < nw; w++) {
            for (int e = 0; e < ne; e++) {
                if (pinned[w][e] && !placed[w][e]) {
                    violations.add("placement." + problem.workers().get(w).id() + ": expert '" + problem.experts().get(e).id()
                            + "' is pinned to this worker (placement.pinned) but not placed there");
                }
            }
        }

        JobTable jobs = problem.jobs();
        Map<String, Integer> pIdx = new HashMap<>();
        for (int i = 0; i < problem.prompts().size(); i++) {
            pIdx.put(problem.prompts().get(i).id(), i);
        }
        // job index by (prompt, expert)
        Map<Long, Integer> jobOf = new HashMap<>(jobs.size() * 2);
        for (int j = 0; j < jobs.size(); j++) {
            jobOf.put(((long) jobs.prompt()[j] << 32) | jobs.expert()[j], j);
        }
        int[] jobWorker = new int[jobs.size()];
        java.util.Arrays.fill(jobWorker, -1);
        double maxFloor = 0;
        for (Assignment a : plan.assignment()) {
            Integer p = pIdx.get(a.prompt());
            Integer e = eIdx.get(a.expert());
            Integer w = wIdx.get(a.worker());
            if (p == null || e == null || w == null) {
                violations.add("assignment " + a + ": unknown " + (p == null ? "prompt" : e == null ? "expert" : "worker"));
                continue;
            }
            Integer j = jobOf.get(((long) p << 32) | e);
            if (j == null) {
                violations.add("assignment " + a + ": prompt is not routed to that expert");
                continue;
            }
            if (jobWorker[j] >= 0) {
                violations.add("assignment " + a + ": job assigned more than once");
                continue;
            }
            if (!placed[w][e]) {
                violations.add("assignment " + a + ": worker holds no replica of the expert");
            }
            jobWorker[j] = w;
            double speed = problem.workers().get(w).speed();
            load[w] += jobs.cost()[j] / speed;
            maxFloor = Math.max(maxFloor, jobs.floor()[j] / speed);
        }
        Set<Integer> missing = new HashSet<>();
        for (int j = 0; j < jobs.size(); j++) {
            if (jobWorker[j] < 0 && missing.size() < 10) {
                missing.add(j);
                Prompt pr = problem.prompts().get(jobs.prompt()[j]);
                violations.add("job (" + pr.id() + ", " + problem.experts().get(jobs.expert()[j]).id() + ") is not assigned");
            }
        }
        double makespan = maxFloor;
        for (double l : load) {
            makespan = Math.max(makespan, l);
        }
        return new Evaluation(List.copyOf(violations), makespan, load, maxFloor, jobWorker);
    }
}
