package dev.mosaic.scheduler.baseline;

import dev.mosaic.scheduler.plan.IndexedPlan;
import dev.mosaic.scheduler.plan.LowerBounds;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.plan.PlanningOptions;
import dev.mosaic.scheduler.plan.SolverInfo;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemValidator;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Replication-aware heuristic, in three steps:
 * <ol>
 *   <li><b>pin</b>: one replica of every expert that has jobs, experts by decreasing work, each on
 *       the worker with room where it would finish earliest (falling back to a largest-memory-first
 *       order when that order cannot pack the replicas);</li>
 *   <li><b>improve</b>: treating each expert's work as divisible (pinned experts' work stays on
 *       their worker, replicated experts' work is water-filled over their replicas, heaviest
 *       first), a best-improvement local search around the bottleneck worker: add a replica of
 *       one of its experts elsewhere (making room on the target by dropping a redundant replica or
 *       moving a single one), move or swap one of its experts, or drop a redundant replica; ties
 *       in makespan are broken by the sum of squared worker times, so the search keeps levelling.
 *       Finally, replicas whose load time costs more than they save are dropped. The search is
 *       restarted after moving each single-replica expert to each other worker (iterated local
 *       search, a fixed evaluation budget), keeping improvements;</li>
 *   <li><b>assign</b>: place the individual jobs with {@link LptAssigner}, once by earliest finish
 *       and once following the fluid split, keeping the better.</li>
 * </ol>
 * The round-robin plan is evaluated too and the better of the two returned, so greedy is never
 * worse than round-robin. Experts without jobs are not placed (they would only add load time).
 * Placement constraints: forbidden pairs are never placed; pinned replicas are placed from the
 * start and never removed; a replica that is already loaded costs no load time in every choice.
 * Stateless and thread-safe.
 */
public final class GreedyPlanner implements Planner {

    /** Command-line name. */
    public static final String NAME = "greedy";

    private static final double REL_EPS = 1e-9;

    /** Fluid evaluations the iterated local search may spend (a few milliseconds to ~0.2 s). */
    static final long KICK_EVALUATIONS = 50_000;

    /** Partial packings the memory-only fallback may visit before giving up. */
    static final long PACKING_NODES = 200_000;

    /** Share of the time limit the placement search may use; the job assignment comes after it. */
    static final double SEARCH_SHARE = 0.8;

    private final double timeLimitSeconds;

    /** With the default time limit ({@link PlanningOptions#DEFAULT_TIME_LIMIT_SECONDS}). */
    public GreedyPlanner() {
        this(PlanningOptions.DEFAULT_TIME_LIMIT_SECONDS);
    }

