package dev.mosaic.moa.profile;

import dev.mosaic.inference.backend.cpu.HostMemory;
import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.engine.GenerationHandle;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.engine.GenerationResult;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.moa.worker.CpuWorker;
import dev.mosaic.moa.worker.EngineWarmup;
import dev.mosaic.moa.worker.JobRequest;
import dev.mosaic.moa.worker.PromptEncoder;
import dev.mosaic.moa.worker.ProcessWarmup;
import dev.mosaic.moa.worker.SharedModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Measures a model's {@link ModelProfile} on CPU workers of one shape (threads, KV budget,
 * batch): prefill cost per token, decode cost per token alone and at a saturating batch, load
 * time, memory, and (given sample prompts) the mean output length per category. Each timing is
 * the median of {@code runs} repetitions after a warm-up. Not thread-safe; one profile at a time
 * per machine gives honest numbers.
 */
public final class Profiler {

    /**
     * What to measure.
     *
     * <p>Immutable; thread-safe.
     *
     * @param threads kernel threads of the engine
     * @param kvBudgetBytes KV cache of the replica
     * @param batch sequences decoding at once for the saturated cost
     * @param promptTokens prompt length of the prefill measurement
     * @param decodeTokens tokens generated per sequence in the decode measurements
     * @param runs repetitions per measurement (median taken)
     * @param coRunning engines of the same shape kept decoding at a full batch beside the measured
     *     one (0: measured alone). A run's local CPU workers share the machine's cores, caches and
     *     memory bus, and two batch-8 decodes at once each run markedly slower than one alone, so
     *     a run profiles with its other local workers' worth of companions
     * @param companionModel the model file the companions decode, or null for the measured model
     *     itself; a run names its largest expert, whose long jobs are what its other workers are
     *     mostly busy with (a small model beside a large one slows down far more than beside its like)
     */
    public record Settings(int threads, long kvBudgetBytes, int batch, int promptTokens, int decodeTokens, int runs,
                           int coRunning, Path companionModel) {
        /** Most companion engines ({@link #coRunning}). */
        public static final int MAX_CO_RUNNING = 63;

        public Settings {
            if (threads < 1 || batch < 1 || promptTokens < 1 || decodeTokens < 2 || runs < 1 || kvBudgetBytes <= 0
                    || coRunning < 0 || coRunning > MAX_CO_RUNNING) {
                throw new IllegalArgumentException("bad profiler settings: " + threads + " threads, batch " + batch
                        + ", prompt " + promptTokens + ", decode " + decodeTokens + ", runs " + runs + ", kv " + kvBudgetBytes
                        + ", co-running " + coRunning);
            }
        }

        /** Measured alone. */
        public Settings(int threads, long kvBudgetBytes, int batch, int promptTokens, int decodeTokens, int runs) {
            this(threads, kvBudgetBytes, batch, promptTokens, decodeTokens, runs, 0, null);
        }

        /**
         * Default repetitions per measurement. With 3, a few-second slow spell of a shared host
         * could cover two of the three back-to-back batch-8 decode windows of a ~110M model and
         * move its median by half (0.52, 0.56 and 0.83 ms/token in three profiles of one hour on a
         * 2-vCPU VM); five take a spell twice as long to move the median.
         */
        public static final int DEFAULT_RUNS = 5;

        public static Settings defaults(int threads, long kvBudgetBytes) {
            return new Settings(threads, kvBudgetBytes, CpuWorker.DEFAULT_BATCH, 128, 32, DEFAULT_RUNS);
        }

        public Settings withRuns(int n) {
            return new Settings(threads, kvBudgetBytes, batch, promptTokens, decodeTokens, n, coRunning, companionModel);
        }

        public Settings withDecodeTokens(int n) {
            return new Settings(threads, kvBudgetBytes, batch, promptTokens, n, runs, coRunning, companionModel);
        }

        public Settings withPromptTokens(int n) {
            return new Settings(threads, kvBudgetBytes, batch, n, decodeTokens, runs, coRunning, companionModel);
        }

        public Settings withCoRunning(int n) {
            return new Settings(threads, kvBudgetBytes, batch, promptTokens, decodeTokens, runs, n, companionModel);
        }

        /** Companions decode {@code model} (null: the measured model itself). */
        public Settings withCompanionModel(Path model) {
            return new Settings(threads, kvBudgetBytes, batch, promptTokens, decodeTokens, runs, coRunning, model);
        }

        /** The key profiles measured with these settings are cached under (see {@link CpuWorker#profileKey}). */
        public String workerKey() {
            return CpuWorker.profileKey(threads, kvBudgetBytes, batch, coRunning, companionModel);
        }

        /** "beside N busy engine(s)[ of FILE]" when measured with companions, else "". */
        public String contention() {
            if (coRunning == 0) {
                return "";
            }
            return "beside " + coRunning + " busy engine" + (coRunning == 1 ? "" : "s")
                    + (companionModel != null ? " of " + companionModel.getFileName() : "");
        }
    }

