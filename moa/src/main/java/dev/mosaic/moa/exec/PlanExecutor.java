package dev.mosaic.moa.exec;

import dev.mosaic.moa.config.MoaConfig;
import dev.mosaic.moa.worker.ComputeWorker;
import dev.mosaic.moa.worker.ExpertEndpoint;
import dev.mosaic.moa.worker.JobOutput;
import dev.mosaic.moa.worker.JobRequest;
import dev.mosaic.moa.worker.WorkerLostException;
import dev.mosaic.scheduler.execution.StageExecutor;
import dev.mosaic.scheduler.execution.StageResult;
import dev.mosaic.scheduler.execution.Timeline;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one stage of a {@link Plan} on real workers: each worker opens the replicas the plan
 * places on it (timed, as LOAD spans), then serves its planned jobs with continuous batching,
 * longest profiled job first (the simulator's admission order). A worker serves one of its
 * experts at a time, so the engines of one worker do not compete for its threads; it moves on
 * when that expert's queue is empty (the previous expert's last jobs finish meanwhile). With
 * work stealing on, a worker with free slots and nothing queued takes the shortest queued job of
 * an expert it also holds from the worker with the most queued work, when that backlog exceeds
 * the job's own duration (the simulator's rule). Every job's start (submission) and end are
 * measured; the result has the simulator's shape, so reports draw both alike.
 *
 * <p>A worker whose job fails with {@link WorkerLostException} (a remote server that stayed down
 * through its client's retries) is marked lost: its queued jobs and each of its in-flight jobs
 * that fails are re-planned onto the survivors, to the surviving replica of the same expert with
 * the least queued work, or, where no survivor holds one, onto a new replica opened on the
 * least-loaded survivor with memory for it. Jobs that finished stay finished; {@link #lostWorkers()}
 * names each lost worker with the time and the reason.
 *
 * <p>Outputs go to the {@link JobSink} as jobs finish (from engine threads); the sink owns them.
 *
 * <p>Overlapped stages (configure before {@link #execute}): {@link #hold} keeps jobs out of the
 * queues until {@link #release} (with their request, known only then) or {@link #drop};
 * {@link #startAfter} holds a worker back (it opens nothing) until a future completes;
 * {@link #onWorkerDone} hears when a worker has nothing left to run or steal, after its replicas
 * are closed (their memory is free for the next stage); {@link #withOrigin} shares a time origin
 * with another executor so both timelines line up.
 *
 * <p>One executor runs one stage once. {@link #release}, {@link #drop} and the listeners are
 * thread-safe; everything else is called from one thread.
 */
public final class PlanExecutor implements StageExecutor {

    /**
     * Receives each finished job's output (and must close it eventually); called from engine threads, so
     * implementations must be thread-safe.
     */
    @FunctionalInterface
    public interface JobSink {
        void accept(int job, int worker, JobOutput output);
    }

    private final Problem problem;
    private final Timeline.Stage stage;
    private final List<ComputeWorker> workers;
    private final Map<String, MoaConfig.ModelSpec> models;
    private final JobRequest[] requests;
    private final boolean stealing;
    private final JobSink sink;
    private final JobTable jobs;
    private final int[] plannedWorker;
    private final int[][] held;          // expert indices per worker, placement order (grows when a lost worker's expert moves)

    // overlap configuration (set before execute)
    private boolean[] holding;           // jobs waiting for release/drop
    private CompletableFuture<?>[] startGate;
    private java.util.function.IntConsumer workerDone = w -> { };
    private boolean retireEarly;
    private long origin;
    private boolean hasOrigin;

    // run state, guarded by this
    private long t0;
    private ExpertEndpoint[][] endpoint; // [worker][expert]
    private int[][][] queue;             // [worker][slot] -> jobs, longest floor first
    private int[][] head;
    private int[][] tail;
    private double[] queuedWork;
    /**
     * Jobs in flight per [worker][expert]: each replica has its own batch and KV budget, so a
     * replica's free slots are its own (a worker's next expert fills its engine while the last
     * jobs of the previous one finish; counted per worker, the two shared one batch and the
     * next expert's jobs ran one at a time through that tail).
     */
    private int[][] runningOn;
    private int[] current;               // slot each worker serves now
    private boolean[] ready;
    private int[] jobWorker;
    private double[] start;
    private double[] end;
    private double[] workerEnd;
    private final List<Timeline.Span> spans = new ArrayList<>();
    private int stolen;
    private boolean[] done;              // workers with nothing left to run or steal
    private int[] heldOn;                // held jobs planned on each worker
    private final boolean[] dropped;
    private Throwable failure;
    private CountDownLatch remaining;
    private final List<CompletableFuture<JobOutput>> inFlight = new ArrayList<>();
    private boolean[] lost;
    private final List<LostWorker> lostWorkers = new ArrayList<>();
    private final List<Thread> loaders = new ArrayList<>();
    private JobListener listener = JobListener.NONE;
    /** Runs job completions, one thread per execution (set by {@link #execute}). */
    private java.util.concurrent.ExecutorService completions;

    /**
     * A worker declared lost during the stage: its id, seconds since the stage began, and why. Immutable;
     * thread-safe.
     */
    public record LostWorker(String id, double time, String reason) {}

    /**
     * @param problem the stage's problem (its workers in the order of {@code workers})
     * @param plan a valid plan of it
     * @param workers the compute places, aligned with {@code problem.workers()}
     * @param models the model of each expert (or aggregator) id
     * @param requests each job's request, indexed like {@code problem.jobs()}
     */
    public PlanExecutor(Problem problem, Plan plan, Timeline.Stage stage, List<ComputeWorker> workers,
                        Map<String, MoaConfig.ModelSpec> models, List<JobRequest> requests, boolean stealing, JobSink sink) {
        this.problem = problem;
        this.stage = stage;
        this.workers = List.copyOf(workers);
        this.models = Map.copyOf(models);
        this.requests = requests.toArray(new JobRequest[0]);
        this.stealing = stealing;
        this.sink = sink;
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(problem, plan).requireValid();
        this.jobs = problem.jobs();
        if (requests.size() != jobs.size()) {
            throw new IllegalArgumentException(requests.size() + " requests for " + jobs.size() + " jobs");
        }
        this.holding = new boolean[jobs.size()];
        this.dropped = new boolean[jobs.size()];
        if (workers.size() != problem.workers().size()) {
            throw new IllegalArgumentException(workers.size() + " workers for a problem of " + problem.workers().size());
        }
        for (int w = 0; w < workers.size(); w++) {
            if (!workers.get(w).id().equals(problem.workers().get(w).id())) {
                throw new IllegalArgumentException("worker " + w + " is " + workers.get(w).id() + ", the problem says "
                        + problem.workers().get(w).id());
            }
        }
        this.plannedWorker = ev.jobWorker();
        Map<String, Integer> eIdx = problem.expertIndex();
        held = new int[workers.size()][];
        for (int w = 0; w < workers.size(); w++) {
            List<String> ids = plan.placement().getOrDefault(problem.workers().get(w).id(), List.of());
            held[w] = new int[ids.size()];
            for (int k = 0; k < ids.size(); k++) {
                held[w][k] = eIdx.get(ids.get(k));
                if (!models.containsKey(ids.get(k))) {
                    throw new IllegalArgumentException("no model given for " + ids.get(k));
                }
            }
        }
    }

    /** Jobs that wait, out of every queue, until {@link #release} or {@link #drop}; their requests may be null until then. */
    public PlanExecutor hold(int... jobIds) {
        for (int j : jobIds) {
            holding[j] = true;
        }
        return this;
    }

    /** Worker {@code w} opens its replicas and starts only when {@code gates[w]} completes (null: at once). */
    public PlanExecutor startAfter(CompletableFuture<?>[] gates) {
        if (gates.length != workers.size()) {
            throw new IllegalArgumentException(gates.length + " start gates for " + workers.size() + " workers");
        }
        this.startGate = gates.clone();
        return this;
    }

    /**
     * Called (from an engine or loader thread) once per worker when it has nothing left to run:
     * its queues are empty, nothing runs, and nothing held could still come to it. Its replicas are
     * closed before the call. Without a listener no worker retires early: a done worker stays a
     * survivor that can take a lost worker's jobs. Nor with one while any worker of the stage can be
     * lost ({@link ComputeWorker#canBeLost}): a done worker hands its memory to whatever the
     * listener started, so it could not take over a lost worker's jobs; such a stage ends as a whole.
     */
    public PlanExecutor onWorkerDone(java.util.function.IntConsumer listener) {
        this.workerDone = listener;
        this.retireEarly = workers.stream().noneMatch(ComputeWorker::canBeLost);
        return this;
    }

    /** Times are measured from {@code originNanos} ({@link System#nanoTime()}) instead of from {@link #execute}. */
    public PlanExecutor withOrigin(long originNanos) {
        this.origin = originNanos;
        this.hasOrigin = true;
        return this;
    }

    /** A held job may run now, with this request; it joins its planned worker's queue. */
    public void release(int job, JobRequest request) {
        java.util.Objects.requireNonNull(request, "request");
        JobListener l;
        synchronized (this) {
            if (!holding[job]) {
                throw new IllegalStateException("job " + job + " is not held");
            }
            holding[job] = false;
            requests[job] = request;
            if (queue == null) {
                return; // before execute: queued when the queues are built
            }
            int w = plannedWorker[job];
            heldOn[w]--;
            if (lost[w]) {
                replan(job); // its planned worker is gone: a survivor takes it
            } else {
                int k = slot(w, jobs.expert()[job]);
                queue[w][k][tail[w][k]++] = job;
                queuedWork[w] += jobs.cost()[job] / problem.workers().get(w).speed();
            }
            l = listener;
            for (int v = 0; v < workers.size(); v++) {
                if (!done[v]) {
                    dispatch(v, l);
                }
            }
        }
    }

    /** A held job will not run (its prompt needs no aggregation). */
    public void drop(int job) {
        Map<Integer, CompletableFuture<Void>> finishedWorkers = new java.util.LinkedHashMap<>();
        synchronized (this) {
            if (!holding[job]) {
                throw new IllegalStateException("job " + job + " is not held");
            }
            holding[job] = false;
            dropped[job] = true;
            if (remaining == null) {
                return; // before execute: counted there
            }
            heldOn[plannedWorker[job]]--;
            for (int w = 0; w < workers.size(); w++) {
                if (checkDone(w)) {
                    finishedWorkers.put(w, retiring(w));
                }
            }
            remaining.countDown();
        }
        finishedWorkers.forEach(this::retire);
    }


    @Override
    public StageResult execute(JobListener listener) throws InterruptedException {
        int nw = workers.size();
        int ne = problem.experts().size();
        int n = jobs.size();
        synchronized (this) {
            this.listener = listener;
            t0 = hasOrigin ? origin : System.nanoTime();
            done = new boolean[nw];
            heldOn = new int[nw];
            for (int j = 0; j < n; j++) {
                if (holding[j]) {
                    heldOn[plannedWorker[j]]++;
                } else if (requests[j] == null && !dropped[j]) {
                    throw new IllegalArgumentException("job " + j + " has no request and is not held");
                }
            }
            endpoint = new ExpertEndpoint[nw][ne];
            jobWorker = new int[n];
            Arrays.fill(jobWorker, -1);
            start = new double[n];
            end = new double[n];
            workerEnd = new double[nw];
            runningOn = new int[nw][problem.experts().size()];
            current = new int[nw];
            ready = new boolean[nw];
            lost = new boolean[nw];
            this.listener = listener;
            queuedWork = new double[nw];
            remaining = new CountDownLatch(n);
            buildQueues();
            for (int j = 0; j < n; j++) {
                if (dropped[j]) {
                    remaining.countDown();
                }
            }
        }
        completions = java.util.concurrent.Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon(true).name("moa-completions-" + stage).unstarted(r));
        try {
            synchronized (this) {
                for (int w = 0; w < nw; w++) {
                    final int wi = w;
                    Thread t = Thread.ofPlatform().name("moa-load-" + workers.get(w).id()).start(() -> load(wi, listener));
                    loaders.add(t);
                }
            }
            while (!remaining.await(50, TimeUnit.MILLISECONDS)) {
                synchronized (this) {
                    if (failure != null) {
                        break;
                    }
                }
            }
            synchronized (this) {
                if (failure != null) {
                    throw new StageFailedException("stage " + stage + " failed: " + failure.getMessage(), failure);
                }
            }
            return result();
        } catch (InterruptedException e) {
            synchronized (this) {
                for (CompletableFuture<JobOutput> f : inFlight) {
                    f.cancel(true);
                }
            }
            throw e;
        } finally {
            List<Thread> ts;
            synchronized (this) {
                ts = new ArrayList<>(loaders);
            }
            for (Thread t : ts) {
                t.interrupt();
            }
            for (Thread t : ts) {
                t.join();
            }
            List<CompletableFuture<Void>> closing;
            synchronized (this) {
                closing = new ArrayList<>(retiring);
            }
            for (CompletableFuture<Void> f : closing) {
                f.join(); // a done worker's replicas are closed before this stage returns
            }
            closeEndpoints();
            completions.shutdown();
            try {
                if (!completions.awaitTermination(30, TimeUnit.SECONDS)) {
                    completions.shutdownNow();
                }
            } catch (InterruptedException e) {
                completions.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Thrown when a job failed; the other jobs were abandoned. Thread-safe: it adds no state. */
    public static final class StageFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StageFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private void buildQueues() {
        int nw = workers.size();
        queue = new int[nw][][];
        head = new int[nw][];
        tail = new int[nw][];
        Integer[] order = new Integer[jobs.size()];
        for (int j = 0; j < order.length; j++) {
            order[j] = j;
        }
        double[] floor = jobs.floor();
        Arrays.sort(order, (a, b) -> floor[a] != floor[b] ? Double.compare(floor[b], floor[a]) : Integer.compare(a, b));
        int[][] counts = new int[nw][];
        for (int w = 0; w < nw; w++) {
            counts[w] = new int[held[w].length];
        }
        for (int j = 0; j < jobs.size(); j++) {
            counts[plannedWorker[j]][slot(plannedWorker[j], jobs.expert()[j])]++;
        }
        for (int w = 0; w < nw; w++) {
            queue[w] = new int[held[w].length][];
            head[w] = new int[held[w].length];
            tail[w] = new int[held[w].length];
            for (int k = 0; k < held[w].length; k++) {
                queue[w][k] = new int[counts[w][k]];
            }
        }
        for (int j : order) {
            if (holding[j] || dropped[j]) {
                continue; // joins its queue when released
            }
            int w = plannedWorker[j];
            int k = slot(w, jobs.expert()[j]);
            queue[w][k][tail[w][k]++] = j;
            queuedWork[w] += jobs.cost()[j] / problem.workers().get(w).speed();
        }
    }

    private int slot(int w, int expert) {
        for (int k = 0; k < held[w].length; k++) {
            if (held[w][k] == expert) {
                return k;
            }
        }
        return -1;
    }

    private double now() {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Opens worker w's replicas one after the other, then starts serving. */
    private void load(int w, JobListener listener) {
        ComputeWorker worker = workers.get(w);
        try {
            if (startGate != null && startGate[w] != null) {
                try {
                    startGate[w].get();
                } catch (InterruptedException e) {
                    return;
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("the stage before failed", e.getCause());
                }
            }
            for (int e : held[w]) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                String id = problem.experts().get(e).id();
                double s = now();
                ExpertEndpoint ep = worker.open(models.get(id));
                double t = now();
                synchronized (this) {
                    endpoint[w][e] = ep;
                    spans.add(new Timeline.Span(worker.id(), stage, Timeline.Kind.LOAD, id, null, s, t));
                    workerEnd[w] = Math.max(workerEnd[w], t);
                }
            }
            CompletableFuture<Void> finished = null;
            synchronized (this) {
                ready[w] = true;
                dispatch(w, listener);
                // A worker that holds nothing but could steal has nothing to steal from until
                // others are ready; they dispatch for themselves, and this one is woken on completions.
                if (checkDone(w)) {
                    finished = retiring(w);
                }
            }
            if (finished != null) {
                retire(w, finished);
            }
        } catch (WorkerLostException e) {
            synchronized (this) {
                lose(w, e.getMessage());
            }
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                if (failure == null) {
                    failure = new IllegalStateException("worker " + worker.id() + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** Workers declared lost during the stage, in the order they were lost. */
    public synchronized List<LostWorker> lostWorkers() {
        return List.copyOf(lostWorkers);
    }

    /** Marks w lost and moves its queued jobs to survivors; caller holds the lock. */
    private void lose(int w, String reason) {
        if (lost[w]) {
            return;
        }
        lost[w] = true;
        ready[w] = false;
        lostWorkers.add(new LostWorker(workers.get(w).id(), now(), reason));
        workers.get(w).markLost();
        List<Integer> moving = new ArrayList<>();
        for (int k = 0; k < held[w].length; k++) {
            for (int i = head[w][k]; i < tail[w][k]; i++) {
                moving.add(queue[w][k][i]);
            }
            head[w][k] = tail[w][k];
        }
        queuedWork[w] = 0;
        for (int job : moving) {
            replan(job);
        }
    }

    /** Queues a job of a lost worker on a survivor; caller holds the lock. */
    private void replan(int job) {
        int e = jobs.expert()[job];
        int best = -1;
        for (int v = 0; v < workers.size(); v++) {
            if (!lost[v] && !done[v] && slot(v, e) >= 0 && (best < 0 || queuedWork[v] < queuedWork[best])) {
                best = v;
            }
        }
        if (best < 0) {
            best = openOnSurvivor(e);
            if (best < 0) {
                if (failure == null) {
                    String id = problem.experts().get(e).id();
                    failure = new IllegalStateException("no surviving worker holds or has memory for a replica of " + id
                            + " (lost: " + lostWorkers + ")");
                }
                return;
            }
        }
        enqueue(best, slot(best, e), job);
        dispatch(best, listener);
    }

    /** Adds a slot for expert e on the least-loaded survivor with memory for it and opens the replica there; -1 if none fits. */
    private int openOnSurvivor(int e) {
        MoaConfig.ModelSpec model = models.get(problem.experts().get(e).id());
        if (model == null) {
            return -1;
        }
        Integer[] order = new Integer[workers.size()];
        for (int v = 0; v < order.length; v++) {
            order[v] = v;
        }
        Arrays.sort(order, (a, b) -> Double.compare(queuedWork[a], queuedWork[b]));
        boolean[][] allowed = problem.allowed();
        for (int v : order) {
            if (lost[v] || done[v] || !allowed[v][e]) {
                continue; // lost, retired, or a placement constraint keeps e off v (a server that serves a fixed set)
            }
            double used = 0;
            for (int x : held[v]) {
                used += workers.get(v).replicaGiB(models.get(problem.experts().get(x).id()));
            }
            if (used + workers.get(v).replicaGiB(model) > workers.get(v).memoryGiB() + 1e-9) {
                continue;
            }
            int k = held[v].length;
            held[v] = Arrays.copyOf(held[v], k + 1);
            held[v][k] = e;
            queue[v] = Arrays.copyOf(queue[v], k + 1);
            queue[v][k] = new int[0];
            head[v] = Arrays.copyOf(head[v], k + 1);
            tail[v] = Arrays.copyOf(tail[v], k + 1);
            final int wv = v;
            boolean wasReady = ready[v];
            ready[v] = false; // serve again once the new replica is open (one load at a time per worker)
            Thread t = Thread.ofPlatform().name("moa-reload-" + workers.get(v).id()).start(() -> reload(wv, e, wasReady));
            loaders.add(t);
            return v;
        }
        return -1;
    }

    /** Opens expert e's new replica on survivor w (after its own loads), then lets w serve again. */
    private void reload(int w, int e, boolean wasReady) {
        ComputeWorker worker = workers.get(w);
        String id = problem.experts().get(e).id();
        try {
            double s = now();
            ExpertEndpoint ep = worker.open(models.get(id));
            double t = now();
            synchronized (this) {
                endpoint[w][e] = ep;
                spans.add(new Timeline.Span(worker.id(), stage, Timeline.Kind.LOAD, id, null, s, t));
                workerEnd[w] = Math.max(workerEnd[w], t);
                // A worker still in its first loads becomes ready when those finish.
                ready[w] = wasReady || ready[w];
                if (ready[w]) {
                    dispatch(w, listener);
                }
            }
        } catch (WorkerLostException x) {
            synchronized (this) {
                lose(w, x.getMessage());
            }
        } catch (RuntimeException | Error x) {
            synchronized (this) {
                if (failure == null) {
                    failure = new IllegalStateException("worker " + worker.id() + ": cannot open a replica of " + id
                            + " for a lost worker's jobs: " + x.getMessage(), x);
                }
            }
        }
    }

    /** Puts job into w's slot k, keeping the slot's queue longest floor first; caller holds the lock. */
    private void enqueue(int w, int k, int job) {
        int n = tail[w][k] - head[w][k];
        int[] q = new int[n + 1];
        System.arraycopy(queue[w][k], head[w][k], q, 0, n);
        q[n] = job;
        double[] floor = jobs.floor();
        for (int i = n; i > 0 && floor[q[i]] > floor[q[i - 1]]; i--) {
            int x = q[i];
            q[i] = q[i - 1];
            q[i - 1] = x;
        }
        queue[w][k] = q;
        head[w][k] = 0;
        tail[w][k] = n + 1;
        queuedWork[w] += jobs.cost()[job] / problem.workers().get(w).speed();
    }

    /** Fills worker w's free slots; caller holds the lock. */
    private void dispatch(int w, JobListener listener) {
        if (!ready[w] || done[w] || lost[w] || failure != null) {
            return;
        }
        while (true) {
            int k = pickLocal(w);
            int job;
            int from = w;
            if (k >= 0) {
                ExpertEndpoint ep = endpoint[w][held[w][k]];
                if (runningOn[w][held[w][k]] >= ep.maxConcurrentJobs()) {
                    return;
                }
                job = queue[w][k][head[w][k]++];
                queuedWork[w] -= jobs.cost()[job] / problem.workers().get(w).speed();
                current[w] = k;
            } else if (stealing) {
                int[] victim = pickVictim(w);
                if (victim == null) {
                    return;
                }
                from = victim[0];
                int vk = victim[1];
                ExpertEndpoint ep = endpoint[w][held[from][vk]];
                if (runningOn[w][held[from][vk]] >= ep.maxConcurrentJobs()) {
                    return;
                }
                job = queue[from][vk][--tail[from][vk]];
                queuedWork[from] -= jobs.cost()[job] / problem.workers().get(from).speed();
                stolen++;
            } else {
                return;
            }
            submit(w, job, listener);
        }
    }

    /** The slot w serves next: the current one while it has queued jobs, else the one with the longest head job. */
    private int pickLocal(int w) {
        if (held[w].length == 0) {
            return -1;
        }
        int c = current[w];
        if (head[w][c] < tail[w][c]) {
            return c;
        }
        int best = -1;
        for (int k = 0; k < held[w].length; k++) {
            if (head[w][k] < tail[w][k] && (best < 0
                    || jobs.floor()[queue[w][k][head[w][k]]] > jobs.floor()[queue[w][best][head[w][best]]])) {
                best = k;
            }
        }
        return best;
    }

    /** {victim worker, slot} to steal from, or null. */
    private int[] pickVictim(int thief) {
        int victim = -1;
        int victimSlot = -1;
        double backlog = 0;
        for (int e : held[thief]) {
            if (endpoint[thief][e] == null || lost[thief]) {
                continue;
            }
            for (int v = 0; v < workers.size(); v++) {
                if (v == thief) {
                    continue;
                }
                int k = slot(v, e);
                if (k < 0 || head[v][k] >= tail[v][k]) {
                    continue;
                }
                if (queuedWork[v] > backlog) {
                    backlog = queuedWork[v];
                    victim = v;
                    victimSlot = k;
                }
            }
        }
        if (victim < 0) {
            return null;
        }
        int j = queue[victim][victimSlot][tail[victim][victimSlot] - 1];
        double dur = Math.max(jobs.floor()[j], jobs.cost()[j]) / problem.workers().get(thief).speed();
        return backlog > dur ? new int[] {victim, victimSlot} : null;
    }

    /** Jobs in flight on worker w, all its replicas together; caller holds the lock. */
    private int running(int w) {
        int n = 0;
        for (int k : runningOn[w]) {
            n += k;
        }
        return n;
    }

    private void submit(int w, int job, JobListener listener) {
        ExpertEndpoint ep = endpoint[w][jobs.expert()[job]];
        runningOn[w][jobs.expert()[job]]++;
        jobWorker[job] = w;
        start[job] = now();
        CompletableFuture<JobOutput> f = ep.submit(requests[job]);
        inFlight.add(f);
        // Off the engine's thread: extraction, scoring, the answer log and the next dispatch must not stall its batch.
        f.whenCompleteAsync((out, err) -> finished(w, job, out, err, listener), completions);
    }

    private void finished(int w, int job, JobOutput out, Throwable err, JobListener listener) {
        double t = now();
        synchronized (this) {
            runningOn[w][jobs.expert()[job]]--;
            if (err != null) {
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                        ? err.getCause() : err;
                if (cause instanceof WorkerLostException lostErr) {
                    lose(w, lostErr.getMessage());
                    replan(job);
                    return;
                }
                if (failure == null) {
                    failure = err;
                }
                return;
            }
            end[job] = t;
            workerEnd[w] = Math.max(workerEnd[w], t);
            spans.add(new Timeline.Span(workers.get(w).id(), stage, Timeline.Kind.JOB,
                    problem.experts().get(jobs.expert()[job]).id(), problem.prompts().get(jobs.prompt()[job]).id(),
                    start[job], t));
        }
        try {
            sink.accept(job, w, out);
            listener.jobFinished(job, w, t);
        } catch (RuntimeException e) {
            synchronized (this) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        Map<Integer, CompletableFuture<Void>> finishedWorkers = new java.util.LinkedHashMap<>();
        synchronized (this) {
            remaining.countDown();
            dispatch(w, listener);
            if (stealing) {
                for (int v = 0; v < workers.size(); v++) {
                    if (v != w && running(v) == 0) {
                        dispatch(v, listener);
                    }
                }
            }
            for (int v = 0; v < workers.size(); v++) {
                if (checkDone(v)) {
                    finishedWorkers.put(v, retiring(v));
                }
            }
        }
        finishedWorkers.forEach(this::retire);
    }

    /**
     * Whether worker w has just become done: ready, nothing running, nothing queued of its own,
     * nothing it could steal now (backlogs only shrink, so not later either), and no held job
     * planned on it. Marks it; caller holds the lock.
     */
    private boolean checkDone(int w) {
        if (!retireEarly || done == null || done[w] || !ready[w] || running(w) > 0 || failure != null) {
            return false;
        }
        for (int k = 0; k < held[w].length; k++) {
            if (head[w][k] < tail[w][k]) {
                return false;
            }
        }
        if (stealing && pickVictim(w) != null) {
            return false;
        }
        if (heldOn[w] > 0) {
            return false;
        }
        done[w] = true;
        return true;
    }

    /**
     * Registers the closing of a done worker's replicas (caller holds the lock, so the stage cannot
     * end before it is known); {@link #retire} then runs it on a thread of its own: the caller may
     * be an engine thread of one of those replicas, and an engine cannot close itself.
     */
    private CompletableFuture<Void> retiring(int w) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        retiring.add(f);
        return f;
    }

    private void retire(int w, CompletableFuture<Void> f) {
        Thread.ofVirtual().name("moa-retire-" + workers.get(w).id()).start(() -> {
            try {
                closeWorker(w);
            } finally {
                f.complete(null);
            }
        });
    }

    private final List<CompletableFuture<Void>> retiring = new ArrayList<>();

    private void closeWorker(int w) {
        List<ExpertEndpoint> open = new ArrayList<>();
        synchronized (this) {
            for (int e = 0; e < endpoint[w].length; e++) {
                if (endpoint[w][e] != null) {
                    open.add(endpoint[w][e]);
                    endpoint[w][e] = null;
                }
            }
        }
        try {
            for (ExpertEndpoint ep : open) {
                ep.close();
            }
            workerDone.accept(w);
        } catch (RuntimeException e) {
            synchronized (this) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
    }

    private synchronized StageResult result() {
        List<String> ids = new ArrayList<>();
        problem.workers().forEach(x -> ids.add(x.id()));
        return new StageResult(new Timeline(ids, spans), jobWorker.clone(), start.clone(), end.clone(), workerEnd.clone(),
                stolen, jobs.size());
    }

    private void closeEndpoints() {
        List<ExpertEndpoint> open = new ArrayList<>();
        synchronized (this) {
            if (endpoint == null) {
                return;
            }
            for (ExpertEndpoint[] row : endpoint) {
                for (int e = 0; e < row.length; e++) {
                    if (row[e] != null) {
                        open.add(row[e]);
                        row[e] = null;
                    }
                }
            }
        }
        RuntimeException first = null;
        for (ExpertEndpoint ep : open) {
            try {
                ep.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
