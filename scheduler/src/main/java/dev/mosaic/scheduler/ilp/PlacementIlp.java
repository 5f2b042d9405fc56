package dev.mosaic.scheduler.ilp;

import dev.mosaic.bindings.highs.Highs;
import dev.mosaic.bindings.highs.HighsException;
import dev.mosaic.bindings.highs.MipModel;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.problem.Problem;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The MOSAIC planner: an aggregated placement MIP solved by HiGHS ({@link AggregatedModel}),
 * warm-started from a heuristic plan, then an exact per-job packing of the MIP's shares and a
 * local search against the true makespan.
 *
 * <p>The result is the best by evaluated makespan of: the packed MIP solution after local search,
 * the warm-start plan after local search, and the warm-start plan itself, so it is never worse
 * than the warm start. Its lower bound is the larger of the simple bounds and HiGHS's MIP dual
 * bound on the aggregated model, which is a relaxation of the per-job problem (argued on
 * {@link AggregatedModel}). If HiGHS stops without any feasible solution, or fails, the warm-start
 * plan is returned unchanged and {@code solver.fallback} says why.
 */
public final class PlacementIlp implements Planner {

    /**
     * Instances with at most this many (job, worker) pairs are solved with the exact per-job
     * model ({@link PerJobModel}); larger ones with the aggregated model.
     */
    public static final long PER_JOB_LIMIT = 100;

    private final IlpOptions options;
    private final Planner warmStart;
    private final boolean passMipStart;

    /**
     * @param options solver options
     * @param warmStart heuristic whose plan seeds HiGHS and is the fallback (normally the greedy planner)
     */
    public PlacementIlp(IlpOptions options, Planner warmStart) {
        this(options, warmStart, true);
    }

    /**
     * @param passMipStart whether HiGHS is given the warm-start plan as its initial incumbent;
     *                     without it a very short time limit can end with no incumbent at all
     */
    PlacementIlp(IlpOptions options, Planner warmStart, boolean passMipStart) {
        this.options = Objects.requireNonNull(options, "options");
        this.warmStart = Objects.requireNonNull(warmStart, "warmStart");
        this.passMipStart = passMipStart;
    }

    @Override
    public String name() {
        return "ilp";
    }

    public IlpOptions options() {
        return options;
    }