    /** A sample prompt for output lengths: its text, category (or null) and output cap. Immutable; thread-safe. */
    public record Sample(String text, String category, int maxTokens) {}

    private final Settings settings;
    private final Consumer<String> progress;
    private final HostProbe probe;
    private final java.util.concurrent.locks.ReentrantLock submitGate = new java.util.concurrent.locks.ReentrantLock();

    /** @param progress hears a line per step (e.g. printed to stderr); may be a no-op */
    public Profiler(Settings settings, Consumer<String> progress) {
        this(settings, progress, null);
    }

    /**
     * @param progress hears a line per step (e.g. printed to stderr); may be a no-op
     * @param probe when not null, every profile also times this host probe beside the same
     *     companions ({@link ModelProfile#hostProbeSecondsPerToken}); the caller owns and closes it
     */
    public Profiler(Settings settings, Consumer<String> progress, HostProbe probe) {
        this.settings = settings;
        this.progress = progress;
        this.probe = probe;
    }

    /**
     * Times the host probe now, under the same companions a profile of these settings measures
     * beside (their model, count and shape), median of {@code runs} windows: divided by a
     * profile's {@link ModelProfile#hostProbeSecondsPerToken}, how much slower the host runs now
     * than when that profile was taken.
     *
     * @throws IllegalStateException when this profiler has no probe
     */
    public double hostProbeNow() {
        if (probe == null) {
            throw new IllegalStateException("this profiler was created without a host probe");
        }
        EngineConfig config = EngineConfig.cpu(settings.threads()).withKvBudgetBytes(settings.kvBudgetBytes())
                .withMaxSequences(settings.batch());
        try (Companions busy = Companions.start(probe.model(), settings.companionModel(), config, settings.kvBudgetBytes(),
                settings.coRunning(), settings.batch(), settings.decodeTokens(), progress, "host probe");
             Engine e = probe.engine(settings.threads())) {
            double[] w = new double[settings.runs()];
            for (int r = 0; r < w.length; r++) {
                w[r] = probe.window(e);
            }
            busy.close();
            return median(w);
        }
    }

