package dev.mosaic.scheduler.ilp;

import dev.mosaic.bindings.highs.Highs;
import dev.mosaic.bindings.highs.HighsException;
import dev.mosaic.bindings.highs.MipModel;
import dev.mosaic.bindings.highs.HighsModelStatus;
import dev.mosaic.scheduler.baseline.GreedyPlanner;
import dev.mosaic.scheduler.plan.LowerBounds;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.plan.PlanningOptions;
import dev.mosaic.scheduler.plan.SolverInfo;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemValidator;
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
 *       The {@link Formulation} is the exact {@link PerJobModel} on tiny instances (at most
 *       {@link #PER_JOB_LIMIT} job-worker pairs), else the {@link AggregatedModel}, whose size is
 *       workers x experts, independent of the number of prompts.</li>
 *   <li><b>Realising.</b> A MIP solution better than its start is turned into whole-job schedules
 *       by its formulation ({@link Formulation#realise}) and improved against the true makespan.</li>
 * </ol>
 * The {@link TimeBudget} says how the time limit is divided among these steps.
 * The plan returned is the best by evaluated makespan among all of these, so it is never worse
 * than the warm start. Its lower bound is the largest of {@link LowerBounds}, the instance bounds
 * and HiGHS's MIP dual bound, which is valid because both models are relaxations of (or equal to)
 * the per-job problem restricted to plans no worse than the incumbent (argued on each model).
 * If HiGHS ends without a feasible solution (it is always given the incumbent as a start, so
 * this takes a failure or a start it rejects), the best heuristic plan is returned and
 * {@link SolverInfo#fallback()} / {@link SolverInfo#fallbackReason()} say so. The
 * {@link SolverInfo} carries status, HiGHS's dual bound and gap, threads requested and used; its
 * details the HiGHS and model status, MIP seconds, node count, HiGHS version, formulation and
 * model size, and which step produced the plan ({@code chosen}).
 *
 * <p>Thread-safe: the planner holds only immutable options; HiGHS runs are serialised by the
 * bindings.
 */
public final class PlacementIlp implements Planner {

    /**
     * Instances with at most this many (job, worker) pairs are solved with the exact per-job
     * model ({@link PerJobModel}); larger ones with the aggregated model.
     */
    public static final long PER_JOB_LIMIT = 100;

    /** Command-line name. */
    public static final String NAME = "ilp";

    private final PlanningOptions options;
    private final TimeBudget budget;
    private final Planner warmStart;
    private final boolean passMipStart;

    /** Share of the time limit the warm start (the greedy planner) may use. */
    static final double WARM_START_SHARE = 0.3;

    /** The planner warm-started from {@link GreedyPlanner} (given {@link #WARM_START_SHARE} of the time limit), with the default time budget. */
    public PlacementIlp(PlanningOptions options) {
        this(options, new GreedyPlanner(options.timeLimitSeconds() * WARM_START_SHARE));
    }

    /**
     * @param options solver options
     * @param warmStart heuristic whose plan is the first incumbent (normally the greedy planner)
     */
    public PlacementIlp(PlanningOptions options, Planner warmStart) {
        this(options, TimeBudget.DEFAULT, warmStart, true);
    }

    /**
     * @param budget how the time limit is divided among the portfolio's steps
     * @param passMipStart whether HiGHS is given the warm-start plan as its initial incumbent;
     *                     without it a very short time limit can end with no incumbent at all
     */
    PlacementIlp(PlanningOptions options, TimeBudget budget, Planner warmStart, boolean passMipStart) {
        this.options = Objects.requireNonNull(options, "options");
        this.budget = Objects.requireNonNull(budget, "budget");
        this.warmStart = Objects.requireNonNull(warmStart, "warmStart");
        this.passMipStart = passMipStart;
    }

    PlacementIlp(PlanningOptions options, Planner warmStart, boolean passMipStart) {
        this(options, TimeBudget.DEFAULT, warmStart, passMipStart);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The options this planner was created with. */
    public PlanningOptions options() {
        return options;
    }

    /** How this planner divides its time limit. */
    public TimeBudget budget() {
        return budget;
    }

    @Override
    public Plan plan(Problem problem) {
        ProblemValidator.validate(problem);
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (options.timeLimitSeconds() * 1e9);
        Instance in = new Instance(problem);
        Plan warm = warmStart.plan(problem);
        PlanEvaluator.Evaluation warmEval = PlanEvaluator.evaluate(problem, warm).requireValid();
        double simpleBound = Math.max(in.simpleLowerBound(), LowerBounds.compute(problem, in.jobs).best());

        Map<String, Object> details = new LinkedHashMap<>();
        details.put("warmStart", warmStart.name());
        details.put("warmStartMakespanSeconds", warmEval.makespanSeconds());
        details.put("warmStartSeconds", (System.nanoTime() - t0) / 1e9);
        details.put("timeLimitSeconds", options.timeLimitSeconds());
        details.put("relativeGap", options.relativeGap());
        details.put("highsVersion", Highs.version());

        Steps steps = new Steps(in, simpleBound, Math.max(simpleBound, warmEval.maxJobFloorSeconds()), details);
        // 1. Heuristic incumbents; the best seeds HiGHS and caps its model (U).
        Incumbent inc = steps.incumbents(warmEval.jobWorker(), warmEval.makespanSeconds(), t0, deadline);
        details.put("heuristicSeconds", (System.nanoTime() - t0) / 1e9);
        details.put("mipStart", inc.name);
        details.put("mipStartMakespanSeconds", inc.makespan);

        // 2. The MIP.
        Formulation formulation = Formulation.choose(in, inc.makespan, simpleBound);
        details.put("formulation", formulation.name());
        details.putAll(formulation.facts());
        double[] start;
        try {
            start = formulation.warmStart(inc.schedule.jobWorker);
        } catch (IllegalStateException e) {
            // The incumbent sits outside the model's pruned columns (a rounding edge of the
            // makespan cap): HiGHS starts without it; the incumbent still competes below.
            start = null;
            details.put("mipStartRejected", e.getMessage());
        }
        long now = System.nanoTime();
        double mipSeconds = budget.mip() * (deadline - now) / 1e9;
        Solve full = solve(formulation, passMipStart ? start : null, mipSeconds, options.relativeGap());
        details.putAll(full.facts);
        double bound = simpleBound;
        if (Double.isFinite(full.dualBound)) {
            bound = Math.max(bound, full.dualBound);
        }

        // 3. Realise a MIP solution that improves on its start.
        String fallback = null;
        String fallbackReason = null;
        if (full.solution == null) {
            fallback = inc.name;
            fallbackReason = full.failure != null ? full.failure
                    : "HiGHS stopped (" + full.facts.get("modelStatus") + ") without a feasible solution";
        } else if (full.objective < inc.makespan * (1 - 1e-9)) {
            double cap = Math.max(steps.floorCap, full.objective);
            long lsDeadline = Math.max(deadline, System.nanoTime() + (long) (budget.minPackingSeconds() * 1e9));
            for (Schedule s : formulation.realise(full.solution, steps.order, cap, steps.lsGoal, lsDeadline)) {
                inc = inc.orBetter(s, name());
            }
        }
        details.put("chosen", inc.name);
        Plan best = inc.name.equals(warmStart.name()) ? warm
                : inc.schedule.toPlan(inc.makespan, 0, SolverInfo.heuristic(name(), 0, Map.of()));
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(problem, best).requireValid();
        double makespan = ev.makespanSeconds();
        // HiGHS's bound carries its feasibility tolerance; never report a bound above a plan we hold.
        double lowerBound = Math.min(bound, makespan);
        SolverInfo.Status status = fallback != null ? SolverInfo.Status.FALLBACK
                : full.modelStatus == HighsModelStatus.OPTIMAL ? SolverInfo.Status.OPTIMAL : SolverInfo.Status.LIMIT_REACHED;
        SolverInfo info = new SolverInfo(name(), status, full.dualBound, full.gap, options.threads(),
                full.threadsUsed > 0 ? full.threadsUsed : options.threads(), (System.nanoTime() - t0) / 1e9,
                fallback, fallbackReason, details);
        return new Plan(best.placement(), best.assignment(), makespan, lowerBound, Plan.gap(makespan, lowerBound), info);
    }

    /** The heuristic half of the portfolio for one instance: incumbents before the MIP. */
    private final class Steps {
        final Instance in;
        final double simpleBound;
        /** Latency-floor cap for packing: no plan does better than this. */
        final double floorCap;
        /** Local search stops once within a quarter of the requested gap of the bound. */
        final double lsGoal;
        /** Jobs by decreasing cost, the packing order. */
        final int[] order;
        final Map<String, Object> details;

        Steps(Instance in, double simpleBound, double floorCap, Map<String, Object> details) {
            this.in = in;
            this.simpleBound = simpleBound;
            this.floorCap = floorCap;
            this.lsGoal = simpleBound * (1 + 0.25 * options.relativeGap());
            this.order = JobPacker.byDecreasingCost(in);
            this.details = details;
        }

        /**
         * The warm start, the warm start after local search and, on aggregated-size instances, a
         * {@link SplitFit} placement and a {@link PlacementSearch} result, each packed into jobs and
         * improved by local search; returns the best.
         */
        Incumbent incumbents(int[] warmJobWorker, double warmMakespan, long t0, long deadline) {
            long heuristicDeadline = t0 + (long) (budget.heuristics() * options.timeLimitSeconds() * 1e9);
            Incumbent inc = new Incumbent(Schedule.fromJobs(in, warmJobWorker), warmMakespan, warmStart.name());
            Schedule warmLs = Schedule.fromJobs(in, warmJobWorker);
            LocalSearch.improve(warmLs, floorCap, lsGoal, heuristicDeadline);
            inc = inc.orBetter(warmLs, warmStart.name() + "+local-search");
            if (Formulation.perJob(in)) {
                return inc;
            }
            SplitFit.Result sf = SplitFit.search(in, simpleBound, inc.makespan);
            if (sf != null) {
                Schedule s = JobPacker.followShares(in, sf.placed(), sf.shares(), order, Math.max(floorCap, sf.target()));
                LocalSearch.improve(s, floorCap, lsGoal, heuristicDeadline);
                inc = inc.orBetter(s, "split-fit");
            }
            // Placement search in the divisible relaxation, from the best placement so far.
            long searchDeadline = TimeBudget.share(System.nanoTime(), deadline, budget.placementSearch());
            // Packing whole jobs loses a little against the divisible makespan: aim below the gap.
            double goal = simpleBound * (1 + 0.5 * options.relativeGap());
            PlacementSearch.Result ps = new PlacementSearch(in).improve(inc.schedule.placed, goal, searchDeadline);
            details.put("placementSearchMoves", ps.moves());
            details.put("placementSearchDivisibleSeconds", ps.makespan());
            if (Double.isFinite(ps.makespan())) {
                double cap = Math.max(floorCap, ps.makespan());
                Schedule a = JobPacker.followShares(in, ps.placed(), ps.shares(), order, cap);
                LocalSearch.improve(a, cap, lsGoal, searchDeadline);
                inc = inc.orBetter(a, "placement-search");
                Schedule b = JobPacker.lpt(in, ps.placed(), order, cap);
                LocalSearch.improve(b, cap, lsGoal, searchDeadline);
                inc = inc.orBetter(b, "placement-search");
            }
            return inc;
        }
    }

    /** Outcome of one HiGHS run: facts for the details, solution (null if none), bounds, threads. */
    private record Solve(Map<String, Object> facts, double[] solution, double objective, double dualBound, double gap,
                         HighsModelStatus modelStatus, int threadsUsed, String failure) {}

    private Solve solve(Formulation formulation, double[] start, double seconds, double gap) {
        Map<String, Object> facts = new LinkedHashMap<>();
        try (Highs highs = new Highs()) {
            highs.setThreads(options.threads());
            highs.setTimeLimit(Math.max(1e-3, seconds));
            highs.setMipRelativeGap(gap);
            highs.passModel(formulation.model());
            if (start != null) {
                highs.setSolution(start);
            }
            Highs.RunResult r = highs.run();
            facts.put("highsStatus", r.status().name());
            facts.put("modelStatus", r.modelStatus().name());
            facts.put("mipSeconds", r.seconds());
            if (!r.threadNote().isEmpty()) {
                facts.put("threadNote", r.threadNote());
            }
            facts.put("nodes", highs.int64Info("mip_node_count"));
            double dual = highs.doubleInfo("mip_dual_bound");
            if (!r.hasFeasibleSolution()) {
                return new Solve(facts, null, Double.NaN, dual, Double.NaN, r.modelStatus(), r.threads(), null);
            }
            double objective = highs.objectiveValue();
            facts.put("mipObjectiveSeconds", objective);
            return new Solve(facts, highs.solution(), objective, dual, highs.doubleInfo("mip_gap"), r.modelStatus(), r.threads(), null);
        } catch (HighsException e) {
            return new Solve(facts, null, Double.NaN, Double.NaN, Double.NaN, null, 0, "HiGHS failed: " + e.getMessage());
        }
    }

    /** The best schedule found so far, its makespan and which step produced it. */
    private record Incumbent(Schedule schedule, double makespan, String name) {
        Incumbent orBetter(Schedule s, String by) {
            double ms = s.makespan();
            return ms < makespan * (1 - 1e-12) ? new Incumbent(s, ms, by) : this;
        }
    }
}
