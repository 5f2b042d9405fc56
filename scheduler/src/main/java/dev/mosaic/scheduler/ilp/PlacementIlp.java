package dev.mosaic.scheduler.ilp;

import dev.mosaic.bindings.highs.Highs;
import dev.mosaic.bindings.highs.HighsException;
import dev.mosaic.bindings.highs.MipModel;
import dev.mosaic.scheduler.baseline.GreedyPlanner;
import dev.mosaic.scheduler.plan.LowerBounds;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.problem.Problem;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The MOSAIC planner (command-line name {@code ilp}): joint replica placement and job assignment
 * minimising the makespan, solved through HiGHS with heuristics around it.
 *
 * <ol>
 *   <li><b>Incumbents.</b> The warm-start plan (the greedy baseline by default) and the same plan
 *       after {@link LocalSearch}; on aggregated-size instances also a {@link SplitFit} placement
 *       and a {@link PlacementSearch} (max-flow local search over placements in the divisible
 *       relaxation), each packed into jobs ({@link JobPacker}) and improved by local search.</li>
 *   <li><b>MIP.</b> The best incumbent seeds HiGHS (MIP start) and caps the model ({@code T <= U}).
 *       Tiny instances (at most {@link #PER_JOB_LIMIT} job-worker pairs) use the exact
 *       {@link PerJobModel}; all others the {@link AggregatedModel}, whose size is workers x
 *       experts, independent of the number of prompts.</li>
 *   <li><b>Packing.</b> An aggregated MIP solution (placement + work shares) is packed into whole
 *       jobs two ways and improved against the true makespan.</li>
 * </ol>
 * The plan returned is the best by evaluated makespan among all of these, so it is never worse
 * than the warm start. Its lower bound is the largest of {@link LowerBounds}, the instance bounds
 * and HiGHS's MIP dual bound, which is valid because both models are relaxations of (or equal to)
 * the per-job problem restricted to plans no worse than the incumbent (argued on each model).
 * If HiGHS ends without a feasible solution (it is always given the incumbent as a start, so
 * this takes a failure or a start it rejects), the best heuristic plan is returned and
 * {@code solver.fallback} / {@code solver.reason} say so. The {@code solver} map records the
 * HiGHS status, model status, solve seconds, MIP gap, node count, dual bound, HiGHS version,
 * threads, formulation and model size, and which step produced the plan ({@code chosen}).
 */
public final class PlacementIlp implements Planner {

    /**
     * Instances with at most this many (job, worker) pairs are solved with the exact per-job
     * model ({@link PerJobModel}); larger ones with the aggregated model.
     */
    public static final long PER_JOB_LIMIT = 100;

    /** Command-line name. */
    public static final String NAME = "ilp";

    private final IlpOptions options;
    private final Planner warmStart;
    private final boolean passMipStart;

    /** The planner warm-started from {@link GreedyPlanner}. */
    public PlacementIlp(IlpOptions options) {
        this(options, new GreedyPlanner());
    }

    /**
     * @param options solver options
     * @param warmStart heuristic whose plan is the first incumbent (normally the greedy planner)
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
        return NAME;
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
        double simpleBound = Math.max(in.simpleLowerBound(), LowerBounds.compute(problem, in.jobs).best());

        Map<String, Object> solver = new LinkedHashMap<>();
        solver.put("method", name());
        solver.put("warmStart", warmStart.name());
        solver.put("warmStartMakespanSeconds", warmEval.makespanSeconds());
        solver.put("warmStartSeconds", (System.nanoTime() - t0) / 1e9);
        solver.put("timeLimitSeconds", options.timeLimitSeconds());
        solver.put("relativeGap", options.relativeGap());
        solver.put("highsVersion", Highs.version());

        // Local search stops once within a quarter of the requested gap of the bound.
        double lsGoal = simpleBound * (1 + 0.25 * options.relativeGap());
        // Heuristic incumbents before the MIP; the best seeds HiGHS and caps its model (U).
        int[] order = JobPacker.byDecreasingCost(in);
        double floorCap = Math.max(simpleBound, warmEval.maxJobFloorSeconds());
        long heuristicDeadline = t0 + (long) (0.1 * options.timeLimitSeconds() * 1e9);
        Incumbent inc = new Incumbent(fromJobs(in, warmEval.jobWorker()), warmEval.makespanSeconds(), warmStart.name());
        Schedule warmLs = fromJobs(in, warmEval.jobWorker());
        LocalSearch.improve(warmLs, floorCap, lsGoal, heuristicDeadline);
        inc = inc.orBetter(warmLs, warmStart.name() + "+local-search");
        boolean perJob = (long) in.nj * in.nw <= PER_JOB_LIMIT;
        if (!perJob) {
            SplitFit.Result sf = SplitFit.search(in, simpleBound, inc.makespan);
            if (sf != null) {
                Schedule s = JobPacker.followShares(in, sf.placed(), sf.shares(), order, Math.max(floorCap, sf.target()));
                LocalSearch.improve(s, floorCap, lsGoal, heuristicDeadline);
                inc = inc.orBetter(s, "split-fit");
            }
            // Placement search in the divisible relaxation, from the best placement so far.
            long now = System.nanoTime();
            long searchDeadline = now + (long) (0.35 * Math.max(0, deadline - now));
            // Packing whole jobs loses a little against the divisible makespan: aim below the gap.
            double goal = simpleBound * (1 + 0.5 * options.relativeGap());
            PlacementSearch.Result ps = new PlacementSearch(in).improve(inc.schedule.placed, goal, searchDeadline);
            solver.put("placementSearchMoves", ps.moves());
            solver.put("placementSearchDivisibleSeconds", ps.makespan());
            if (Double.isFinite(ps.makespan())) {
                double cap = Math.max(floorCap, ps.makespan());
                Schedule a = JobPacker.followShares(in, ps.placed(), ps.shares(), order, cap);
                LocalSearch.improve(a, cap, lsGoal, searchDeadline);
                inc = inc.orBetter(a, "placement-search");
                Schedule b = JobPacker.lpt(in, ps.placed(), order, cap);
                LocalSearch.improve(b, cap, lsGoal, searchDeadline);
                inc = inc.orBetter(b, "placement-search");
            }
        }
        double upper = inc.makespan;
        solver.put("heuristicSeconds", (System.nanoTime() - t0) / 1e9);
        solver.put("mipStart", inc.name);
        solver.put("mipStartMakespanSeconds", upper);

        AggregatedModel am = perJob ? null : new AggregatedModel(in, upper, simpleBound);
        PerJobModel pj = perJob ? new PerJobModel(in, upper, simpleBound) : null;
        MipModel model = perJob ? pj.model : am.model;
        solver.put("formulation", perJob ? "per-job" : "aggregated");
        solver.put("columns", model.numCols());
        solver.put("rows", model.numRows());
        if (am != null) {
            solver.put("symmetryRows", am.numSymmetryRows);
        }
        double[] start = perJob ? pj.warmStart(inc.schedule.jobWorker) : am.warmStart(inc.schedule.jobWorker, new int[in.nj]);

        double bound = simpleBound;
        // Most of what is left goes to HiGHS; packing its solution takes the rest.
        double left = (deadline - System.nanoTime()) / 1e9;
        Solve full = solve(model, passMipStart ? start : null, 0.85 * left, options.relativeGap());
        solver.putAll(full.facts);
        if (Double.isFinite(full.dualBound)) {
            bound = Math.max(bound, full.dualBound);
        }
        if (full.solution == null) {
            solver.put("fallback", inc.name);
            solver.put("reason", full.failure != null ? full.failure
                    : "HiGHS stopped (" + full.facts.get("modelStatus") + ") without a feasible solution");
        } else if (full.objective < inc.makespan * (1 - 1e-9)) {
            // HiGHS improved on its start: realise its solution as whole jobs.
            double cap = Math.max(floorCap, full.objective);
            long lsDeadline = Math.max(deadline, System.nanoTime() + 200_000_000L);
            if (perJob) {
                Schedule s = fromJobs(in, pj.jobWorkers(full.solution));
                LocalSearch.improve(s, cap, lsGoal, lsDeadline);
                inc = inc.orBetter(s, name());
            } else {
                inc = packAndImprove(in, am, full.solution, order, cap, lsGoal, lsDeadline, inc);
            }
        }
        solver.put("chosen", inc.name);
        solver.put("totalSeconds", (System.nanoTime() - t0) / 1e9);
        Plan best = inc.name.equals(warmStart.name()) ? warm : inc.schedule.toPlan(inc.makespan, 0, Map.of());
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(problem, best).requireValid();
        double makespan = ev.makespanSeconds();
        // HiGHS's bound carries its feasibility tolerance; never report a bound above a plan we hold.
        double lowerBound = Math.min(bound, makespan);
        return new Plan(best.placement(), best.assignment(), makespan, lowerBound, Plan.gap(makespan, lowerBound), solver);
    }

    /** Outcome of one HiGHS run: facts for the solver map, solution (null if none), bounds. */
    private record Solve(Map<String, Object> facts, double[] solution, double objective, double dualBound, String failure) {}

    private Solve solve(MipModel model, double[] start, double seconds, double gap) {
        Map<String, Object> facts = new LinkedHashMap<>();
        try (Highs highs = new Highs()) {
            highs.setThreads(options.threads());
            highs.setTimeLimit(Math.max(1e-3, seconds));
            highs.setMipRelativeGap(gap);
            highs.passModel(model);
            if (start != null) {
                highs.setSolution(start);
            }
            Highs.RunResult r = highs.run();
            facts.put("highsStatus", r.status().name());
            facts.put("modelStatus", r.modelStatus().name());
            facts.put("solveSeconds", r.seconds());
            facts.put("threads", r.threads());
            if (!r.threadNote().isEmpty()) {
                facts.put("threadNote", r.threadNote());
            }
            facts.put("nodes", highs.int64Info("mip_node_count"));
            double dual = highs.doubleInfo("mip_dual_bound");
            if (Double.isFinite(dual)) {
                facts.put("mipDualBoundSeconds", dual);
            }
            if (!r.hasFeasibleSolution()) {
                return new Solve(facts, null, Double.NaN, dual, null);
            }
            double objective = highs.objectiveValue();
            facts.put("mipObjectiveSeconds", objective);
            facts.put("mipGap", highs.doubleInfo("mip_gap"));
            return new Solve(facts, highs.solution(), objective, dual, null);
        } catch (HighsException e) {
            return new Solve(facts, null, Double.NaN, Double.NaN, "HiGHS failed: " + e.getMessage());
        }
    }

    /** Packs an aggregated solution two ways (share-following and LPT), improves both, keeps the best. */
    private Incumbent packAndImprove(Instance in, AggregatedModel am, double[] sol, int[] order, double cap,
                                     double lsGoal, long lsDeadline, Incumbent inc) {
        boolean[][] placed = am.placement(sol);
        Schedule a = JobPacker.followShares(in, placed, am.shares(sol), order, cap);
        LocalSearch.improve(a, cap, lsGoal, lsDeadline);
        inc = inc.orBetter(a, name());
        Schedule b = JobPacker.lpt(in, placed, order, cap);
        LocalSearch.improve(b, cap, lsGoal, lsDeadline);
        return inc.orBetter(b, name());
    }

    /** The best schedule found so far, its makespan and which step produced it. */
    private record Incumbent(Schedule schedule, double makespan, String name) {
        Incumbent orBetter(Schedule s, String by) {
            double ms = s.makespan();
            return ms < makespan * (1 - 1e-12) ? new Incumbent(s, ms, by) : this;
        }
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