    /** Profiles the model file {@code model} under {@code id}. */
    public ModelProfile profile(String id, Path model, List<Sample> samples) {
        EngineConfig config = EngineConfig.cpu(settings.threads()).withKvBudgetBytes(settings.kvBudgetBytes())
                .withMaxSequences(settings.batch());
        // Loads are measured in a warm process, as a run's are (it warms before its stages).
        if (!ProcessWarmup.isWarm()) {
            progress.accept(id + ": warming the process (load and generate twice, unmeasured)");
            ProcessWarmup.ensure(model, config);
        }
        long t0 = System.nanoTime();
        progress.accept(id + ": opening " + model);
        try (Model m = ModelLoader.open(model)) {
            double openSeconds = (System.nanoTime() - t0) / 1e9;
            int ctx = m.config().contextLength();
            int prompt = Math.max(1, Math.min(settings.promptTokens(), ctx - settings.decodeTokens() - 1));
            int decode = Math.max(2, Math.min(settings.decodeTokens(), ctx - prompt - 1));
            // Companions run from before the engine is created: a run's replicas load while its
            // other workers load or decode, and creating an engine (repacking, first touch of its
            // memory) beside a busy core took 3-5x as long as alone on a 2-vCPU VM.
            try (Companions busy = Companions.start(m, settings.companionModel(), config, settings.kvBudgetBytes(), settings.coRunning(),
                    settings.batch(), decode, progress, id)) {
                long t1 = System.nanoTime();
                // The measured engine steps under a lock its batches are submitted under, so every
                // sequence of a batch is queued before its first step (a busy core could otherwise
                // delay the submitting thread until the first sequences are done).
                try (Engine engine = Engine.create(m, config.withStepLock(submitGate))) {
                    // The rest of the load cost: the warm-up a run's replica does when it opens.
                    EngineWarmup.run(engine);
                    double loadSeconds = openSeconds + (System.nanoTime() - t1) / 1e9;
                    // The probe engine is created beside the companions as well, and stepped
                    // between the batch-decode windows (see measure).
                    try (Engine probeEngine = probe != null ? probe.engine(settings.threads()) : null) {
                        progress.accept(id + ": loaded in " + fmt(loadSeconds) + " s" + (settings.coRunning() > 0 ? " (beside the busy engines)" : "")
                                + "; prefill of " + prompt + " tokens");
                        int vocab = engine.tokenizer().vocabSize();
                        return measure(id, model, samples, m, engine, new SplittableRandom(17), prompt, decode, vocab, loadSeconds, busy,
                                probeEngine);
                    }
                }
            }
        }
    }

    private ModelProfile measure(String id, Path model, List<Sample> samples, Model m, Engine engine, SplittableRandom rnd,
                                 int prompt, int decode, int vocab, double loadSeconds, Companions busy, Engine probeEngine) {
        double[] prefill = new double[settings.runs()];
        double[] latency = new double[settings.runs()];
        double[] saturated = new double[settings.runs()];
        for (int r = 0; r < settings.runs(); r++) {
            int[] p = randomPrompt(rnd, vocab, prompt);
            prefill[r] = run(engine, List.of(p), 1) / prompt;
        }
        double prefillPerToken = median(prefill);
        progress.accept(id + ": " + fmt(prefillPerToken * 1e3) + " ms/token prefill; decode at batch 1");
        // Decode is timed over the steps in which every sequence is decoding (see
        // decodeSecondsPerStep), so no prefill estimate is subtracted. Short prompts put the
        // context at shortContext on average; long ones measure how much each token of context
        // adds at the saturating batch (attention over each sequence's own KV cache, which
        // batching does not share), and the two rates are then stated at an empty context.
        double shortContext = 8 + decode / 2.0;
        int b = Math.min(settings.batch(), Math.max(1, (int) (engine.kvCapacityTokens() / (8 + decode + 16))));
        // An unmeasured batch first: the decode path's first steps run while the JIT compiles it.
        decodeSecondsPerStep(engine, prompts(rnd, vocab, b, 8), decode);
        for (int r = 0; r < settings.runs(); r++) {
            latency[r] = decodeSecondsPerStep(engine, List.of(randomPrompt(rnd, vocab, 8)), decode);
        }
        double latencyShort = median(latency);
        int longPrompt = (int) Math.max(0, Math.min(Math.min(LONG_CONTEXT_PROMPT, engine.kvCapacityTokens() / b - decode - 16L),
                m.config().contextLength() - decode - 1L));
        boolean contextTerm = longPrompt >= 8 + MIN_CONTEXT_SPAN;
        progress.accept(id + ": " + fmt(latencyShort * 1e3) + " ms/token at batch 1; decode at batch " + b
                + (contextTerm ? ", after 8 and after " + longPrompt + " prompt tokens" : ""));
        double[] saturatedLong = new double[settings.runs()];
        double[] probed = new double[settings.runs()];
        for (int r = 0; r < settings.runs(); r++) {
            // Interleaved, so drift in the machine's speed weighs on both contexts (and the probe) alike.
            saturated[r] = decodeSecondsPerStep(engine, prompts(rnd, vocab, b, 8), decode) / b;
            if (contextTerm) {
                saturatedLong[r] = decodeSecondsPerStep(engine, prompts(rnd, vocab, b, longPrompt), decode) / b;
            }
            if (probeEngine != null) {
                probed[r] = probe.window(probeEngine);
            }
        }
        Double probeSeconds = probeEngine != null ? median(probed) : null;
        double saturatedShort = median(saturated);
        double perContextToken = contextTerm ? perContextToken(saturatedShort, median(saturatedLong), longPrompt - 8) : 0;
        double latencyPerToken = atEmptyContext(latencyShort, perContextToken, shortContext);
        double decodePerToken = Math.min(atEmptyContext(saturatedShort, perContextToken, shortContext), latencyPerToken);
        progress.accept(id + ": at an empty context " + fmt(decodePerToken * 1e3) + " ms/token at batch " + b + ", "
                + fmt(latencyPerToken * 1e3) + " alone; " + fmt(perContextToken * 1e6) + " us per token of context"
                + (probeSeconds != null ? "; host probe " + fmt(probeSeconds * 1e3) + " ms/token" : ""));
        busy.close();
        if (samples != null && !samples.isEmpty()) {
            progress.accept(id + ": output lengths of " + samples.size() + " sample prompts");
        }
        OutputLengths lengths = OutputLengths.measure(samples, s -> outputLength(engine, s));
        double memory = CpuWorker.replicaGiB(SharedModels.weightBytes(m), settings.kvBudgetBytes());
        return new ModelProfile(id, memory, loadSeconds, prefillPerToken, decodePerToken, latencyPerToken, perContextToken,
                lengths.mean(),
                lengths.byCategory(), model.toAbsolutePath().toString(), settings.workerKey(), b, probeSeconds);
    }

