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
        double simpleBound = in.simpleLowerBound();

        Map<String, Object> solver = new LinkedHashMap<>();
        solver.put("method", name());
        solver.put("warmStart", warmStart.name());
        solver.put("warmStartMakespanSeconds", warmEval.makespanSeconds());
        solver.put("timeLimitSeconds", options.timeLimitSeconds());
        solver.put("relativeGap", options.relativeGap());
        solver.put("highsVersion", Highs.version());

        // Heuristic incumbents before the MIP: the warm start improved by local search and, for the
        // aggregated case, a split-fit placement. The best seeds HiGHS and bounds its model (U).
        int[] order = JobPacker.byDecreasingCost(in);
        double floorCap = Math.max(simpleBound, warmEval.maxJobFloorSeconds());
        long heuristicDeadline = t0 + (long) (0.1 * options.timeLimitSeconds() * 1e9);
        Incumbent inc = new Incumbent(fromJobs(in, warmEval.jobWorker()), warmEval.makespanSeconds(), warmStart.name());
        Schedule warmLs = fromJobs(in, warmEval.jobWorker());
        LocalSearch.improve(warmLs, floorCap, heuristicDeadline);
        inc = inc.orBetter(warmLs, warmStart.name() + "+local-search");
        boolean perJob = (long) in.nj * in.nw <= PER_JOB_LIMIT;
        if (!perJob) {
            SplitFit.Result sf = SplitFit.search(in, simpleBound, inc.makespan);
            if (sf != null) {
                Schedule s = JobPacker.followShares(in, sf.placed(), sf.shares(), order, Math.max(floorCap, sf.target()));
                LocalSearch.improve(s, floorCap, heuristicDeadline);
                inc = inc.orBetter(s, "split-fit");
            }
            // Placement search in the divisible relaxation, from the best placement so far.
            long searchDeadline = t0 + (long) (0.3 * options.timeLimitSeconds() * 1e9);
            PlacementSearch.Result ps = new PlacementSearch(in).improve(inc.schedule.placed, searchDeadline);
            solver.put("placementSearchMoves", ps.moves());
            if (Double.isFinite(ps.makespan())) {
                double cap = Math.max(floorCap, ps.makespan());
                Schedule a = JobPacker.followShares(in, ps.placed(), ps.shares(), order, cap);
                LocalSearch.improve(a, cap, searchDeadline);
                inc = inc.orBetter(a, "placement-search");
                Schedule b = JobPacker.lpt(in, ps.placed(), order, cap);
                LocalSearch.improve(b, cap, searchDeadline);
                inc = inc.orBetter(b, "placement-search");
            }
        }
        double upper = inc.makespan;
        solver.put("mipStart", inc.name);
        solver.put("mipStartMakespanSeconds", upper);

        AggregatedModel am = perJob ? null : new AggregatedModel(in, upper, simpleBound);
        PerJobModel pj = perJob ? new PerJobModel(in, upper, simpleBound) : null;
        MipModel model = perJob ? pj.model : am.model;
        solver.put("formulation", perJob ? "per-job" : "aggregated");
        solver.put("columns", model.numCols());
        solver.put("rows", model.numRows());
        double[] start = perJob ? pj.warmStart(inc.schedule.jobWorker) : am.warmStart(inc.schedule.jobWorker, new int[in.nj]);

        double bound = simpleBound;
        // Full MIP: on large instances it may stop at the root, which still gives the dual bound
        // and an incumbent; the rest of the time then goes to large-neighbourhood search.
        double left = (deadline - System.nanoTime()) / 1e9;
        Solve full = solve(model, passMipStart ? start : null, (perJob ? 0.85 : 0.45) * left, options.relativeGap());
        solver.putAll(full.facts);
        if (Double.isFinite(full.dualBound)) {
            bound = Math.max(bound, full.dualBound);
        }
        if (full.solution == null) {
            solver.put("fallback", inc.name);
            solver.put("reason", full.failure != null ? full.failure
                    : "HiGHS stopped (" + full.facts.get("modelStatus") + ") without a feasible solution");
        } else {
            double cap = Math.max(floorCap, full.objective);
            long lsDeadline = Math.max(deadline, System.nanoTime() + 200_000_000L);
            if (perJob) {
                Schedule s = fromJobs(in, pj.jobWorkers(full.solution));
                LocalSearch.improve(s, cap, lsDeadline);
                inc = inc.orBetter(s, name());
            } else {
                inc = packAndImprove(in, am, full.solution, order, cap, lsDeadline, inc);
            }
        }
        if (!perJob && full.solution != null && in.nw > 1 && Plan.gap(inc.makespan, bound) > options.relativeGap()) {
            inc = neighbourhoodSearch(in, inc, bound, order, floorCap, deadline, solver);
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
                                     long lsDeadline, Incumbent inc) {
        boolean[][] placed = am.placement(sol);
        Schedule a = JobPacker.followShares(in, placed, am.shares(sol), order, cap);
        LocalSearch.improve(a, cap, lsDeadline);
        inc = inc.orBetter(a, name());
        Schedule b = JobPacker.lpt(in, placed, order, cap);
        LocalSearch.improve(b, cap, lsDeadline);
        return inc.orBetter(b, name());
    }

    /**
     * Large-neighbourhood search: frees the replicas of a few workers (the most loaded one and
     * random others), fixes the rest to the incumbent, re-solves that small MIP and packs it.
     * Stops at the deadline (less a reserve) or once the gap to the bound is within tolerance.
     */
    private Incumbent neighbourhoodSearch(Instance in, Incumbent inc, double bound, int[] order, double floorCap,
                                          long deadline, Map<String, Object> solver) {
        long stopAt = deadline - (long) (0.08 * options.timeLimitSeconds() * 1e9);
        java.util.Random rnd = new java.util.Random(in.nj * 31L + in.nw);
        int free = Math.min(in.nw, 4);
        int iterations = 0;
        int improvements = 0;
        while (System.nanoTime() < stopAt && Plan.gap(inc.makespan, bound) > options.relativeGap()) {
            iterations++;
            Schedule cur = inc.schedule;
            boolean[] isFree = new boolean[in.nw];
            int critical = 0;
            for (int w = 1; w < in.nw; w++) {
                if (cur.load[w] > cur.load[critical]) {
                    critical = w;
                }
            }
            isFree[critical] = true;
            for (int n = 1; n < free; ) {
                int w = rnd.nextInt(in.nw);
                if (!isFree[w]) {
                    isFree[w] = true;
                    n++;
                }
            }
            boolean[][] fix = new boolean[in.nw][];
            for (int w = 0; w < in.nw; w++) {
                fix[w] = isFree[w] ? null : cur.placed[w].clone();
            }
            AggregatedModel sub = new AggregatedModel(in, inc.makespan, bound, fix);
            double[] start = sub.warmStart(cur.jobWorker, new int[in.nj]);
            double left = (stopAt - System.nanoTime()) / 1e9;
            Solve r = solve(sub.model, start, Math.min(left, Math.max(0.2, 0.1 * options.timeLimitSeconds())), 1e-4);
            if (r.solution == null || r.objective >= inc.makespan * (1 - 1e-9)) {
                continue;
            }
            double cap = Math.max(floorCap, r.objective);
            long lsDeadline = Math.min(stopAt, System.nanoTime() + 500_000_000L);
            Incumbent next = packAndImprove(in, sub, r.solution, order, cap, lsDeadline, inc);
            if (next != inc) {
                improvements++;
                inc = next;
            }
        }
        solver.put("lnsIterations", iterations);
        solver.put("lnsImprovements", improvements);
        return inc;
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
