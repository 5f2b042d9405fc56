package dev.mosaic.scheduler.sim;

import dev.mosaic.scheduler.execution.StageExecutor;
import dev.mosaic.scheduler.execution.StageResult;
import dev.mosaic.scheduler.execution.Timeline;

import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Discrete-event execution of one stage of a {@link Plan} on its workers, with the planner's cost
 * model.
 *
 * <h2>Concurrency model (continuous batching)</h2>
 * A job {@code j} on a worker of speed {@code v} has work {@code c = cost/v} and a latency floor
 * {@code d = max(floor, cost)/v} (see {@link Expert}; a sequence's step latency is never below the
 * batched per-token cost, so {@code d >= c}). A worker first loads its replicas one after the
 * other ({@code loadSeconds/v} each; none for a replica that {@code placement.loaded} says is
 * already there), then serves its queue: a running job may progress at most
 * at rate {@code c/d} (it then finishes in exactly {@code d}: the latency floor), and the running
 * jobs of a replica together at most at rate 1 (the throughput bound). A worker serves one replica
 * at a time, as the executor does: it admits the current replica's queued jobs while the sum
 * {@code S} of their maximal rates is below 1 (when {@code S} exceeds 1 each is slowed by
 * {@code 1/S}, so the replica does one second of work per second), and moves to the replica with
 * the longest queued job when the current one's queue is empty, while the last jobs of the
 * previous one still run. Replicas running at once take turns a step each, and a step costs a
 * replica its step latency {@code tau} (the expert's per-token latency) however few sequences it
 * holds, since batching shares weight reads within one model only: replica {@code k}'s jobs run at
 * {@code tau_k / sum(tau_i * max(1, S_i))}. Hence a worker's busy time is at least the sum of its
 * work, no job finishes before its floor, and the two terms of the planner's makespan are what the
 * simulation reproduces, up to the tail of the last batch and the steps a replica's last jobs
 * take beside the next replica's batch. Jobs are admitted by release time, then longest
 * profiled floor first, so long jobs do not end up alone in the tail. One difference from
 * {@link PlanEvaluator}: a job's floor counts from when its worker has loaded its replicas, not
 * from 0, so a plan whose makespan is a single job's floor simulates longer by the load time; on
 * real instances (many jobs per worker) the simulated makespan is within 1% of the evaluator's
 * (1-2% with many replicas per worker; tested).
 *
 * <h2>Work stealing</h2>
 * Optionally, a worker with free batch capacity and nothing released in its own queue takes a
 * queued job of an expert it also holds from the worker with the largest queued backlog, if that
 * backlog is longer than the job's floor on the thief (otherwise stealing would not help).
 *
 * <p>A {@code Simulator} is prepared once per (problem, plan) and can then run any number of
 * times under different conditions (noise, start times, stealing). It is not thread-safe.
 */
public final class Simulator {

    /**
     * The conditions of one run. Arrays are indexed like {@link Problem#jobs()} or
     * {@link Problem#workers()}; a null array means "as profiled" (lengths) or "at 0" (times).
     *
     * <p>Immutable by convention: the arrays are shared, not copied; do not change them while a simulation uses them.
     *
     * @param workerStartSeconds when each worker becomes free for this stage (before its loads)
     * @param jobReleaseSeconds earliest start of each job (e.g. when its inputs exist)
     * @param actualOutTokens each job's actual output length
     * @param actualPromptTokens each job's actual prompt length
     */
    public record Conditions(Timeline.Stage stage, double[] workerStartSeconds, double[] jobReleaseSeconds,
                             double[] actualOutTokens, double[] actualPromptTokens, boolean workStealing) {

        /** Everything as profiled, all workers free at 0, no stealing. */
        public static Conditions asProfiled(Timeline.Stage stage) {
            return new Conditions(stage, null, null, null, null, false);
        }

        public Conditions withActualOutTokens(double[] out) {
            return new Conditions(stage, workerStartSeconds, jobReleaseSeconds, out, actualPromptTokens, workStealing);
        }

        public Conditions withWorkStealing(boolean on) {
            return new Conditions(stage, workerStartSeconds, jobReleaseSeconds, actualOutTokens, actualPromptTokens, on);
        }
    }

    private static final double EPS = 1e-9;

    private final Problem problem;
    private final JobTable jobs;
    private final int[] plannedWorker;
    private final int[][] held;          // experts held by each worker, in placement order
    private final int[][] heldSlot;      // heldSlot[w][e] = index into held[w], or -1
    private final int[][][] plannedQueues; // per worker, per held slot: jobs assigned there
    private final double[] speed;
    /** Load time per (worker, expert) at speed 1: 0 where {@code placement.loaded} says the replica is resident. */
    private final double[][] loadSeconds;

    private Simulator(Problem problem, Plan plan) {
        this.problem = problem;
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(problem, plan).requireValid();
        this.jobs = problem.jobs();
        this.plannedWorker = ev.jobWorker();
        int nw = problem.workers().size();
        int ne = problem.experts().size();
        Map<String, Integer> eIdx = problem.expertIndex();
        speed = new double[nw];
        loadSeconds = problem.loadSecondsTable();
        held = new int[nw][];
        heldSlot = new int[nw][ne];
        plannedQueues = new int[nw][][];
        for (int w = 0; w < nw; w++) {
            speed[w] = problem.workers().get(w).speed();
            if (!(speed[w] > 0) || Double.isInfinite(speed[w])) {
                throw new IllegalArgumentException("workers[" + w + "].speed must be > 0, got " + speed[w]);
            }
            List<String> ids = plan.placement().getOrDefault(problem.workers().get(w).id(), List.of());
            held[w] = new int[ids.size()];
            Arrays.fill(heldSlot[w], -1);
            for (int k = 0; k < ids.size(); k++) {
                held[w][k] = eIdx.get(ids.get(k));
                heldSlot[w][held[w][k]] = k;
            }
        }
        int[][] counts = new int[nw][];
        for (int w = 0; w < nw; w++) {
            counts[w] = new int[held[w].length];
        }
        for (int j = 0; j < jobs.size(); j++) {
            counts[plannedWorker[j]][heldSlot[plannedWorker[j]][jobs.expert()[j]]]++;
        }
        for (int w = 0; w < nw; w++) {
            plannedQueues[w] = new int[held[w].length][];
            for (int k = 0; k < held[w].length; k++) {
                plannedQueues[w][k] = new int[counts[w][k]];
                counts[w][k] = 0;
            }
        }
        // Queues hold their jobs longest profiled floor first (ties: job order), the admission
        // order when all jobs are released together; runs with release times re-sort stably.
        Integer[] byFloor = new Integer[jobs.size()];
        for (int j = 0; j < byFloor.length; j++) {
            byFloor[j] = j;
        }
        double[] floor = jobs.floor();
        Arrays.sort(byFloor, (a, b) -> floor[a] != floor[b] ? Double.compare(floor[b], floor[a]) : Integer.compare(a, b));
        for (int j : byFloor) {
            int w = plannedWorker[j];
            int k = heldSlot[w][jobs.expert()[j]];
            plannedQueues[w][k][counts[w][k]++] = j;
        }
    }

    /** Validates {@code plan} against {@code problem} and prepares it for simulation. */
    public static Simulator of(Problem problem, Plan plan) {
        return new Simulator(problem, plan);
    }

    public Problem problem() {
        return problem;
    }

    /** The problem's job table (the indexing of every per-job array). */
    public JobTable jobs() {
        return jobs;
    }

    /** Runs the stage under {@code c}. */
    public StageResult run(Conditions c) {
        return new Run(c).execute();
    }

    /**
     * This simulator as a {@link StageExecutor} under {@code c}: it runs the whole stage, then
     * reports the jobs to the listener in order of their simulated end.
     */
    public StageExecutor executor(Conditions c) {
        return listener -> {
            StageResult r = run(c);
            Integer[] order = new Integer[r.jobEndSeconds().length];
            for (int j = 0; j < order.length; j++) {
                order[j] = j;
            }
            Arrays.sort(order, (a, b) -> Double.compare(r.jobEndSeconds()[a], r.jobEndSeconds()[b]));
            for (int j : order) {
                listener.jobFinished(j, r.jobWorker()[j], r.jobEndSeconds()[j]);
            }
            return r;
        };
    }

    /** Mutable state of one run. */
    private final class Run {
        final Conditions c;
        final int nw = speed.length;
        final int n = jobs.size();
        final double[] baseCost = new double[n];
        final double[] baseDur = new double[n];
        final double[] release = new double[n];
        final double[] priorityFloor;
        final double[] workerStart = new double[nw];
        final double[] serveFrom = new double[nw];
        final int[][][] queue = new int[nw][][];
        final int[][] head = new int[nw][];
        final int[][] tail = new int[nw][];
        final double[] queuedWork = new double[nw];
        // Per worker, per held slot (replica): its jobs' virtual clock, the rate it runs at now,
        // and its running jobs.
        final double[][] virt = new double[nw][];
        final double[][] rate = new double[nw][];
        final Heap[][] running = new Heap[nw][];
        /** Per worker, per held slot: the replica's step time per unit of its own batch load (see {@link #rates}). */
        final double[][] stepTime = new double[nw][];
        final double[] lastT = new double[nw];
        final int[] current = new int[nw];
        final double[] next = new double[nw];
        final int[] jobWorker = new int[n];
        final double[] start = new double[n];
        final double[] end = new double[n];
        final double[] workerEnd = new double[nw];
        int stolen;
        long events;

        Run(Conditions c) {
            this.c = c;
            priorityFloor = jobs.floor();
            checkLength(c.workerStartSeconds(), nw, "workerStartSeconds");
            checkLength(c.jobReleaseSeconds(), n, "jobReleaseSeconds");
            checkLength(c.actualOutTokens(), n, "actualOutTokens");
            checkLength(c.actualPromptTokens(), n, "actualPromptTokens");
            List<Prompt> prompts = problem.prompts();
            List<Expert> experts = problem.experts();
            for (int j = 0; j < n; j++) {
                Expert ex = experts.get(jobs.expert()[j]);
                double pt = c.actualPromptTokens() != null ? c.actualPromptTokens()[j] : prompts.get(jobs.prompt()[j]).promptTokens();
                double out = c.actualOutTokens() != null ? c.actualOutTokens()[j] : jobs.outTokens()[j];
                requireFinite(pt, "actualPromptTokens", j);
                requireFinite(out, "actualOutTokens", j);
                baseCost[j] = ex.jobCost(pt, out);
                baseDur[j] = Math.max(ex.jobFloor(pt, out), baseCost[j]);
                release[j] = c.jobReleaseSeconds() != null ? c.jobReleaseSeconds()[j] : 0.0;
                requireFinite(release[j], "jobReleaseSeconds", j);
            }
            for (int w = 0; w < nw; w++) {
                workerStart[w] = c.workerStartSeconds() != null ? c.workerStartSeconds()[w] : 0.0;
                requireFinite(workerStart[w], "workerStartSeconds", w);
                double load = 0;
                for (int e : held[w]) {
                    load += loadSeconds[w][e] / speed[w];
                }
                serveFrom[w] = workerStart[w] + load;
                int slots = held[w].length;
                virt[w] = new double[slots];
                rate[w] = new double[slots];
                running[w] = new Heap[slots];
                stepTime[w] = new double[slots];
                for (int k = 0; k < slots; k++) {
                    running[w][k] = new Heap(16);
                    rate[w][k] = 1.0;
                    Expert ex = experts.get(held[w][k]);
                    stepTime[w][k] = Math.max(ex.decodeLatencySecondsPerToken(), ex.decodeSecondsPerToken());
                }
                lastT[w] = serveFrom[w];
                workerEnd[w] = held[w].length > 0 ? serveFrom[w] : workerStart[w];
                queue[w] = new int[held[w].length][];
                head[w] = new int[held[w].length];
                tail[w] = new int[held[w].length];
                for (int k = 0; k < held[w].length; k++) {
                    int[] q = plannedQueues[w][k].clone();
                    sortByRelease(q);
                    queue[w][k] = q;
                    tail[w][k] = q.length;
                    for (int j : q) {
                        queuedWork[w] += jobs.cost()[j] / speed[w];
                    }
                }
                next[w] = serveFrom[w];
            }
            requireFiniteHorizon();
        }

        /**
         * Every time the run can reach stays finite: all loads, work and latency floors on the
         * slowest worker after the latest start or release. (Validated problems are far inside
         * this, see ProblemLimits; an overflow here would turn into NaN event times, which never
         * come due and leave jobs without an end.)
         */
        void requireFiniteHorizon() {
            double slowest = Double.POSITIVE_INFINITY;
            double latest = 0;
            double loads = 0;
            for (int w = 0; w < nw; w++) {
                slowest = Math.min(slowest, speed[w]);
                latest = Math.max(latest, workerStart[w]);
                loads = Math.max(loads, serveFrom[w] - workerStart[w]);
            }
            double work = 0;
            for (int j = 0; j < n; j++) {
                work += baseDur[j] + baseCost[j];
                latest = Math.max(latest, release[j]);
            }
            double horizon = latest + loads + work / slowest;
            if (!Double.isFinite(horizon)) {
                throw new IllegalArgumentException("simulation times overflow (loads " + loads + " s, work " + work
                        + " s at speed 1, slowest speed " + slowest + "): the problem's values are beyond the format's limits");
            }
        }

        StageResult execute() {
            while (true) {
                int w = -1;
                double t = Double.POSITIVE_INFINITY;
                for (int i = 0; i < nw; i++) {
                    if (next[i] < t) {
                        t = next[i];
                        w = i;
                    }
                }
                if (w < 0) {
                    break;
                }
                step(w, t);
            }
            for (int w = 0; w < nw; w++) {
                for (int k = 0; k < held[w].length; k++) {
                    if (head[w][k] < tail[w][k]) {
                        throw new IllegalStateException("simulation ended with queued jobs on worker " + problem.workers().get(w).id());
                    }
                }
            }
            return new StageResult(timeline(), jobWorker, start, end, workerEnd, stolen, events);
        }

        void step(int w, double t) {
            events++;
            int slots = held[w].length;
            for (int k = 0; k < slots; k++) {
                Heap h = running[w][k];
                virt[w][k] += (t - lastT[w]) * rate[w][k];
                // Jobs whose remaining work ends within the resolution of the clock finish now: at large
                // absolute times (a 1e8 s load) one ulp of t exceeds EPS of virtual time, and a job
                // left with less than that could never be reached (the clock would not advance).
                double tol = Math.max(EPS * Math.max(1.0, Math.abs(virt[w][k])), 4 * Math.ulp(t) * rate[w][k]);
                while (h.size() > 0 && h.minKey() <= virt[w][k] + tol) {
                    int j = h.pop();
                    end[j] = t;
                    workerEnd[w] = Math.max(workerEnd[w], t);
                    events++;
                }
                if (h.size() == 0) {
                    h.sumRate = 0.0;
                }
            }
            lastT[w] = t;
            // The worker serves one replica at a time (the executor's rule): its current one while
            // that has released jobs, filled until its own batch is saturated; when its queue runs
            // dry the next replica starts beside the current one's last jobs.
            while (true) {
                int k = pickSlot(w, t);
                int j;
                if (k >= 0) {
                    if (running[w][k].sumRate >= 1.0 - EPS) {
                        break;
                    }
                    j = takeFrom(w, k);
                    current[w] = k;
                } else if (c.workStealing()) {
                    j = steal(w, t);
                    if (j < 0) {
                        break;
                    }
                    k = heldSlot[w][jobs.expert()[j]];
                } else {
                    break;
                }
                events++;
                jobWorker[j] = w;
                start[j] = t;
                double dur = baseDur[j] / speed[w];
                if (dur <= 0) {
                    end[j] = t;
                    workerEnd[w] = Math.max(workerEnd[w], t);
                    continue;
                }
                running[w][k].push(virt[w][k] + dur, j, baseCost[j] / baseDur[j]);
            }
            rates(w);
            next[w] = nextEvent(w, t);
        }

        /**
         * The rate each replica of worker w runs at. Replicas take turns on the worker a step
         * each, and a step costs a replica its step latency however few sequences it holds
         * (batching shares weight reads only within one model): replica k's step takes
         * {@code T_k = tau_k * max(1, S_k)}, where {@code S_k} is the sum of its running jobs'
         * rates (its batch load) and {@code tau_k} its per-token step latency, so each of its
         * jobs progresses at {@code tau_k / sum(T)}. One replica alone runs at {@code 1/max(1, S)}:
         * the worker's throughput bound shared by its batch, as before; a replica with one last
         * sequence beside another's full batch takes its full step time from it.
         */
        void rates(int w) {
            double sum = 0;
            int active = 0;
            for (int k = 0; k < held[w].length; k++) {
                if (running[w][k].size() > 0) {
                    sum += stepTime[w][k] * Math.max(1.0, running[w][k].sumRate);
                    active++;
                }
            }
            for (int k = 0; k < held[w].length; k++) {
                Heap h = running[w][k];
                if (h.size() == 0) {
                    rate[w][k] = 1.0;
                } else if (active == 1 || !(sum > 0) || !Double.isFinite(sum)) {
                    // alone, or no step latencies to weigh by: equal turns
                    rate[w][k] = 1.0 / (active * Math.max(1.0, h.sumRate));
                } else {
                    rate[w][k] = stepTime[w][k] / sum;
                }
            }
        }

        double nextEvent(int w, double t) {
            double best = Double.POSITIVE_INFINITY;
            for (int k = 0; k < held[w].length; k++) {
                Heap h = running[w][k];
                if (h.size() > 0) {
                    double at = t + Math.max(0.0, h.minKey() - virt[w][k]) / rate[w][k];
                    best = Math.min(best, at <= t ? Math.nextUp(t) : at); // always advance the clock while jobs run
                }
            }
            // Released jobs were admitted or wait for a replica's batch to drain (a finish, above):
            // only later releases can start something.
            for (int k = 0; k < held[w].length; k++) {
                if (head[w][k] < tail[w][k]) {
                    double r = release[queue[w][k][head[w][k]]];
                    if (r > t + EPS) {
                        best = Math.min(best, r);
                    }
                }
            }
            if (c.workStealing() && best == Double.POSITIVE_INFINITY) {
                best = nextStealableRelease(w, t);
            }
            // Never schedule into the past; a worker that is still loading wakes when it is ready.
            return best == Double.POSITIVE_INFINITY ? best : Math.max(best, Math.max(t, serveFrom[w]));
        }

        /** The slot w serves next: the current one while it has a released job, else the one whose released head comes first; -1 if none. */
        int pickSlot(int w, double t) {
            int cur = current[w];
            if (cur < held[w].length && head[w][cur] < tail[w][cur] && release[queue[w][cur][head[w][cur]]] <= t + EPS) {
                return cur;
            }
            int bestK = -1;
            int bestJ = -1;
            for (int k = 0; k < held[w].length; k++) {
                if (head[w][k] < tail[w][k]) {
                    int j = queue[w][k][head[w][k]];
                    if (release[j] <= t + EPS && (bestJ < 0 || before(j, bestJ))) {
                        bestJ = j;
                        bestK = k;
                    }
                }
            }
            return bestK;
        }

        int takeFrom(int w, int k) {
            int j = queue[w][k][head[w][k]++];
            queuedWork[w] -= jobs.cost()[j] / speed[w];
            return j;
        }

        int steal(int thief, double t) {
            int victim = -1;
            int victimSlot = -1;
            double victimBacklog = 0;
            for (int e : held[thief]) {
                if (running[thief][heldSlot[thief][e]].sumRate >= 1.0 - EPS) {
                    continue; // the thief's replica of e has a full batch already
                }
                for (int v = 0; v < nw; v++) {
                    if (v == thief) {
                        continue;
                    }
                    int k = heldSlot[v][e];
                    if (k < 0 || head[v][k] >= tail[v][k]) {
                        continue;
                    }
                    double backlog = queuedWork[v];
                    if (backlog > victimBacklog && stealable(v, k, t) >= 0) {
                        victimBacklog = backlog;
                        victim = v;
                        victimSlot = k;
                    }
                }
            }
            if (victim < 0) {
                return -1;
            }
            int pos = stealable(victim, victimSlot, t);
            int[] q = queue[victim][victimSlot];
            int j = q[pos];
            if (!(victimBacklog > baseDur[j] / speed[thief])) {
                return -1;
            }
            if (pos == tail[victim][victimSlot] - 1) {
                tail[victim][victimSlot]--;
            } else {
                head[victim][victimSlot]++;
            }
            queuedWork[victim] -= jobs.cost()[j] / speed[victim];
            stolen++;
            return j;
        }

        /** Position of the job a thief may take from (v, k): the tail if released, else the head, else -1. */
        int stealable(int v, int k, double t) {
            int[] q = queue[v][k];
            if (release[q[tail[v][k] - 1]] <= t + EPS) {
                return tail[v][k] - 1;
            }
            if (release[q[head[v][k]]] <= t + EPS) {
                return head[v][k];
            }
            return -1;
        }

        double nextStealableRelease(int w, double t) {
            double best = Double.POSITIVE_INFINITY;
            for (int e : held[w]) {
                for (int v = 0; v < nw; v++) {
                    int k = heldSlot[v][e];
                    if (v != w && k >= 0 && head[v][k] < tail[v][k]) {
                        double r = release[queue[v][k][head[v][k]]];
                        if (r > t + EPS) {
                            best = Math.min(best, r);
                        }
                    }
                }
            }
            return best;
        }

        boolean before(int a, int b) {
            if (release[a] != release[b]) {
                return release[a] < release[b];
            }
            if (priorityFloor[a] != priorityFloor[b]) {
                return priorityFloor[a] > priorityFloor[b];
            }
            return a < b;
        }

        /** Stable sort by release time (a no-op when all are equal), keeping longest-floor-first within a release. */
        void sortByRelease(int[] q) {
            boolean uniform = true;
            for (int i = 1; i < q.length && uniform; i++) {
                uniform = release[q[i]] == release[q[0]];
            }
            if (uniform) {
                return;
            }
            Integer[] boxed = new Integer[q.length];
            for (int i = 0; i < q.length; i++) {
                boxed[i] = q[i];
            }
            Arrays.sort(boxed, (a, b) -> Double.compare(release[a], release[b]));
            for (int i = 0; i < q.length; i++) {
                q[i] = boxed[i];
            }
        }

        Timeline timeline() {
            List<String> workerIds = new ArrayList<>(nw);
            problem.workers().forEach(wk -> workerIds.add(wk.id()));
            List<Timeline.Span> spans = new ArrayList<>(n + 64);
            for (int w = 0; w < nw; w++) {
                double t = workerStart[w];
                for (int e : held[w]) {
                    Expert ex = problem.experts().get(e);
                    double t1 = t + loadSeconds[w][e] / speed[w];
                    spans.add(new Timeline.Span(workerIds.get(w), c.stage(), Timeline.Kind.LOAD, ex.id(), null, t, t1));
                    t = t1;
                }
            }
            for (int j = 0; j < n; j++) {
                spans.add(new Timeline.Span(workerIds.get(jobWorker[j]), c.stage(), Timeline.Kind.JOB,
                        problem.experts().get(jobs.expert()[j]).id(), problem.prompts().get(jobs.prompt()[j]).id(), start[j], end[j]));
            }
            return new Timeline(workerIds, spans);
        }
    }

    private static void checkLength(double[] a, int expected, String name) {
        if (a != null && a.length != expected) {
            throw new IllegalArgumentException(name + " has " + a.length + " entries, expected " + expected);
        }
    }

    private static void requireFinite(double x, String name, int i) {
        if (!(x >= 0) || Double.isInfinite(x)) {
            throw new IllegalArgumentException(name + "[" + i + "] must be a finite number >= 0, got " + x);
        }
    }

    /** Min-heap of running jobs keyed by virtual finish time; tracks the sum of their rates. */
    private static final class Heap {
        double[] keys;
        int[] vals;
        double[] rates;
        int size;
        double sumRate;

        Heap(int cap) {
            keys = new double[cap];
            vals = new int[cap];
            rates = new double[cap];
        }

        int size() {
            return size;
        }

        double minKey() {
            return keys[0];
        }

        void push(double key, int val, double rate) {
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                vals = Arrays.copyOf(vals, size * 2);
                rates = Arrays.copyOf(rates, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (keys[p] <= key) {
                    break;
                }
                keys[i] = keys[p];
                vals[i] = vals[p];
                rates[i] = rates[p];
                i = p;
            }
            keys[i] = key;
            vals[i] = val;
            rates[i] = rate;
            sumRate += rate;
        }

        int pop() {
            int top = vals[0];
            sumRate -= rates[0];
            size--;
            if (size > 0) {
                double key = keys[size];
                int val = vals[size];
                double rate = rates[size];
                int i = 0;
                while (true) {
                    int l = 2 * i + 1;
                    if (l >= size) {
                        break;
                    }
                    int m = (l + 1 < size && keys[l + 1] < keys[l]) ? l + 1 : l;
                    if (keys[m] >= key) {
                        break;
                    }
                    keys[i] = keys[m];
                    vals[i] = vals[m];
                    rates[i] = rates[m];
                    i = m;
                }
                keys[i] = key;
                vals[i] = val;
                rates[i] = rate;
            }
            return top;
        }
    }
}