    /**
     * Mean output length of sample prompts, overall (null without samples) and per category.
     * Immutable; thread-safe.
     */
    public record OutputLengths(Double mean, Map<String, Double> byCategory) {
        /** Runs {@code generate} (tokens generated) on each sample, in order. */
        public static OutputLengths measure(List<Sample> samples, java.util.function.ToIntFunction<Sample> generate) {
            Map<String, Double> byCategory = new TreeMap<>();
            if (samples == null || samples.isEmpty()) {
                return new OutputLengths(null, byCategory);
            }
            Map<String, double[]> acc = new LinkedHashMap<>();
            double total = 0;
            for (Sample s : samples) {
                int out = generate.applyAsInt(s);
                total += out;
                if (s.category() != null) {
                    double[] a = acc.computeIfAbsent(s.category(), k -> new double[2]);
                    a[0] += out;
                    a[1]++;
                }
            }
            acc.forEach((k, a) -> byCategory.put(k, a[0] / a[1]));
            return new OutputLengths(total / samples.size(), byCategory);
        }
    }

    /** Fewest context tokens between the short and the long decode measurement for a context term. */
    public static final int MIN_CONTEXT_SPAN = 32;
    /** Longest prompt of the context measurement (the KV budget may allow less). */
    static final int LONG_CONTEXT_PROMPT = 256;

    /**
     * Decode seconds per token per context token, from one rate per token measured after a short
     * and after a longer prompt ({@code contextSpan} tokens longer); 0 when the span is under
     * {@link #MIN_CONTEXT_SPAN} or the longer context measured faster.
     */
    public static double perContextToken(double shortPerToken, double longPerToken, int contextSpan) {
        return contextSpan < MIN_CONTEXT_SPAN ? 0 : Math.max(0, (longPerToken - shortPerToken) / contextSpan);
    }

    /** A decode rate per token measured at a mean context of {@code meanContext} tokens, stated at an empty context. */
    public static double atEmptyContext(double perToken, double perContextToken, double meanContext) {
        return Math.max(1e-9, perToken - perContextToken * meanContext);
    }