    @Override
    public Plan plan(Problem problem) {
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (options.timeLimitSeconds() * 1e9);
        Instance in = new Instance(problem);
        Plan warm = warmStart.plan(problem);
        PlanEvaluator.Evaluation warmEval = PlanEvaluator.evaluate(problem, warm).requireValid();
        double upper = warmEval.makespanSeconds();
        double simpleBound = in.simpleLowerBound();

        Map<String, Object> solver = new LinkedHashMap<>();
        solver.put("method", name());
        solver.put("warmStart", warmStart.name());
        solver.put("warmStartMakespanSeconds", upper);
        solver.put("timeLimitSeconds", options.timeLimitSeconds());
        solver.put("relativeGap", options.relativeGap());
        solver.put("highsVersion", Highs.version());

        boolean perJob = (long) in.nj * in.nw <= PER_JOB_LIMIT;
        AggregatedModel am = perJob ? null : new AggregatedModel(in, upper, simpleBound);
        PerJobModel pj = perJob ? new PerJobModel(in, upper, simpleBound) : null;
        MipModel model = perJob ? pj.model : am.model;
        solver.put("formulation", perJob ? "per-job" : "aggregated");
        solver.put("columns", model.numCols());
        solver.put("rows", model.numRows());
        int[] warmJobs = new int[in.nj];
        double[] start;
        if (perJob) {
            start = pj.warmStart(warmEval.jobWorker());
            System.arraycopy(warmEval.jobWorker(), 0, warmJobs, 0, in.nj);
        } else {
            start = am.warmStart(warmEval.jobWorker(), warmJobs);
        }

        double bound = simpleBound;
        double[] sol = null;
        double ilpObjective = Double.NaN;
        try (Highs highs = new Highs()) {
            highs.setThreads(options.threads());
            double left = (deadline - System.nanoTime()) / 1e9;
            // Most of what is left goes to HiGHS; packing and local search take the rest.
            highs.setTimeLimit(Math.max(1e-3, 0.8 * left));
            highs.setMipRelativeGap(options.relativeGap());
            highs.passModel(model);
            if (passMipStart) {
                highs.setSolution(start);
            }
            Highs.RunResult r = highs.run();
            solver.put("highsStatus", r.status().name());
            solver.put("modelStatus", r.modelStatus().name());
            solver.put("solveSeconds", r.seconds());
            solver.put("threads", r.threads());
            if (!r.threadNote().isEmpty()) {
                solver.put("threadNote", r.threadNote());
            }
            solver.put("nodes", highs.int64Info("mip_node_count"));
            double dual = highs.doubleInfo("mip_dual_bound");
            if (Double.isFinite(dual)) {
                bound = Math.max(bound, dual);
                solver.put("mipDualBoundSeconds", dual);
            }
            if (r.hasFeasibleSolution()) {
                sol = highs.solution();
                ilpObjective = highs.objectiveValue();
                solver.put("mipObjectiveSeconds", ilpObjective);
                solver.put("mipGap", highs.doubleInfo("mip_gap"));
            } else {
                solver.put("fallback", warmStart.name());
                solver.put("reason", "HiGHS stopped (" + r.modelStatus() + ") without a feasible solution");
            }
        } catch (HighsException e) {
            solver.put("fallback", warmStart.name());
            solver.put("reason", "HiGHS failed: " + e.getMessage());
        }

        Plan best = warm;
        double bestMakespan = upper;
        String chosen = warmStart.name();
        if (sol != null) {
            double floorCap = Math.max(Math.max(bound, ilpObjective), warmEval.maxJobFloorSeconds());
            int[] order = JobPacker.byDecreasingCost(in);
            long lsDeadline = Math.max(deadline, System.nanoTime() + 200_000_000L);
            Schedule[] candidates;
            if (perJob) {
                candidates = new Schedule[] {fromJobs(in, pj.jobWorkers(sol)), fromJobs(in, warmJobs)};
            } else {
                boolean[][] placed = am.placement(sol);
                candidates = new Schedule[] {
                    JobPacker.followShares(in, placed, am.shares(sol), order, floorCap),
                    JobPacker.lpt(in, placed, order, floorCap),
                    fromJobs(in, warmJobs)
                };
            }
            String warmLs = warmStart.name() + "+local-search";
            String[] names = perJob ? new String[] {"ilp", warmLs} : new String[] {"ilp", "ilp", warmLs};
            int moves = 0;
            int swaps = 0;
            for (int i = 0; i < candidates.length; i++) {
                Schedule s = candidates[i];
                LocalSearch.Stats st = LocalSearch.improve(s, floorCap, lsDeadline);
                moves += st.moves();
                swaps += st.swaps();
                double ms = s.makespan();
                if (ms < bestMakespan * (1 - 1e-12)) {
                    bestMakespan = ms;
                    best = s.toPlan(ms, 0, Map.of());
                    chosen = names[i];
                }
            }
            solver.put("localSearchMoves", moves);
            solver.put("localSearchSwaps", swaps);
        }
        solver.put("chosen", chosen);
        solver.put("totalSeconds", (System.nanoTime() - t0) / 1e9);
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(problem, best).requireValid();
        double makespan = ev.makespanSeconds();
        // HiGHS's bound carries its feasibility tolerance; never report a bound above a plan we hold.
        double lowerBound = Math.min(bound, makespan);
        return new Plan(best.placement(), best.assignment(), makespan, lowerBound, Plan.gap(makespan, lowerBound), solver);
    }

    private static Schedule fromJobs(Instance in, int[] jobWorker) {
        boolean[][] placed = new boolean[in.nw][in.ne];
        for (int j = 0; j < in.nj; j++) {
            placed[jobWorker[j]][in.jobExpert[j]] = true;
        }
        Schedule s = new Schedule(in, placed);
        for (int j = 0; j < in.nj; j++) {
            s.assign(j, jobWorker[j]);
        }
        return s;
    }
}