    /**
     * @param timeLimitSeconds wall-clock budget, finite and > 0: the placement search (local
     *                         search and kicks) stops at {@link #SEARCH_SHARE} of it with the best
     *                         placement so far; on small instances it ends long before
     */
    public GreedyPlanner(double timeLimitSeconds) {
        if (!(timeLimitSeconds > 0) || Double.isInfinite(timeLimitSeconds)) {
            throw new IllegalArgumentException("time limit: must be a finite number > 0 seconds, got " + timeLimitSeconds);
        }
        this.timeLimitSeconds = timeLimitSeconds;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Plan plan(Problem problem) {
        ProblemValidator.validate(problem);
        long start = System.nanoTime();
        JobTable jobs = problem.jobs();
        Map<String, Object> solver = new LinkedHashMap<>();

        boolean[][] placed = null;
        int[] jobWorker = null;
        double makespan = Double.POSITIVE_INFINITY;
        String failure = null;
        String assignment = null;
        try {
            Fluid fluid = new Fluid(problem, jobs, start + (long) (SEARCH_SHARE * timeLimitSeconds * 1e9));
            placed = fluid.placement();
            double[][] shares = fluid.shares(placed);
            // Two ways to spread a replicated expert's jobs: earliest finish, or the fluid split; keep the better.
            boolean[][] placedByShares = copy(placed);
            jobWorker = LptAssigner.assign(problem, jobs, placed);
            makespan = IndexedPlan.makespan(problem, jobs, placed, jobWorker);
            assignment = "earliest-finish";
            int[] byShares = LptAssigner.assign(problem, jobs, placedByShares, shares);
            double m = IndexedPlan.makespan(problem, jobs, placedByShares, byShares);
            if (m < makespan) {
                placed = placedByShares;
                jobWorker = byShares;
                makespan = m;
                assignment = "fluid-split";
            }
        } catch (PlanningException e) {
            failure = e.getMessage();
        }
        solver.put("greedyMakespanSeconds", Double.isFinite(makespan) ? makespan : null);
        if (System.nanoTime() - start > SEARCH_SHARE * timeLimitSeconds * 1e9) {
            solver.put("timeLimitReached", true);
        }
        if (assignment != null) {
            solver.put("assignment", assignment);
        }

        boolean[][] rrPlaced = null;
        int[] rrJobWorker = null;
        double rrMakespan = Double.POSITIVE_INFINITY;
        try {
            rrPlaced = RoundRobinPlanner.placement(problem);
            rrJobWorker = RoundRobinPlanner.jobWorkers(problem, jobs, rrPlaced);
            rrMakespan = IndexedPlan.makespan(problem, jobs, rrPlaced, rrJobWorker);
        } catch (PlanningException e) {
            if (failure != null) {
                throw new PlanningException(failure + "; " + e.getMessage());
            }
        }
        solver.put("roundRobinMakespanSeconds", Double.isFinite(rrMakespan) ? rrMakespan : null);
        if (rrMakespan <= makespan) {
            placed = rrPlaced;
            jobWorker = rrJobWorker;
            makespan = rrMakespan;
            solver.put("chosen", RoundRobinPlanner.NAME);
        } else {
            solver.put("chosen", NAME);
        }
        if (failure != null) {
            solver.put("note", failure);
        }
        IndexedPlan schedule = new IndexedPlan(placed, jobWorker);
        solver.put("replicas", schedule.replicas());
        SolverInfo info = SolverInfo.heuristic(NAME, (System.nanoTime() - start) / 1e9, solver);
        return schedule.toPlan(problem, jobs, makespan, LowerBounds.compute(problem, jobs).best(), info);
    }

    private static boolean[][] copy(boolean[][] a) {
        boolean[][] c = new boolean[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    /** The fluid (divisible-work) model used to choose replicas. */
    static final class Fluid {
        private final Problem problem;
        private final int nw;
        private final int ne;
        private final double[] speed;
        private final double[] memory;
        private final double[] work;
        private final double[] maxFloor;
        private final boolean[] hasJobs;
        private final Integer[] byWork;
        private final boolean[][] allowed;
        private final boolean[][] pinned;
        /** Load time per (worker, expert) at speed 1 (0 where already loaded). */
        private final double[][] loadTable;
        private long evaluations;
        private final long deadline;

        /** Whether the search's share of the time limit is spent (checked between moves). */
        private boolean late() {
            return System.nanoTime() - deadline > 0;
        }

        Fluid(Problem problem, JobTable jobs, long deadline) {
            this.problem = problem;
            this.deadline = deadline;
            nw = problem.workers().size();
            ne = problem.experts().size();
            speed = new double[nw];
            memory = new double[nw];
            for (int w = 0; w < nw; w++) {
                speed[w] = problem.workers().get(w).speed();
                memory[w] = problem.workers().get(w).memoryGiB();
            }
            work = new double[ne];
            maxFloor = new double[ne];
            hasJobs = new boolean[ne];
            for (int j = 0; j < jobs.size(); j++) {
                int e = jobs.expert()[j];
                work[e] += jobs.cost()[j];
                maxFloor[e] = Math.max(maxFloor[e], jobs.floor()[j]);
                hasJobs[e] = true;
            }
            allowed = problem.allowed();
            pinned = problem.pinned();
            loadTable = problem.loadSecondsTable();
            byWork = new Integer[ne];
            for (int e = 0; e < ne; e++) {
                byWork[e] = e;
            }
            Arrays.sort(byWork, (a, b) -> Double.compare(work[b] + load(b), work[a] + load(a)));
        }

        /** The expert's load time wherever it is not loaded yet (for ordering experts). */
        private double load(int e) {
            return problem.experts().get(e).loadSeconds();
        }

        private double load(int w, int e) {
            return loadTable[w][e];
        }

        /** The placement holding exactly the pinned replicas, and the memory they leave. */
        private boolean[][] pinnedOnly(double[] free) {
            boolean[][] placed = new boolean[nw][ne];
            for (int w = 0; w < nw; w++) {
                for (int e = 0; e < ne; e++) {
                    if (pinned[w][e]) {
                        placed[w][e] = true;
                        free[w] -= mem(e);
                    }
                }
            }
            return placed;
        }

        private boolean hasReplica(boolean[][] placed, int e) {
            for (int w = 0; w < nw; w++) {
                if (placed[w][e]) {
                    return true;
                }
            }
            return false;
        }

        private double mem(int e) {
            return problem.experts().get(e).memoryGiB();
        }

        boolean[][] placement() {
            boolean[][] placed = pin(byWork);
            if (placed == null) {
                Integer[] byMemory = byWork.clone();
                Arrays.sort(byMemory, (a, b) -> Double.compare(mem(b), mem(a)));
                placed = pin(byMemory);
            }
            if (placed == null) {
                placed = packMemory();
            }
            if (placed == null) {
                throw new PlanningException("greedy: found no way to fit one replica of every expert with jobs into worker memory"
                        + " (searched " + PACKING_NODES + " partial packings)");
            }
            improve(placed);
            return kick(placed);
        }

        /**
         * Memory-only bin packing for tight instances: depth-first over experts by decreasing
         * memory, trying the fullest worker that still fits first and skipping workers whose free
         * memory equals one already tried at that depth; gives up after a fixed node budget.
         */
        private boolean[][] packMemory() {
            double[] free = memory.clone();
            boolean[][] placed = pinnedOnly(free);
            int[] order = Arrays.stream(byWork).mapToInt(Integer::intValue).filter(e -> hasJobs[e] && !hasReplica(placed, e))
                    .boxed().sorted((a, b) -> Double.compare(mem(b), mem(a))).mapToInt(Integer::intValue).toArray();
            long[] nodes = {0};
            return dfs(order, 0, placed, free, nodes) ? placed : null;
        }

        private boolean dfs(int[] order, int depth, boolean[][] placed, double[] free, long[] nodes) {
            if (depth == order.length) {
                return true;
            }
            if (++nodes[0] > PACKING_NODES || late()) {
                return false;
            }
            int e = order[depth];
            Integer[] workers = new Integer[nw];
            for (int w = 0; w < nw; w++) {
                workers[w] = w;
            }
            Arrays.sort(workers, (a, b) -> Double.compare(free[a], free[b]));
            double tried = Double.NaN;
            for (int w : workers) {
                if (!allowed[w][e] || mem(e) > free[w] + 1e-9 || free[w] == tried) {
                    continue;
                }
                tried = free[w];
                placed[w][e] = true;
                free[w] -= mem(e);
                if (dfs(order, depth + 1, placed, free, nodes)) {
                    return true;
                }
                placed[w][e] = false;
                free[w] += mem(e);
            }
            return false;
        }

        /**
         * Iterated local search: the local search stops where no single move helps, e.g. when an
         * expert must leave a bottleneck worker for a worker that then becomes the bottleneck
         * until other experts follow. So restart it after moving each single-replica expert to
         * each other worker with room, keeping improvements, until a fixed evaluation budget
         * (deterministic, so plans do not depend on machine speed) is spent.
         */
        private boolean[][] kick(boolean[][] placed) {
            double[] best = evaluate(placed, null);
            long budget = evaluations + KICK_EVALUATIONS;
            boolean improved = true;
            while (improved && evaluations < budget && !late()) {
                improved = false;
                for (int i = byWork.length - 1; i >= 0 && !improved && evaluations < budget; i--) {
                    int x = byWork[i];
                    int host = -1;
                    int replicas = 0;
                    for (int w = 0; w < nw; w++) {
                        if (placed[w][x]) {
                            host = w;
                            replicas++;
                        }
                    }
                    if (replicas != 1 || pinned[host][x]) {
                        continue;
                    }
                    for (int y = 0; y < nw && !improved && evaluations < budget && !late(); y++) {
                        if (y == host || !allowed[y][x] || mem(x) > free(placed, y) + 1e-9) {
                            continue;
                        }
                        boolean[][] candidate = copy(placed);
                        candidate[host][x] = false;
                        candidate[y][x] = true;
                        improve(candidate);
                        double[] v = evaluate(candidate, null);
                        if (better(v, best)) {
                            best = v;
                            placed = candidate;
                            improved = true;
                        }
                    }
                }
            }
            return placed;
        }

        private double free(boolean[][] placed, int w) {
            double free = memory[w];
            for (int e = 0; e < ne; e++) {
                free -= placed[w][e] ? mem(e) : 0;
            }
            return free;
        }

        private void improve(boolean[][] placed) {
            double[] free = new double[nw];
            for (int w = 0; w < nw; w++) {
                free[w] = free(placed, w);
            }
            replicate(placed, free);
            prune(placed, free);
        }

        /** One replica per expert with jobs, in the given order, earliest finish among workers with room. */
        private boolean[][] pin(Integer[] order) {
            double[] free = memory.clone();
            boolean[][] placed = pinnedOnly(free);
            double[] busy = new double[nw];
            for (int w = 0; w < nw; w++) {
                for (int e = 0; e < ne; e++) {
                    busy[w] += placed[w][e] ? load(w, e) : 0;
                }
            }
            for (int e = 0; e < ne; e++) {
                for (int w = 0; w < nw; w++) {
                    if (placed[w][e]) {
                        busy[w] += work[e]; // on its first pinned replica; the improve step spreads it
                        break;
                    }
                }
            }
            for (int e : order) {
                if (!hasJobs[e] || hasReplica(placed, e)) {
                    continue;
                }
                int best = -1;
                double bestFinish = Double.POSITIVE_INFINITY;
                for (int w = 0; w < nw; w++) {
                    if (allowed[w][e] && mem(e) <= free[w] + 1e-9) {
                        double finish = (busy[w] + work[e] + load(w, e)) / speed[w];
                        if (finish < bestFinish - 1e-12 || (finish <= bestFinish + 1e-12 && best >= 0 && free[w] > free[best])) {
                            bestFinish = finish;
                            best = w;
                        }
                    }
                }
                if (best < 0) {
                    return null;
                }
                placed[best][e] = true;
                free[best] -= mem(e);
                busy[best] += work[e] + load(best, e);
            }
            return placed;
        }

        /**
         * Local search on the fluid model around the bottleneck worker b, taking the best
         * improving move each round: add a replica of one of b's experts elsewhere (if the target
         * lacks memory, one of its experts makes room: a redundant replica is dropped or a single
         * one moves to a third worker), move one of b's experts elsewhere, swap one of b's experts
         * with another worker's, or drop a redundant replica from b.
         */
        private void replicate(boolean[][] placed, double[] free) {
            double[] time = new double[nw];
            double[] current = evaluate(placed, time);
            Search search = new Search(placed, free, current);
            for (int round = 0; round < 4 * nw * ne && !late(); round++) {
                int b = 0;
                for (int w = 1; w < nw; w++) {
                    if (time[w] > time[b]) {
                        b = w;
                    }
                }
                search.reset(current);
                for (int e = 0; e < ne; e++) {
                    if (!placed[b][e]) {
                        continue;
                    }
                    search.consider(b, e, false);
                    for (int w = 0; w < nw && !late(); w++) {
                        if (w == b || placed[w][e]) {
                            continue;
                        }
                        search.consider(w, e, true);
                        search.consider(b, e, false, w, e, true);
                        for (int x = 0; x < ne; x++) {
                            if (x == e || !placed[w][x]) {
                                continue;
                            }
                            search.consider(w, e, true, w, x, false);
                            if (!placed[b][x]) {
                                search.consider(b, e, false, w, e, true, w, x, false, b, x, true);
                            }
                            if (mem(e) > free[w] + 1e-9) {
                                for (int y = 0; y < nw; y++) {
                                    if (y != w && !placed[y][x]) {
                                        search.consider(w, e, true, w, x, false, y, x, true);
                                    }
                                }
                            }
                        }
                    }
                }
                if (!search.applyBest()) {
                    return;
                }
                current = evaluate(placed, time);
            }
        }

        /** Evaluates candidate moves (lists of replica toggles) and applies the best one. */
        private final class Search {
            private final boolean[][] placed;
            private final double[] free;
            private double[] best;
            private int[] bestMove;

            Search(boolean[][] placed, double[] free, double[] current) {
                this.placed = placed;
                this.free = free;
                reset(current);
            }

            void reset(double[] current) {
                best = current;
                bestMove = null;
            }

            /** A move as (worker, expert, on) triples; invalid moves (memory, last replica) are skipped. */
            void consider(Object... toggles) {
                int n = toggles.length / 3;
                int[] move = new int[n * 3];
                for (int i = 0; i < n; i++) {
                    move[3 * i] = (Integer) toggles[3 * i];
                    move[3 * i + 1] = (Integer) toggles[3 * i + 1];
                    move[3 * i + 2] = (Boolean) toggles[3 * i + 2] ? 1 : 0;
                }
                if (!apply(move)) {
                    return;
                }
                double[] v = evaluate(placed, null);
                undo(move);
                if (better(v, best)) {
                    best = v;
                    bestMove = move;
                }
            }

            boolean applyBest() {
                if (bestMove == null) {
                    return false;
                }
                apply(bestMove);
                return true;
            }

            private boolean apply(int[] move) {
                for (int i = 0; i < move.length; i += 3) {
                    int w = move[i];
                    int e = move[i + 1];
                    boolean on = move[i + 2] == 1;
                    if (placed[w][e] == on) {
                        undo(Arrays.copyOf(move, i));
                        return false;
                    }
                    placed[w][e] = on;
                    free[w] += on ? -mem(e) : mem(e);
                }
                boolean ok = true;
                for (int i = 0; i < move.length && ok; i += 3) {
                    int w = move[i];
                    int e = move[i + 1];
                    ok = free[w] >= -1e-9 && (move[i + 2] == 0 ? !pinned[w][e] : allowed[w][e]);
                    if (ok && hasJobs[e]) {
                        boolean any = false;
                        for (int v = 0; v < nw && !any; v++) {
                            any = placed[v][e];
                        }
                        ok = any;
                    }
                }
                if (!ok) {
                    undo(move);
                }
                return ok;
            }

            private void undo(int[] move) {
                for (int i = move.length - 3; i >= 0; i -= 3) {
                    int w = move[i];
                    int e = move[i + 1];
                    boolean on = move[i + 2] == 1;
                    placed[w][e] = !on;
                    free[w] += on ? mem(e) : -mem(e);
                }
            }
        }

        /** Removes replicas (never an expert's last) whose removal does not worsen the fluid makespan. */
        private void prune(boolean[][] placed, double[] free) {
            double[] current = evaluate(placed, null);
            boolean changed = true;
            while (changed && !late()) {
                changed = false;
                for (int e = 0; e < ne; e++) {
                    int count = 0;
                    for (int w = 0; w < nw; w++) {
                        count += placed[w][e] ? 1 : 0;
                    }
                    for (int w = 0; w < nw && count > 1; w++) {
                        if (!placed[w][e] || pinned[w][e]) {
                            continue;
                        }
                        placed[w][e] = false;
                        double[] v = evaluate(placed, null);
                        if (v[0] <= current[0] * (1 + REL_EPS) && better(v, current)) {
                            current = v;
                            free[w] += mem(e);
                            count--;
                            changed = true;
                        } else {
                            placed[w][e] = true;
                        }
                    }
                }
            }
        }

        /** Lexicographic: lower makespan, then (on a tie) a lower sum of squared worker times. */
        private static boolean better(double[] a, double[] b) {
            if (a[0] < b[0] * (1 - REL_EPS)) {
                return true;
            }
            return a[0] <= b[0] * (1 + REL_EPS) && a[1] < b[1] * (1 - REL_EPS);
        }

        /**
         * Fluid makespan of a placement: {makespan, sum of squared worker times}. Fills
         * {@code timeOut} with per-worker times when given.
         */
        double[] evaluate(boolean[][] placed, double[] timeOut) {
            return evaluate(placed, timeOut, null);
        }

        /** The fluid split of each expert's work over workers ({@code [worker][expert]}, speed-1 seconds) for a placement. */
        double[][] shares(boolean[][] placed) {
            double[][] shares = new double[nw][ne];
            evaluate(placed, null, shares);
            return shares;
        }

        private double[] evaluate(boolean[][] placed, double[] timeOut, double[][] shares) {
            evaluations++;
            double[] time = timeOut != null ? timeOut : new double[nw];
            Arrays.fill(time, 0);
            int[] hosts = new int[nw];
            double floor = 0;
            for (int w = 0; w < nw; w++) {
                for (int e = 0; e < ne; e++) {
                    if (placed[w][e]) {
                        time[w] += load(w, e) / speed[w];
                    }
                }
            }
            // Pinned experts first: their work has nowhere else to go.
            for (int e = 0; e < ne; e++) {
                int count = 0;
                int host = -1;
                double fastest = 0;
                for (int w = 0; w < nw; w++) {
                    if (placed[w][e]) {
                        count++;
                        host = w;
                        fastest = Math.max(fastest, speed[w]);
                    }
                }
                if (count > 0) {
                    floor = Math.max(floor, maxFloor[e] / fastest);
                }
                if (count == 1) {
                    time[host] += work[e] / speed[host];
                    if (shares != null) {
                        shares[host][e] = work[e];
                    }
                }
            }
            for (int e : byWork) {
                int k = 0;
                for (int w = 0; w < nw; w++) {
                    if (placed[w][e]) {
                        hosts[k++] = w;
                    }
                }
                if (k > 1) {
                    waterFill(time, hosts, k, work[e], shares, e);
                }
            }
            double makespan = floor;
            double squares = 0;
            for (int w = 0; w < nw; w++) {
                makespan = Math.max(makespan, time[w]);
                squares += time[w] * time[w];
            }
            return new double[] {makespan, squares};
        }

        /** Pours {@code amount} of work over the hosts, raising the least-loaded first to a common level. */
        private void waterFill(double[] time, int[] hosts, int k, double amount, double[][] shares, int e) {
            // insertion sort of the k hosts by current time
            for (int i = 1; i < k; i++) {
                int h = hosts[i];
                int j = i - 1;
                while (j >= 0 && time[hosts[j]] > time[h]) {
                    hosts[j + 1] = hosts[j];
                    j--;
                }
                hosts[j + 1] = h;
            }
            double sumSpeed = 0;
            double sumTimeSpeed = 0;
            for (int i = 0; i < k; i++) {
                sumSpeed += speed[hosts[i]];
                sumTimeSpeed += time[hosts[i]] * speed[hosts[i]];
                double level = (amount + sumTimeSpeed) / sumSpeed;
                if (i == k - 1 || level <= time[hosts[i + 1]]) {
                    for (int m = 0; m <= i; m++) {
                        if (shares != null) {
                            shares[hosts[m]][e] = (level - time[hosts[m]]) * speed[hosts[m]];
                        }
                        time[hosts[m]] = level;
                    }
                    return;
                }
            }
        }
    }

}