    private static List<int[]> prompts(SplittableRandom rnd, int vocab, int n, int tokens) {
        List<int[]> ps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ps.add(randomPrompt(rnd, vocab, tokens));
        }
        return ps;
    }

    /**
     * Seconds per decode step with all of {@code prompts} generating {@code tokens} tokens at
     * once, over the steps in which all of them are decoding: from the last first token (long
     * prompts may be prefilled over several steps) to the first last token. Each token's time
     * is taken as it is sampled; the steps are counted on the sequence that started last.
     */
    private double decodeSecondsPerStep(Engine engine, List<int[]> prompts, int tokens) {
        return decodeSecondsPerStep(engine, prompts, tokens, submitGate);
    }

    /**
     * {@link #decodeSecondsPerStep(Engine, List, int)} on an engine that steps under {@code submitGate}
     * (its step lock), which is held while the batch is submitted.
     */
    static double decodeSecondsPerStep(Engine engine, List<int[]> prompts, int tokens, java.util.concurrent.locks.ReentrantLock submitGate) {
        long[][] at = new long[prompts.size()][tokens];
        int[] seen = new int[prompts.size()];
        List<GenerationHandle> hs = new ArrayList<>();
        submitGate.lock();
        try {
            for (int i = 0; i < prompts.size(); i++) {
                int s = i;
                hs.add(engine.submit(GenerationRequest.ofTokens(prompts.get(i)).withMaxTokens(tokens).withStopAtEos(false)
                        .withListener((token, logprob, text) -> {
                            if (seen[s] < tokens) {
                                at[s][seen[s]++] = System.nanoTime();
                            }
                        })));
            }
        } finally {
            submitGate.unlock();
        }
        for (GenerationHandle h : hs) {
            try (GenerationResult r = h.join()) {
                if (r.generatedTokens() != tokens) {
                    throw new IllegalStateException("profiling run generated " + r.generatedTokens() + " of " + tokens + " tokens");
                }
            }
        }
        // join() happens-after the engine thread's listener calls, so the arrays are complete here.
        int lastStarted = 0;
        long firstEnd = Long.MAX_VALUE;
        for (int s = 0; s < at.length; s++) {
            if (seen[s] != tokens) {
                throw new IllegalStateException("profiling run heard " + seen[s] + " of " + tokens + " tokens");
            }
            if (at[s][0] > at[lastStarted][0]) {
                lastStarted = s;
            }
            firstEnd = Math.min(firstEnd, at[s][tokens - 1]);
        }
        // The last starter's tokens, one per step, up to the step the first finisher ended in
        // (a step's tokens are heard within microseconds of each other, its steps a whole step
        // apart, so half a step tells them apart).
        long[] t = at[lastStarted];
        double halfStep = (t[tokens - 1] - t[0]) / (2.0 * (tokens - 1));
        int last = 0;
        for (int i = 1; i < tokens; i++) {
            if (t[i] <= firstEnd + halfStep) {
                last = i;
            }
        }
        if (last == 0) {
            throw new IllegalStateException("profiling run: no decode step had all " + prompts.size() + " sequences");
        }
        return Math.max(1e-9, (t[last] - t[0]) / 1e9 / last);
    }

    /** Seconds to generate {@code tokens} tokens after each prompt, all submitted at once. */
    private static double run(Engine engine, List<int[]> prompts, int tokens) {
        long t0 = System.nanoTime();
        List<GenerationHandle> hs = new ArrayList<>();
        for (int[] p : prompts) {
            hs.add(engine.submit(GenerationRequest.ofTokens(p).withMaxTokens(tokens).withStopAtEos(false)));
        }
        for (GenerationHandle h : hs) {
            try (GenerationResult r = h.join()) {
                if (r.generatedTokens() != tokens) {
                    throw new IllegalStateException("profiling run generated " + r.generatedTokens() + " of " + tokens + " tokens");
                }
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static int outputLength(Engine engine, Sample s) {
        // The same rendering the runtime's local endpoint uses, so lengths match what runs.
        int[] ids = new PromptEncoder(engine.tokenizer()).encode(JobRequest.user(s.text(), s.maxTokens()));
        try (GenerationResult r = engine.submit(GenerationRequest.ofTokens(ids).withMaxTokens(s.maxTokens())).join()) {
            return r.generatedTokens();
        }
    }

    /**
     * Engines of the measured one's shape, on the same model, kept decoding full batches on their
     * own threads until closed, so that the measurement sees the contention a run's other workers
     * cause. Closing stops and closes them (idempotent). Not thread-safe.
     */
    private static final class Companions implements AutoCloseable {
        private final List<Engine> engines = new ArrayList<>();
        private Model own; // the companion model, when it is not the measured one
        private final List<Thread> threads = new ArrayList<>();
        private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.concurrent.atomic.AtomicReference<RuntimeException> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
        private boolean closed;

        static Companions start(Model measured, Path companionModel, EngineConfig config, long kvBudgetBytes, int n, int batch,
                                int decode, Consumer<String> progress, String id) {
            Companions c = new Companions();
            if (n == 0) {
                return c;
            }
            progress.accept(id + ": starting " + n + " co-running engine" + (n == 1 ? "" : "s")
                    + (companionModel != null ? " of " + companionModel.getFileName() : "") + " (the run's other local workers)");
            try {
                Model m = measured;
                if (companionModel != null) {
                    c.own = ModelLoader.open(companionModel);
                    m = c.own;
                }
                // Each companion holds its own weights copy and KV budget: never more than memory allows.
                long each = Math.max(1, SharedModels.weightBytes(m) + kvBudgetBytes);
                long spare = HostMemory.available();
                int fit = (int) Math.min(n, Math.max(0, (spare - spare / 8) / each));
                if (fit < n) {
                    progress.accept(String.format(java.util.Locale.ROOT, "%s: only %d of %d co-running engines fit in memory "
                            + "(%.2f GiB each, %.2f GiB available); measuring beside %d", id, fit, n, each / (double) (1L << 30),
                            spare / (double) (1L << 30), fit));
                    n = fit;
                }
                for (int i = 0; i < n; i++) {
                    c.engines.add(Engine.create(m, config));
                }
                java.util.concurrent.CountDownLatch warm = new java.util.concurrent.CountDownLatch(n);
                for (int i = 0; i < n; i++) {
                    Engine e = c.engines.get(i);
                    SplittableRandom rnd = new SplittableRandom(1000 + i);
                    c.threads.add(Thread.ofPlatform().name("mosaic-profile-companion-" + i).start(() -> {
                        try {
                            int vocab = e.tokenizer().vocabSize();
                            int b = Math.min(batch, Math.max(1, (int) (e.kvCapacityTokens() / (8 + decode + 16))));
                            boolean first = true;
                            while (!c.stop.get()) {
                                List<int[]> ps = new ArrayList<>();
                                for (int k = 0; k < b; k++) {
                                    ps.add(randomPrompt(rnd, vocab, 8));
                                }
                                run(e, ps, decode);
                                if (first) {
                                    warm.countDown();
                                    first = false;
                                }
                            }
                        } catch (RuntimeException x) {
                            c.failure.compareAndSet(null, x);
                            warm.countDown();
                        }
                    }));
                }
                warm.await();
                c.check();
                return c;
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                c.close();
                throw new IllegalStateException("interrupted while starting co-running engines", x);
            } catch (RuntimeException | Error x) {
                c.close();
                throw x;
            }
        }

        private void check() {
            RuntimeException x = failure.get();
            if (x != null) {
                throw new IllegalStateException("a co-running engine failed: " + x.getMessage(), x);
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            stop.set(true);
            boolean interrupted = false;
            for (Thread t : threads) {
                while (true) {
                    try {
                        t.join();
                        break;
                    } catch (InterruptedException x) {
                        interrupted = true;
                    }
                }
            }
            for (Engine e : engines) {
                e.close();
            }
            if (own != null) {
                own.close();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            check();
        }
    }

    private static int[] randomPrompt(SplittableRandom rnd, int vocab, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = rnd.nextInt(Math.max(1, vocab));
        }
        return p;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.3f", v);
    }
}
