package dev.mosaic.moa.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.common.AtomicFiles;
import dev.mosaic.inference.buffer.TokenBufferPool;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.tokenizer.ChatMessage;
import dev.mosaic.inference.tokenizer.Tokenizers;
import dev.mosaic.moa.agreement.AgreementScorer;
import dev.mosaic.moa.agreement.ExtractedAnswers;
import dev.mosaic.moa.config.MoaConfig;
import dev.mosaic.moa.config.MoaInputException;
import dev.mosaic.moa.config.RunPrompt;
import dev.mosaic.moa.exec.PlanExecutor;
import dev.mosaic.moa.extract.AnswerExtractor;
import dev.mosaic.moa.extract.AnswerExtractors;
import dev.mosaic.moa.extract.ExtractedAnswer;
import dev.mosaic.moa.profile.ModelProfile;
import dev.mosaic.moa.profile.HostProbe;
import dev.mosaic.moa.profile.ProfileCache;
import dev.mosaic.moa.profile.Profiler;
import dev.mosaic.moa.worker.ComputeWorker;
import dev.mosaic.moa.remote.ApiProfiler;
import dev.mosaic.moa.remote.OpenAiWorker;
import dev.mosaic.moa.worker.CpuWorker;
import dev.mosaic.moa.worker.JobOutput;
import dev.mosaic.moa.worker.JobRequest;
import dev.mosaic.moa.worker.PromptEncoder;
import dev.mosaic.moa.worker.ProcessWarmup;
import dev.mosaic.moa.worker.SharedModels;
import dev.mosaic.scheduler.Planners;
import dev.mosaic.scheduler.aggregation.AgreementRule;
import dev.mosaic.scheduler.aggregation.AgreementRules;
import dev.mosaic.scheduler.aggregation.AggregatorStage;
import dev.mosaic.scheduler.aggregation.Answers;
import dev.mosaic.scheduler.execution.StageExecutor;
import dev.mosaic.scheduler.execution.StageResult;
import dev.mosaic.scheduler.execution.Timeline;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanIo;
import dev.mosaic.scheduler.plan.PlanningOptions;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import dev.mosaic.scheduler.sim.Simulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One {@code mosaic run}: profiles the models it has no profile for, builds the scheduling
 * problem from the configuration and the prompts, plans the expert stage, executes it on real
 * engines, and decides per prompt, as soon as its last expert finished, whether the experts agree
 * (bypass) or the aggregator must run; then plans and runs the aggregator stage (after the expert
 * stage, as in the paper). Writes {@code answers.jsonl} (appended per finished prompt),
 * {@code plan.json}, {@code timeline.json}, {@code summary.json} and {@code index.html}.
 *
 * <p>A run is used once from one thread; {@link #cancel()} may be called from any thread (e.g. a
 * shutdown hook): finished answers stay in {@code answers.jsonl}, and a later run with
 * {@code resume} skips them.
 */
public final class MoaRun {

    /** The aggregator's instruction: the standard MoA synthesis prompt (system text, then query and numbered responses). */
    public static final String AGGREGATOR_SYSTEM = "You are given several models' responses to the user's question. "
            + "Some of them may be wrong or biased: evaluate them critically, then write one accurate, complete and "
            + "well-reasoned answer of your own rather than copying any of them. Give the final answer in the form "
            + "the question asks for.";

    /**
     * How to run.
     *
     * <p>Immutable as a value; callers must not assume the {@code progress} and {@code onAnswer} callbacks are called
     * from one thread, so make them thread-safe.
     *
     * @param method planning method ({@code ilp}, {@code greedy}, {@code round-robin})
     * @param resume skip the prompt ids already in {@code answers.jsonl}
     * @param stealing let idle workers take queued jobs of experts they also hold
     * @param profileCache where profiles are cached, or null for no cache
     * @param profilerSettings how to profile models without a cached profile, or null for defaults
     * @param profileSamples prompts of the run used to measure output lengths when profiling
     * @param batch sequences each replica decodes at once
     * @param progress hears each progress line (stderr by default), or null for none
     * @param onAnswer hears each written answer (tests use it to interrupt), or null
     * @param overlap release each aggregation as soon as its prompt is scored, on a worker whose own
     *                expert work is done, instead of after the whole expert stage (the paper's barrier)
     * @param contendedProfiles profile local CPU workers beside their co-running workers' worth of busy engines
     * @param hostProbe time the host probe again before planning and scale the profiles by its figure now
     *                  over theirs ({@link #withHostProbe}); every new profile times it either way
     */
    public record Options(String method, boolean resume, boolean stealing, ProfileCache profileCache,
                          Profiler.Settings profilerSettings, int profileSamples, int batch, Consumer<String> progress,
                          Consumer<ObjectNode> onAnswer, boolean overlap, boolean contendedProfiles,
                          boolean hostProbe) {
        public static Options defaults() {
            return new Options("ilp", false, true, ProfileCache.standard(), null, 4, CpuWorker.DEFAULT_BATCH,
                    line -> System.err.println(line), null, false, true, false);
        }

        public Options withOverlap(boolean o) {
            return new Options(method, resume, stealing, profileCache, profilerSettings, profileSamples, batch, progress, onAnswer, o, contendedProfiles, hostProbe);
        }

        public Options withMethod(String m) {
            return new Options(m, resume, stealing, profileCache, profilerSettings, profileSamples, batch, progress, onAnswer, overlap, contendedProfiles, hostProbe);
        }

        public Options withResume(boolean r) {
            return new Options(method, r, stealing, profileCache, profilerSettings, profileSamples, batch, progress, onAnswer, overlap, contendedProfiles, hostProbe);
        }

        public Options withStealing(boolean s) {
            return new Options(method, resume, s, profileCache, profilerSettings, profileSamples, batch, progress, onAnswer, overlap, contendedProfiles, hostProbe);
        }

        public Options withProfileCache(ProfileCache c) {
            return new Options(method, resume, stealing, c, profilerSettings, profileSamples, batch, progress, onAnswer, overlap, contendedProfiles, hostProbe);
        }

        public Options withProfilerSettings(Profiler.Settings s) {
            return new Options(method, resume, stealing, profileCache, s, profileSamples, batch, progress, onAnswer, overlap, contendedProfiles, hostProbe);
        }

        public Options withProgress(Consumer<String> p) {
            return new Options(method, resume, stealing, profileCache, profilerSettings, profileSamples, batch, p, onAnswer, overlap, contendedProfiles, hostProbe);
        }

        public Options withOnAnswer(Consumer<ObjectNode> c) {
            return new Options(method, resume, stealing, profileCache, profilerSettings, profileSamples, batch, progress, c, overlap, contendedProfiles, hostProbe);
        }

        /** Whether local CPU workers are profiled beside their co-running workers' worth of busy engines (default) or alone. */
        public Options withContendedProfiles(boolean c) {
            return new Options(method, resume, stealing, profileCache, profilerSettings, profileSamples, batch, progress, onAnswer,
                    overlap, c, hostProbe);
        }

        /**
         * Whether the run times the {@link dev.mosaic.moa.profile.HostProbe} before planning and
         * scales each profile by how much slower or faster the host runs now than when that profile
         * timed it (default off: on the 2-vCPU VM tried, the probe's own noise over a second was as
         * large as the drift between fresh profiles and the run; it is meant for profiles cached
         * long before). Profiles without a probe figure are used as they are.
         */
        public Options withHostProbe(boolean h) {
            return new Options(method, resume, stealing, profileCache, profilerSettings, profileSamples, batch, progress, onAnswer,
                    overlap, contendedProfiles, h);
        }

        public Options withBatch(int b) {
            return new Options(method, resume, stealing, profileCache, profilerSettings, profileSamples, b, progress, onAnswer, overlap, contendedProfiles, hostProbe);
        }
    }

    /** What a finished (or interrupted) run measured. Immutable; thread-safe. */
    public record Outcome(int prompts, int answered, int bypassed, double expertMeasuredSeconds,
                          double expertPredictedSeconds, double aggregatorMeasuredSeconds, double aggregatorPredictedSeconds,
                          boolean interrupted, Path summary) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final MoaConfig config;
    private final List<RunPrompt> allPrompts;
    private final Path out;
    private final Options options;
    private volatile Thread runner;
    /** Where the current phase writes plan, timeline, summary and report (DIR, or DIR/calibration). */
    private Path stageDir;
    /** Profiles of this run's models, measured or cached once per run. */
    private Map<String, ModelProfile> measuredProfiles;
    /** Relative speed of each openai worker (CPU workers and unlisted ones: 1). */
    private Map<String, Double> workerSpeeds = Map.of();
    private volatile boolean cancelled;

    public MoaRun(MoaConfig config, List<RunPrompt> prompts, Path out, Options options) {
        this.config = config;
        this.allPrompts = List.copyOf(prompts);
        this.out = out;
        this.options = options;
        if (!Planners.exists(options.method())) {
            throw new IllegalArgumentException("unknown --method '" + options.method() + "'; known: " + String.join(", ", Planners.methods()));
        }
    }

    /** Asks a running {@link #run()} to stop; finished answers are kept. */
    public void cancel() {
        cancelled = true;
        Thread t = runner;
        if (t != null) {
            t.interrupt();
        }
    }

    /** Runs the whole MoA; returns when done or cancelled. */
    public Outcome run() throws IOException {
        runner = Thread.currentThread();
        try {
            Files.createDirectories(out);
            AnswerExtractor extractor = AnswerExtractors.parse(config.agreement().extractor());
            AgreementRule rule = AgreementRules.parse(config.agreement().rule());
            try (AnswersLog log = AnswersLog.open(out.resolve("answers.jsonl"), options.resume());
                 SharedModels models = new SharedModels();
                 TokenBufferPool outputs = new TokenBufferPool()) {
                var done = log.previousIds();
                List<ComputeWorker> workers = new ArrayList<>();
                try {
                    // Local CPU workers share this machine: each is profiled with the others' worth of engines busy.
                    int local = (int) config.workers().stream().filter(w -> w.kind().equals("cpu")).count();
                    // They decode the largest expert: the long jobs the other workers are mostly busy with.
                    int coRunning = options.contendedProfiles() ? Math.min(Math.max(0, local - 1), Profiler.Settings.MAX_CO_RUNNING) : 0;
                    Path companion = coRunning > 0 ? largestExpertModel() : null;
                    for (MoaConfig.WorkerSpec w : config.workers()) {
                        workers.add(w.kind().equals("openai") ? new dev.mosaic.moa.remote.OpenAiWorker(w, models)
                                : new CpuWorker(w, models, outputs, options.batch(), coRunning, companion));
                    }
                    int before = done.size();
                    if (config.agreement().calibrate()) {
                        Calibrated c = calibrate(extractor, rule, log, done, workers, models);
                        if (c.outcome() != null) {
                            return c.outcome();
                        }
                        rule = c.rule();
                        done = new java.util.LinkedHashSet<>(done);
                        done.addAll(c.ids());
                    }
                    List<RunPrompt> prompts = new ArrayList<>();
                    for (RunPrompt p : allPrompts) {
                        if (!done.contains(p.id())) {
                            prompts.add(p);
                        }
                    }
                    stageDir = out;
                    Outcome o = execute(prompts, done.size(), workers, models, new AgreementScorer(extractor, rule), log);
                    if (outputs.buffersInUse() != 0) {
                        throw new IllegalStateException("internal error: " + outputs.buffersInUse() + " token buffers not returned");
                    }
                    return o;
                } finally {
                    for (ComputeWorker w : workers) {
                        w.close();
                    }
                }
            }
        } finally {
            runner = null;
        }
    }

    /** The calibrated rule, the calibration prompts' ids, or the outcome of an interrupted calibration phase. */
    private record Calibrated(AgreementRule rule, java.util.Set<String> ids, Outcome outcome) {}

    /**
     * Calibration: a seeded share of the labelled prompts runs first with every prompt aggregated
     * (into DIR/calibration), their answers are kept like any other, and the rule's threshold is
     * chosen on them by the Learn-then-Test bound ({@code agreement.budget} at
     * {@code agreement.confidence}); for {@code weighted} rules the experts' reliabilities too.
     * Written to DIR/calibration.json. On resume the answers already in answers.jsonl count.
     */
    private Calibrated calibrate(AnswerExtractor extractor, AgreementRule rule, AnswersLog log, java.util.Set<String> done,
                                 List<ComputeWorker> workers, SharedModels models) throws IOException {
        List<RunPrompt> labelled = allPrompts.stream().filter(p -> p.answer() != null).toList();
        if (labelled.size() < 20) {
            throw new MoaInputException(config.source(), 0, "agreement.calibrate",
                    "calibration needs at least 20 labelled prompts (with \"answer\"), the prompts have " + labelled.size());
        }
        dev.mosaic.scheduler.aggregation.Split split = dev.mosaic.scheduler.aggregation.Split.of(labelled.size(),
                config.agreement().calibrationFraction(), 1);
        List<RunPrompt> cal = new ArrayList<>();
        for (int i : split.calibration()) {
            cal.add(labelled.get(i));
        }
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        cal.forEach(p -> ids.add(p.id()));
        List<RunPrompt> todo = cal.stream().filter(p -> !done.contains(p.id())).toList();
        stageDir = out.resolve("calibration");
        Files.createDirectories(stageDir);
        progress("calibration: " + cal.size() + " of " + labelled.size() + " labelled prompts, every one aggregated");
        Outcome o = execute(todo, done.size(), workers, models,
                new AgreementScorer(extractor, rule.withThreshold(dev.mosaic.scheduler.aggregation.ThresholdCalibrator.NEVER)), log);
        if (o.interrupted()) {
            return new Calibrated(rule, ids, o);
        }
        // Every calibration prompt's answers, from answers.jsonl (this run's and earlier ones')
        Map<String, com.fasterxml.jackson.databind.JsonNode> lines = new HashMap<>();
        for (String line : Files.readAllLines(out.resolve("answers.jsonl"))) {
            if (!line.isBlank()) {
                com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(line);
                lines.put(n.get("id").asText(), n);
            }
        }
        Map<String, Integer> eIdx = new HashMap<>();
        for (int e = 0; e < config.experts().size(); e++) {
            eIdx.put(config.experts().get(e).id(), e);
        }
        int[] starts = new int[cal.size() + 1];
        List<Integer> jobExpert = new ArrayList<>();
        for (int q = 0; q < cal.size(); q++) {
            com.fasterxml.jackson.databind.JsonNode n = lines.get(cal.get(q).id());
            if (n == null) {
                throw new IllegalStateException("calibration prompt " + cal.get(q).id() + " has no answer in answers.jsonl");
            }
            n.get("experts").fieldNames().forEachRemaining(e -> jobExpert.add(eIdx.get(e)));
            starts[q + 1] = jobExpert.size();
        }
        String[] truth = new String[cal.size()];
        String[] category = new String[cal.size()];
        for (int q = 0; q < cal.size(); q++) {
            truth[q] = normaliseTruth(extractor, cal.get(q).answer());
            category[q] = cal.get(q).category();
        }
        ExtractedAnswers answers = new ExtractedAnswers(starts, jobExpert.stream().mapToInt(Integer::intValue).toArray(), truth,
                category);
        for (int q = 0; q < cal.size(); q++) {
            com.fasterxml.jackson.databind.JsonNode n = lines.get(cal.get(q).id());
            int j = starts[q];
            for (var it = n.get("experts").elements(); it.hasNext(); j++) {
                com.fasterxml.jackson.databind.JsonNode e = it.next();
                String a = e.path("answer").isTextual() ? e.get("answer").asText() : null;
                answers.recordJob(j, a, e.path("logprob").isNumber() ? e.get("logprob").asDouble() : Double.NaN);
            }
            com.fasterxml.jackson.databind.JsonNode agg = n.path("aggregator").path("answer");
            answers.recordAggregator(q, agg.isTextual() ? agg.asText() : null);
        }
        Answers snap = answers.snapshot();
        int[] all = new int[cal.size()];
        for (int q = 0; q < all.length; q++) {
            all[q] = q;
        }
        AgreementRule r = rule;
        if (r instanceof AgreementRules.Weighted w) {
            java.util.Set<Integer> distinct = new java.util.HashSet<>();
            for (int q = 0; q < cal.size(); q++) {
                distinct.add(snap.truth(q));
            }
            r = w.withReliability(dev.mosaic.scheduler.aggregation.ExpertReliability.calibrate(snap, config.experts().size(),
                    Math.max(2, distinct.size()), all));
        }
        var c = dev.mosaic.scheduler.aggregation.ThresholdCalibrator.calibrate(snap, r, all, config.agreement().budget(),
                config.agreement().confidence());
        AgreementRule calibrated = r.withThreshold(c.tau());
        ObjectNode j = JSON.createObjectNode();
        j.put("rule", calibrated.spec());
        j.put("threshold", c.tau());
        j.put("prompts", c.prompts());
        j.put("budget", c.budget());
        j.put("confidence", c.confidence());
        j.put("lossUpperBound", c.lossUpperBound());
        j.put("measuredLoss", c.loss());
        j.put("alwaysAggregateAccuracy", c.alwaysAccuracy());
        j.put("adaptiveAccuracy", c.adaptiveAccuracy());
        j.put("bypassRate", c.skipRate());
        j.put("method", c.method());
        if (calibrated instanceof AgreementRules.Weighted w) {
            j.set("reliability", JSON.valueToTree(w.reliability()));
        }
        // Per category at the chosen threshold, each bound from that category's prompts alone: a
        // budget that holds overall may not hold in a small category, and this is where it shows.
        var perCategory = dev.mosaic.scheduler.aggregation.BypassEvaluation.evaluate(snap,
                dev.mosaic.scheduler.aggregation.Votes.scored(snap, calibrated), c.tau(), all, c.confidence()).perCategory();
        ObjectNode cats = j.putObject("byCategory");
        perCategory.forEach((cat, row) -> {
            ObjectNode rowNode = cats.putObject(cat == null ? "all" : cat);
            rowNode.put("prompts", row.prompts());
            rowNode.put("alwaysAggregateAccuracy", row.alwaysAccuracy());
            rowNode.put("adaptiveAccuracy", row.adaptiveAccuracy());
            rowNode.put("measuredLoss", row.loss());
            rowNode.put("lossUpperBound", row.lossUpperBound());
            rowNode.put("bypassRate", row.skipRate());
        });
        AtomicFiles.write(out.resolve("calibration.json"), JSON.writeValueAsBytes(j));
        progress(String.format(Locale.ROOT, "calibrated %s: threshold %.3f on %d prompts (loss %.2f pp measured, <= %.2f pp "
                        + "with %.0f%% confidence; would bypass %.0f%%)", rule.spec(), c.tau(), c.prompts(), 100 * c.loss(),
                100 * c.lossUpperBound(), 100 * c.confidence(), 100 * c.skipRate()));
        return new Calibrated(calibrated, ids, null);
    }

    private Outcome execute(List<RunPrompt> prompts, int answeredBefore, List<ComputeWorker> workers, SharedModels models,
                            AgreementScorer scorer, AnswersLog log) throws IOException {
        Map<String, MoaConfig.ModelSpec> specs = new LinkedHashMap<>();
        config.experts().forEach(e -> specs.put(e.id(), e));
        specs.put(config.aggregator().id(), config.aggregator());
        checkMemory(workers, specs);
        if (prompts.isEmpty()) {
            progress("nothing to do: every prompt is already answered");
            return new Outcome(allPrompts.size(), answeredBefore, 0, 0, 0, 0, 0, false, null);
        }
        warmProcess(workers, specs);
        if (measuredProfiles == null) {
            measuredProfiles = profiles(prompts, workers, specs);
            workerSpeeds = remoteSpeeds(workers, measuredProfiles, specs);
        }
        Map<String, ModelProfile> profiles = measuredProfiles;

        // ---- stage 1: the experts
        Problem problem = problem(prompts, workers, profiles, models);
        JobTable jobs = problem.jobs();
        List<JobRequest> requests = new ArrayList<>();
        for (int j = 0; j < jobs.size(); j++) {
            RunPrompt p = prompts.get(jobs.prompt()[j]);
            String e = problem.experts().get(jobs.expert()[j]).id();
            requests.add(JobRequest.user(p.text(), cap(p, e)));
        }
        PlanningOptions planning = PlanningOptions.defaults();
        Plan plan1 = Planners.create(options.method(), planning).plan(problem);
        StageResult predicted1 = Simulator.of(problem, plan1).run(Simulator.Conditions.asProfiled(Timeline.Stage.EXPERT));
        progress(String.format(Locale.ROOT, "planned %d expert jobs on %d workers (%s): predicted %.2f s",
                jobs.size(), workers.size(), options.method(), predicted1.endSeconds()));
        unscaledExpertPrediction = hostSpeeds.isEmpty() ? null : unscaledPrediction(prompts, workers, models, plan1);

        int[] starts = promptStarts(jobs, prompts.size());
        String[] truth = new String[prompts.size()];
        String[] category = new String[prompts.size()];
        for (int q = 0; q < prompts.size(); q++) {
            truth[q] = normaliseTruth(scorer.extractor(), prompts.get(q).answer());
            category[q] = prompts.get(q).category();
        }
        ExtractedAnswers answers = new ExtractedAnswers(starts, jobs.expert(), truth, category);
        ExpertStageState state = new ExpertStageState(prompts, problem, jobs, starts, answers, scorer, log);
        PlanExecutor ex1 = new PlanExecutor(problem, plan1, Timeline.Stage.EXPERT, workers, specs, requests,
                options.stealing(), state::finished);
        if (options.overlap()) {
            return overlapped(prompts, answeredBefore, workers, models, scorer, log, specs, profiles, problem, plan1, predicted1,
                    answers, state, ex1);
        }
        StageResult measured1;
        try {
            ProcessCpu cpu0 = ProcessCpu.now();
            measured1 = ex1.execute(StageExecutor.JobListener.NONE);
            expertStageCpu = usageSince(cpu0);
            noteLost(ex1, Timeline.Stage.EXPERT);
        } catch (InterruptedException e) {
            noteLost(ex1, Timeline.Stage.EXPERT);
            return interruptedInExpertStage(prompts, answeredBefore, problem, plan1, null, predicted1, answers, state);
        }
        double[] actualOut = state.outTokens;
        StageResult replay1 = Simulator.of(problem, plan1).run(
                Simulator.Conditions.asProfiled(Timeline.Stage.EXPERT).withActualOutTokens(actualOut));

        // ---- stage 2: the aggregator, on the prompts whose experts did not agree
        boolean[] aggregate = state.aggregate.clone();
        int toAggregate = 0;
        for (boolean b : aggregate) {
            toAggregate += b ? 1 : 0;
        }
        Plan plan2 = null;
        StageResult predicted2 = null;
        StageResult measured2 = null;
        AggregatorStage stage2 = null;
        if (toAggregate > 0) {
            double[] aggOut = new double[prompts.size()];
            for (int q = 0; q < prompts.size(); q++) {
                aggOut[q] = profiles.get(config.aggregator().id()).expectedOutputTokens(prompts.get(q).category(),
                        config.aggregator().maxTokens());
            }
            // Plan with the measured expert lengths: they are known now, and they are what the aggregator reads.
            // Workers lost in the expert stage are left out of the aggregator stage.
            stage2 = AggregatorStage.derive(survivors(problem), aggregate, actualOut, aggOut);
            List<JobRequest> aggRequests = new ArrayList<>();
            AggregatorPrompts fit = new AggregatorPrompts(models);
            for (int i = 0; i < stage2.originalPrompt().length; i++) {
                int q = stage2.originalPrompt()[i];
                aggRequests.add(fit.request(prompts.get(q), state.texts[q], q, state));
            }
            // The aggregator reads the system text, the question and the expert texts through its
            // template: plan with the exact prompt lengths, not the question plus output token counts.
            stage2 = withPromptTokens(stage2, aggRequests, models);
            stage2 = new AggregatorStage(constrain(stage2.problem(), workers), stage2.originalPrompt());
            plan2 = Planners.create(options.method(), planning).plan(stage2.problem());
            predicted2 = Simulator.of(stage2.problem(), plan2).run(Simulator.Conditions.asProfiled(Timeline.Stage.AGGREGATOR));
            progress(String.format(Locale.ROOT, "expert stage %.2f s (predicted %.2f s); %d of %d prompts bypassed; "
                    + "aggregating %d (predicted %.2f s)", measured1.endSeconds(), predicted1.endSeconds(),
                    state.bypassedCount, prompts.size(), toAggregate, predicted2.endSeconds()));
            AggregatorState agg = new AggregatorState(stage2, state, prompts, answers, scorer, log);
            List<ComputeWorker> alive = workers.stream().filter(w -> !lostIds().contains(w.id())).toList();
            PlanExecutor ex2 = new PlanExecutor(stage2.problem(), plan2, Timeline.Stage.AGGREGATOR, alive, specs, aggRequests,
                    options.stealing(), agg::finished);
            try {
                ProcessCpu cpu0 = ProcessCpu.now();
                measured2 = ex2.execute(StageExecutor.JobListener.NONE);
                aggregatorStageCpu = usageSince(cpu0);
                noteLost(ex2, Timeline.Stage.AGGREGATOR);
            } catch (InterruptedException e) {
                noteLost(ex2, Timeline.Stage.AGGREGATOR);
                progress("interrupted: " + state.answered + " answers kept in " + out.resolve("answers.jsonl"));
                writeSummary(prompts, problem, plan1, plan2, predicted1, measured1, predicted2, null, answers, state, true);
                return new Outcome(allPrompts.size(), answeredBefore + state.answered, state.bypassedCount,
                        measured1.endSeconds(), predicted1.endSeconds(), 0, 0, true, stageDir.resolve("summary.json"));
            }
        }
        writeSummary(prompts, problem, plan1, plan2, predicted1, measured1, predicted2, measured2, answers, state, false);
        writeExtras(problem, plan1, stage2, plan2, predicted1, measured1, replay1, predicted2, measured2);
        progress(String.format(Locale.ROOT, "done: %d prompts, %d bypassed; expert stage %.2f s (predicted %.2f s), "
                        + "aggregator stage %.2f s (predicted %.2f s); outputs in %s", prompts.size(), state.bypassedCount,
                measured1.endSeconds(), predicted1.endSeconds(), measured2 == null ? 0 : measured2.endSeconds(),
                predicted2 == null ? 0 : predicted2.endSeconds(), out));
        return new Outcome(allPrompts.size(), answeredBefore + state.answered, state.bypassedCount, measured1.endSeconds(),
                predicted1.endSeconds(), measured2 == null ? 0 : measured2.endSeconds(),
                predicted2 == null ? 0 : predicted2.endSeconds(), false, stageDir.resolve("summary.json"));
    }

    /**
     * Both stages at once: the aggregator stage is planned before the expert stage runs, for every
     * prompt (which ones bypass is not known yet), with profiled lengths; each worker starts its
     * aggregator work as soon as its own expert work is done (its expert replicas are closed
     * first, so memory is as in the barrier mode), and each aggregation is released when its
     * prompt is scored, or dropped when the prompt bypasses. Stealing rebalances what the dropped
     * jobs leave uneven. Summary and report times of the aggregator stage are the time after the
     * expert stage ends, as in the simulator's overlap mode.
     */
    private Outcome overlapped(List<RunPrompt> prompts, int answeredBefore, List<ComputeWorker> workers, SharedModels models,
                               AgreementScorer scorer, AnswersLog log, Map<String, MoaConfig.ModelSpec> specs,
                               Map<String, ModelProfile> profiles, Problem problem, Plan plan1, StageResult predicted1,
                               ExtractedAnswers answers, ExpertStageState state, PlanExecutor ex1) throws IOException {
        int np = prompts.size();
        JobTable jobs = problem.jobs();
        double[] aggOut = new double[np];
        boolean[] everyPrompt = new boolean[np];
        for (int q = 0; q < np; q++) {
            aggOut[q] = profiles.get(config.aggregator().id()).expectedOutputTokens(prompts.get(q).category(),
                    config.aggregator().maxTokens());
            everyPrompt[q] = true;
        }
        AggregatorStage stage2 = AggregatorStage.derive(problem, everyPrompt, jobs.outTokens(), aggOut);
        stage2 = new AggregatorStage(constrain(stage2.problem(), workers), stage2.originalPrompt());
        Plan plan2 = Planners.create(options.method(), PlanningOptions.defaults()).plan(stage2.problem());
        int[] jobOfPrompt = new int[np]; // one aggregation job per prompt, in prompt order
        JobTable jobs2 = stage2.problem().jobs();
        for (int j = 0; j < jobs2.size(); j++) {
            jobOfPrompt[stage2.originalPrompt()[jobs2.prompt()[j]]] = j;
        }
        List<JobRequest> none = new ArrayList<>(java.util.Collections.nCopies(jobs2.size(), (JobRequest) null));
        AggregatorState agg = new AggregatorState(stage2, state, prompts, answers, scorer, log);
        @SuppressWarnings("unchecked")
        java.util.concurrent.CompletableFuture<Void>[] gates = new java.util.concurrent.CompletableFuture[workers.size()];
        for (int w = 0; w < gates.length; w++) {
            gates[w] = new java.util.concurrent.CompletableFuture<>();
        }
        long origin = System.nanoTime();
        int[] all = new int[jobs2.size()];
        for (int j = 0; j < all.length; j++) {
            all[j] = j;
        }
        PlanExecutor ex2 = new PlanExecutor(stage2.problem(), plan2, Timeline.Stage.AGGREGATOR, workers, specs, none,
                options.stealing(), agg::finished).hold(all).startAfter(gates).withOrigin(origin);
        AggregatorPrompts fit = new AggregatorPrompts(models);
        state.decided = (q, aggregate) -> {
            if (aggregate) {
                ex2.release(jobOfPrompt[q], fit.request(prompts.get(q), state.texts[q], q, state));
            } else {
                ex2.drop(jobOfPrompt[q]);
            }
        };
        ex1.withOrigin(origin).onWorkerDone(w -> gates[w].complete(null));
        progress(String.format(Locale.ROOT, "planned %d expert jobs and up to %d overlapped aggregations on %d workers (%s): "
                + "expert stage predicted %.2f s", jobs.size(), jobs2.size(), workers.size(), options.method(),
                predicted1.endSeconds()));
        java.util.concurrent.CompletableFuture<StageResult> second = new java.util.concurrent.CompletableFuture<>();
        Thread aggregatorStage = Thread.ofPlatform().name("moa-aggregator-stage").start(() -> {
            try {
                second.complete(ex2.execute(StageExecutor.JobListener.NONE));
            } catch (Throwable t) {
                second.completeExceptionally(t);
            }
        });
        StageResult measured1;
        StageResult measured2;
        try {
            try {
                ProcessCpu cpu0 = ProcessCpu.now();
                measured1 = ex1.execute(StageExecutor.JobListener.NONE);
                expertStageCpu = usageSince(cpu0); // with the overlapped aggregations' CPU
            } catch (RuntimeException | Error e) {
                aggregatorStage.interrupt();
                throw e;
            } finally {
                noteLost(ex1, Timeline.Stage.EXPERT);
                for (var g : gates) {
                    g.complete(null); // a worker lost in the expert stage never became done; ex2 finds it lost
                }
            }
            try {
                measured2 = second.get();
                noteLost(ex2, Timeline.Stage.AGGREGATOR);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException("aggregator stage failed: " + e.getCause(), e.getCause());
            }
        } catch (InterruptedException e) {
            aggregatorStage.interrupt();
            try {
                aggregatorStage.join();
            } catch (InterruptedException again) {
                Thread.currentThread().interrupt();
            }
            return interruptedInExpertStage(prompts, answeredBefore, problem, plan1, plan2, predicted1, answers, state);
        }
        double[] actualOut = state.outTokens;
        StageResult replay1 = Simulator.of(problem, plan1).run(
                Simulator.Conditions.asProfiled(Timeline.Stage.EXPERT).withActualOutTokens(actualOut));
        // Predicted, for the prompts that did aggregate: plan2's assignment of them, each worker free
        // when its predicted expert work ends, each job released at its prompt's predicted last answer.
        boolean[] aggregated = state.aggregate.clone();
        StageResult predicted2 = null;
        Plan plan2Used = plan2;
        AggregatorStage used = AggregatorStage.derive(problem, aggregated, actualOut, aggOut);
        if (used.originalPrompt().length > 0) {
            // the prompts the aggregator really read (system text, template, question, responses)
            List<JobRequest> read = new ArrayList<>();
            for (int q : used.originalPrompt()) {
                read.add(fit.request(prompts.get(q), state.texts[q], q, state));
            }
            used = withPromptTokens(used, read, models);
            java.util.Set<String> ids = new java.util.HashSet<>();
            used.problem().prompts().forEach(p -> ids.add(p.id()));
            plan2Used = new Plan(plan2.placement(), plan2.assignment().stream().filter(a -> ids.contains(a.prompt())).toList(),
                    plan2.makespanSeconds(), plan2.lowerBoundSeconds(), plan2.gap(), plan2.solver());
            double[] lastAnswer = new double[np];
            for (int j = 0; j < jobs.size(); j++) {
                lastAnswer[jobs.prompt()[j]] = Math.max(lastAnswer[jobs.prompt()[j]], predicted1.jobEndSeconds()[j]);
            }
            double[] release = new double[used.originalPrompt().length];
            for (int i = 0; i < release.length; i++) {
                release[i] = lastAnswer[used.originalPrompt()[i]];
            }
            predicted2 = shift(Simulator.of(used.problem(), plan2Used).run(new Simulator.Conditions(Timeline.Stage.AGGREGATOR,
                    predicted1.workerEndSeconds(), release, null, null, options.stealing())), -predicted1.endSeconds());
        }
        // Measured aggregator times, like predicted ones, count from the end of the expert stage.
        StageResult measured2After = shift(measured2, -measured1.endSeconds());
        writeSummary(prompts, problem, plan1, plan2Used, predicted1, measured1, predicted2, measured2After, answers, state, false);
        writeExtras(problem, plan1, used, plan2Used, predicted1, measured1, replay1, predicted2, measured2After);
        progress(String.format(Locale.ROOT, "done: %d prompts, %d bypassed; expert stage %.2f s (predicted %.2f s), then "
                        + "%.2f s more for the overlapped aggregations (predicted %.2f s); outputs in %s", np, state.bypassedCount,
                measured1.endSeconds(), predicted1.endSeconds(), measured2After.endSeconds(),
                predicted2 == null ? 0 : predicted2.endSeconds(), out));
        return new Outcome(allPrompts.size(), answeredBefore + state.answered, state.bypassedCount, measured1.endSeconds(),
                predicted1.endSeconds(), measured2After.endSeconds(), predicted2 == null ? 0 : predicted2.endSeconds(), false,
                stageDir.resolve("summary.json"));
    }

    /** Stopped during the expert stage: finished answers are kept, held outputs returned, the summary says so. */
    private Outcome interruptedInExpertStage(List<RunPrompt> prompts, int answeredBefore, Problem problem, Plan plan1, Plan plan2,
                                             StageResult predicted1, ExtractedAnswers answers, ExpertStageState state)
            throws IOException {
        state.closeAll();
        progress("interrupted: " + state.answered + " answers kept in " + out.resolve("answers.jsonl"));
        writeSummary(prompts, problem, plan1, plan2, predicted1, null, null, null, answers, state, true);
        return new Outcome(allPrompts.size(), answeredBefore + state.answered, state.bypassedCount, 0, 0, 0, 0, true,
                stageDir.resolve("summary.json"));
    }

    /** {@code r} with every time moved by {@code by} seconds (jobs that did not run keep 0). */
    static StageResult shift(StageResult r, double by) {
        List<Timeline.Span> spans = new ArrayList<>();
        for (Timeline.Span s : r.timeline().spans()) {
            spans.add(new Timeline.Span(s.worker(), s.stage(), s.kind(), s.model(), s.prompt(), s.startSeconds() + by,
                    s.endSeconds() + by));
        }
        double[] start = r.jobStartSeconds().clone();
        double[] end = r.jobEndSeconds().clone();
        for (int j = 0; j < start.length; j++) {
            if (r.jobWorker()[j] >= 0) {
                start[j] += by;
                end[j] += by;
            }
        }
        double[] workerEnd = r.workerEndSeconds().clone();
        for (int w = 0; w < workerEnd.length; w++) {
            workerEnd[w] += by;
        }
        return new StageResult(new Timeline(r.timeline().workers(), spans), r.jobWorker(), start, end, workerEnd, r.stolenJobs(),
                r.events());
    }

    /** Workers lost so far in this run (id, stage, seconds into the stage, reason), in order. */
    private final List<ObjectNode> lostWorkers = new ArrayList<>();

    private void noteLost(PlanExecutor ex, Timeline.Stage stage) {
        for (PlanExecutor.LostWorker l : ex.lostWorkers()) {
            ObjectNode o = JSON.createObjectNode();
            o.put("id", l.id());
            o.put("time", l.time());
            o.put("stage", stage.name().toLowerCase(Locale.ROOT));
            o.put("reason", l.reason());
            lostWorkers.add(o);
            progress("worker " + l.id() + " lost " + String.format(Locale.ROOT, "%.2f", l.time()) + " s into the "
                    + stage.name().toLowerCase(Locale.ROOT) + " stage (" + l.reason() + "); its unfinished jobs moved to the survivors");
        }
    }

    private java.util.Set<String> lostIds() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        lostWorkers.forEach(o -> ids.add(o.get("id").asText()));
        return ids;
    }

    /**
     * The problem with the placement facts openai workers impose: a forbidden pair for each expert
     * such a worker cannot hold (a fixed {@code serves} without {@code manage}), so every planner
     * keeps it to what it serves; and a loaded pair for each expert it serves, which is resident
     * there before the run (no load time), so planners prefer it where it already is.
     */
    static Problem constrain(Problem p, List<ComputeWorker> workers) {
        List<dev.mosaic.scheduler.problem.PlacementRules.Pair> forbidden = new ArrayList<>();
        List<dev.mosaic.scheduler.problem.PlacementRules.Pair> loaded = new ArrayList<>();
        for (Worker w : p.workers()) {
            for (ComputeWorker c : workers) {
                if (c.id().equals(w.id()) && c instanceof OpenAiWorker o) {
                    for (Expert e : p.experts()) {
                        if (!o.canHost(e.id())) {
                            forbidden.add(new dev.mosaic.scheduler.problem.PlacementRules.Pair(w.id(), e.id()));
                        } else if (o.serves(e.id())) {
                            loaded.add(new dev.mosaic.scheduler.problem.PlacementRules.Pair(w.id(), e.id()));
                        }
                    }
                }
            }
        }
        return p.withPlacement(new dev.mosaic.scheduler.problem.PlacementRules(forbidden, List.of(), loaded));
    }

    /** The problem without the workers lost so far. */
    private Problem survivors(Problem p) {
        java.util.Set<String> gone = lostIds();
        if (gone.isEmpty()) {
            return p;
        }
        List<Worker> ws = p.workers().stream().filter(w -> !gone.contains(w.id())).toList();
        if (ws.isEmpty()) {
            throw new IllegalStateException("every worker was lost: " + lostWorkers);
        }
        dev.mosaic.scheduler.problem.PlacementRules rules = p.placement();
        return new Problem(ws, p.experts(), p.prompts(), p.aggregator(), rules == null ? null
                : new dev.mosaic.scheduler.problem.PlacementRules(
                        rules.forbidden().stream().filter(f -> !gone.contains(f.worker())).toList(),
                        rules.pinned().stream().filter(f -> !gone.contains(f.worker())).toList(),
                        rules.loaded().stream().filter(f -> !gone.contains(f.worker())).toList()));
    }

    /** Every model must fit at least one worker, before anything runs. */
    private static void checkMemory(List<ComputeWorker> workers, Map<String, MoaConfig.ModelSpec> specs) {
        for (MoaConfig.ModelSpec m : specs.values()) {
            double best = 0;
            double need = 0;
            for (ComputeWorker w : workers) {
                need = w.replicaGiB(m);
                if (need <= w.memoryGiB()) {
                    best = -1;
                    break;
                }
                best = Math.max(best, w.memoryGiB());
            }
            if (best >= 0) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "model %s (%s) needs %.3f GiB (weights + KV budget) but the largest worker offers %.3f GiB",
                        m.id(), m.model(), need, best));
            }
        }
    }

    /**
     * Profiles of every model on the first cpu worker's shape (the planner's reference: speed 1),
     * and, into {@link #shapeProfiles}, on every other cpu worker shape in the run (threads, KV
     * budget, batch), from which {@link #problem} derives each worker's speed. A fleet of openai
     * workers only is profiled through their API.
     */
    private Map<String, ModelProfile> profiles(List<RunPrompt> prompts, List<ComputeWorker> workers,
                                               Map<String, MoaConfig.ModelSpec> specs) {
        shapeProfiles = new LinkedHashMap<>();
        CpuWorker ref = null;
        List<CpuWorker> shapes = new ArrayList<>();
        for (ComputeWorker w : workers) {
            if (w instanceof CpuWorker c) {
                ref = ref == null ? c : ref;
                if (shapes.stream().noneMatch(o -> o.profileKey().equals(c.profileKey()))) {
                    shapes.add(c);
                }
            }
        }
        if (ref == null) {
            Map<String, ModelProfile> remote = remoteProfiles(prompts, workers, specs);
            shapeProfiles.put("openai", remote);
            return remote;
        }
        // Every new profile times the probe (cheap: a few windows among its own); the probe model is
        // written only when something is profiled or rescaled.
        HostProbe[] probe = new HostProbe[1];
        java.util.function.Supplier<HostProbe> lazy = () -> probe[0] != null ? probe[0] : (probe[0] = HostProbe.create());
        try {
            for (CpuWorker c : shapes) {
                shapeProfiles.put(c.profileKey(), profilesOn(c, prompts, specs, lazy));
            }
            rawShapeProfiles = new LinkedHashMap<>(shapeProfiles);
            if (options.hostProbe()) {
                for (CpuWorker c : shapes) {
                    shapeProfiles.put(c.profileKey(), rescaled(c, shapeProfiles.get(c.profileKey()), lazy));
                }
            }
        } finally {
            if (probe[0] != null) {
                probe[0].close();
            }
        }
        return shapeProfiles.get(ref.profileKey());
    }

    /** The expert stage's plan predicted from the profiles before {@link #rescaled}, or null when none was rescaled. */
    private StageResult unscaledExpertPrediction;

    /** {@code plan}'s expert stage as the profiles before {@link #rescaled} predict it. */
    private StageResult unscaledPrediction(List<RunPrompt> prompts, List<ComputeWorker> workers, SharedModels models, Plan plan) {
        Map<String, Map<String, ModelProfile>> scaled = shapeProfiles;
        shapeProfiles = rawShapeProfiles;
        try {
            CpuWorker ref = (CpuWorker) workers.stream().filter(w -> w instanceof CpuWorker).findFirst().orElseThrow();
            Problem raw = problem(prompts, workers, rawShapeProfiles.get(ref.profileKey()), models);
            return Simulator.of(raw, plan).run(Simulator.Conditions.asProfiled(Timeline.Stage.EXPERT));
        } finally {
            shapeProfiles = scaled;
        }
    }

    /** Each worker shape's profiles as measured or cached, before {@link #rescaled}; filled by {@link #profiles}. */
    private Map<String, Map<String, ModelProfile>> rawShapeProfiles;
    /** What the host probe measured before planning, per worker shape (by its first worker's id); empty without a probe. */
    private final Map<String, HostSpeed> hostSpeeds = new LinkedHashMap<>();

    /**
     * The host probe's figure now and the scale each profile was given (now over the figure timed
     * with that profile). Immutable; thread-safe.
     */
    private record HostSpeed(double secondsPerTokenNow, Map<String, Double> profiledSecondsPerToken, Map<String, Double> scale) {}

    /**
     * {@code profiles} restated at the host's speed now: the host probe is timed under the same
     * companions the profiles were measured beside, and each profile that timed it too is scaled
     * by the probe's figure now over its own (a profile without one is kept as it is).
     */
    private Map<String, ModelProfile> rescaled(CpuWorker shape, Map<String, ModelProfile> profiles,
                                               java.util.function.Supplier<HostProbe> probe) {
        if (profiles.values().stream().allMatch(p -> p.hostProbeSecondsPerToken() == null)) {
            progress("host probe: no profile of " + shape.id() + "'s shape timed it; the profiles are used as they are");
            return profiles;
        }
        Profiler.Settings settings = settingsFor(shape);
        progress("host probe: timing it on " + shape.id() + "'s shape" + (settings.coRunning() > 0 ? ", " + settings.contention() : "")
                + ", to restate the profiles at the host's speed now");
        double now = new Profiler(settings, this::progress, probe.get()).hostProbeNow();
        Map<String, ModelProfile> out = new LinkedHashMap<>();
        Map<String, Double> figures = new LinkedHashMap<>();
        Map<String, Double> scales = new LinkedHashMap<>();
        profiles.forEach((id, p) -> {
            Double then = p.hostProbeSecondsPerToken();
            if (then == null || !(then > 0)) {
                out.put(id, p);
                return;
            }
            double k = now / then;
            figures.put(id, then);
            scales.put(id, k);
            out.put(id, p.scaled(k));
        });
        hostSpeeds.put(shape.id(), new HostSpeed(now, figures, scales));
        DoubleSummaryStatistics st = scales.values().stream().mapToDouble(Double::doubleValue).summaryStatistics();
        progress(String.format(Locale.ROOT, "host probe: %.3f ms/token now; %d profiles scaled by %.3f-%.3f", now * 1e3,
                scales.size(), st.getMin(), st.getMax()));
        return out;
    }

    /** Seconds this run spent warming the process before profiling and its stages (0: it was warm). */
    private double processWarmupSeconds;
    /** CPU the process spent during each stage (null off Linux or before the stage ran). */
    private ProcessCpu.Usage expertStageCpu;
    private ProcessCpu.Usage aggregatorStageCpu;

    /**
     * Warms the process's loading and engine code for the run's models before anything is timed
     * (see {@link ProcessWarmup}), when a CPU worker runs here: profiles and stages then both see
     * warm loads and compiled decode paths.
     */
    private void warmProcess(List<ComputeWorker> workers, Map<String, MoaConfig.ModelSpec> specs) {
        CpuWorker cpu = (CpuWorker) workers.stream().filter(w -> w instanceof CpuWorker).findFirst().orElse(null);
        if (cpu == null || ProcessWarmup.isWarm()) {
            return;
        }
        java.util.Set<Path> files = new java.util.LinkedHashSet<>();
        specs.values().forEach(m -> files.add(m.model()));
        progress("warming the process for the models' architectures and weight types (unmeasured)");
        processWarmupSeconds += ProcessWarmup.ensure(files, EngineConfig.cpu(cpu.threads())
                .withKvBudgetBytes(cpu.spec().kvBudgetBytes()).withMaxSequences(cpu.engineConfig().effectiveMaxSequences()));
    }

    /** The expert model file with the most bytes (ties: the first), or null if none is a readable file. */
    private Path largestExpertModel() {
        Path best = null;
        long most = -1;
        for (MoaConfig.ModelSpec e : config.experts()) {
            try {
                long size = Files.size(e.model());
                if (size > most) {
                    most = size;
                    best = e.model();
                }
            } catch (IOException x) {
                // an unreadable file fails later, naming itself, where it is opened
            }
        }
        return best;
    }

    /** Each worker shape's profiles by model id; filled by {@link #profiles}. */
    private Map<String, Map<String, ModelProfile>> shapeProfiles;

    /** The profiler settings of a cpu worker's shape: the given or default measurement, with the run's contention. */
    private Profiler.Settings settingsFor(CpuWorker ref) {
        Profiler.Settings given = options.profilerSettings();
        Profiler.Settings settings = given == null ? Profiler.Settings.defaults(ref.threads(), ref.spec().kvBudgetBytes())
                : new Profiler.Settings(ref.threads(), ref.spec().kvBudgetBytes(), given.batch(), given.promptTokens(),
                        given.decodeTokens(), given.runs());
        return settings.withCoRunning(ref.coRunning()).withCompanionModel(ref.companionModel());
    }

    private Map<String, ModelProfile> profilesOn(CpuWorker ref, List<RunPrompt> prompts, Map<String, MoaConfig.ModelSpec> specs,
                                                 java.util.function.Supplier<HostProbe> probe) {
        Profiler.Settings settings = settingsFor(ref);
        Map<String, ModelProfile> out = new LinkedHashMap<>();
        for (MoaConfig.ModelSpec m : specs.values()) {
            ModelProfile p = options.profileCache() == null ? null
                    : options.profileCache().find(m.model(), ref.profileKey()).orElse(null);
            if (p == null) {
                List<Profiler.Sample> samples = new ArrayList<>();
                for (RunPrompt rp : sample(prompts, m.id())) {
                    samples.add(new Profiler.Sample(rp.text(), rp.category(), cap(rp, m.id())));
                }
                progress(m.id() + ": profiling on " + ref.id() + "'s shape (" + ref.threads() + " threads, KV "
                        + (ref.spec().kvBudgetBytes() >> 20) + " MiB" + (settings.coRunning() > 0 ? ", " + settings.contention() : "")
                        + ")");
                p = new Profiler(settings, this::progress, probe.get()).profile(m.id(), m.model(), samples);
                if (options.profileCache() != null) {
                    options.profileCache().put(m.model(), ref.profileKey(), p);
                }
            } else {
                progress(m.id() + ": cached profile " + options.profileCache().dir());
            }
            out.put(m.id(), p.withId(m.id()));
        }
        return out;
    }

    /**
     * Profiles of a fleet of openai workers only, measured through the API (streamed responses)
     * on the first worker that can host each model.
     */
    private Map<String, ModelProfile> remoteProfiles(List<RunPrompt> prompts, List<ComputeWorker> workers,
                                                     Map<String, MoaConfig.ModelSpec> specs) {
        ApiProfiler profiler = new ApiProfiler(64, 16, 3, this::progress);
        Map<String, ModelProfile> out = new LinkedHashMap<>();
        for (MoaConfig.ModelSpec m : specs.values()) {
            OpenAiWorker host = null;
            for (ComputeWorker w : workers) {
                if (w instanceof OpenAiWorker o && o.canHost(m.id())) {
                    host = o;
                    break;
                }
            }
            if (host == null) {
                throw new MoaInputException(config.source(), 0, "workers", "no worker can hold " + m.id()
                        + ": no openai worker serves it or is managed");
            }
            List<Profiler.Sample> samples = new ArrayList<>();
            for (RunPrompt rp : sample(prompts, m.id())) {
                samples.add(new Profiler.Sample(rp.text(), rp.category(), cap(rp, m.id())));
            }
            out.put(m.id(), profiler.profile(host, m, samples).withId(m.id()));
        }
        return out;
    }

    /**
     * Relative speed of each openai worker in a fleet profiled on a CPU worker: the local decode
     * cost at a saturating batch over the same cost measured through the worker's API (streamed),
     * on the first model the worker can hold. 1 for CPU workers.
     */
    private Map<String, Double> remoteSpeeds(List<ComputeWorker> workers, Map<String, ModelProfile> profiles,
                                             Map<String, MoaConfig.ModelSpec> specs) {
        Map<String, Double> speed = new HashMap<>();
        ApiProfiler profiler = new ApiProfiler(32, 16, 1, this::progress);
        for (ComputeWorker w : workers) {
            if (!(w instanceof OpenAiWorker o) || profiles.values().stream().anyMatch(p -> o.profileKey().equals(p.workerKey()))) {
                continue;
            }
            for (MoaConfig.ModelSpec m : specs.values()) {
                if (o.canHost(m.id())) {
                    ModelProfile remote = profiler.profile(o, m, List.of());
                    double v = profiles.get(m.id()).decodeSecondsPerToken() / remote.decodeSecondsPerToken();
                    speed.put(w.id(), Math.max(1e-3, Math.min(1e3, v)));
                    progress(String.format(Locale.ROOT, "worker %s: speed %.2f relative to the worker the profiles were measured on", w.id(), speed.get(w.id())));
                    break;
                }
            }
        }
        return speed;
    }

    /** Up to profileSamples prompts routed to {@code expert}, one per category first. */
    private List<RunPrompt> sample(List<RunPrompt> prompts, String expert) {
        List<RunPrompt> routed = new ArrayList<>();
        for (RunPrompt p : prompts) {
            if (expert.equals(config.aggregator().id()) || route(p).contains(expert)) {
                routed.add(p);
            }
        }
        List<RunPrompt> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (RunPrompt p : routed) {
            if (out.size() < options.profileSamples() && seen.add(String.valueOf(p.category()))) {
                out.add(p);
            }
        }
        for (RunPrompt p : routed) {
            if (out.size() >= options.profileSamples()) {
                break;
            }
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private List<String> route(RunPrompt p) {
        return p.experts() != null ? p.experts() : config.routing().expertsFor(p.category());
    }

    private int cap(RunPrompt p, String expert) {
        Integer c = p.maxTokens().get(expert);
        MoaConfig.ModelSpec e = config.expert(expert);
        return c != null ? c : e != null ? e.maxTokens() : config.aggregator().maxTokens();
    }

    private Problem problem(List<RunPrompt> prompts, List<ComputeWorker> workers, Map<String, ModelProfile> profiles,
                            SharedModels models) {
        List<Expert> experts = new ArrayList<>();
        Map<String, PromptEncoder> encoders = new HashMap<>();
        for (MoaConfig.ModelSpec m : config.experts()) {
            experts.add(widest(profiles.get(m.id()).toExpert(m.id()), m.id()));
            Model model = models.acquire(m.model());
            try {
                encoders.put(m.id(), new PromptEncoder(Tokenizers.forModel(model)));
            } finally {
                models.release(m.model());
            }
        }
        List<Prompt> ps = new ArrayList<>();
        for (RunPrompt p : prompts) {
            Map<String, Double> route = new LinkedHashMap<>();
            List<String> r = route(p);
            for (String e : r) {
                route.put(e, profiles.get(e).expectedOutputTokens(p.category(), cap(p, e)));
            }
            int promptTokens = encoders.get(r.get(0)).encode(JobRequest.user(p.text(), 1)).length;
            ps.add(new Prompt(p.id(), promptTokens, route, p.answer(), p.category()));
        }
        Expert agg = widest(profiles.get(config.aggregator().id()).toExpert(config.aggregator().id()), config.aggregator().id());
        List<Worker> ws = new ArrayList<>();
        for (ComputeWorker w : workers) {
            // an openai worker's speed is measured through its API (remoteSpeeds); a cpu worker's from its shape's profiles
            double v = w instanceof OpenAiWorker ? workerSpeeds.getOrDefault(w.id(), 1.0) : speed(w, ps, profiles);
            ws.add(new Worker(w.id(), w.memoryGiB(), v));
        }
        return constrain(new Problem(ws, experts, ps, agg), workers);
    }

    /**
     * A replica's memory is its weights plus its worker's KV budget; the planner has one figure per
     * model, so it takes the largest over the run's worker shapes (never overcommits a worker).
     */
    private Expert widest(Expert e, String id) {
        double mem = e.memoryGiB();
        for (Map<String, ModelProfile> shape : shapeProfiles.values()) {
            mem = Math.max(mem, shape.get(id).memoryGiB());
        }
        return new Expert(e.id(), mem, e.loadSeconds(), e.prefillSecondsPerToken(), e.decodeSecondsPerToken(),
                e.decodeLatencySecondsPerToken(), e.decodeSecondsPerContextToken());
    }

    /**
     * A worker's speed relative to the reference shape (the first worker's): the run's expert work
     * (every job's prefill and decode, by the reference profiles) over the same work by the
     * profiles measured on this worker's shape. The planner's model has one speed per worker; the
     * workload's own mix decides how prefill and decode weigh in it.
     */
    private double speed(ComputeWorker w, List<Prompt> ps, Map<String, ModelProfile> ref) {
        Map<String, ModelProfile> own = shapeProfiles.get(w.profileKey());
        if (own == ref) {
            return 1.0;
        }
        double refWork = 0;
        double ownWork = 0;
        for (Prompt p : ps) {
            for (var e : p.route().entrySet()) {
                refWork += ref.get(e.getKey()).toExpert(e.getKey()).jobCost(p.promptTokens(), e.getValue());
                ownWork += own.get(e.getKey()).toExpert(e.getKey()).jobCost(p.promptTokens(), e.getValue());
            }
        }
        return ownWork > 0 && refWork > 0 ? refWork / ownWork : 1.0;
    }

    /**
     * Aggregator requests that fit the aggregator's context: when the numbered responses are too
     * long, each is cut to the same share of the room left, keeping its end (where answers are
     * usually stated), and the answer line says so ({@code "truncatedResponses": true}).
     */
    private final class AggregatorPrompts {
        final PromptEncoder encoder;
        final int context;

        AggregatorPrompts(SharedModels models) {
            Model model = models.acquire(config.aggregator().model());
            try {
                encoder = new PromptEncoder(Tokenizers.forModel(model));
                context = model.config().contextLength();
            } finally {
                models.release(config.aggregator().model());
            }
        }

        JobRequest request(RunPrompt p, String[] responses, int q, ExpertStageState state) {
            int max = config.aggregator().maxTokens();
            JobRequest r = aggregatorRequest(p, responses, max);
            int room = context - max;
            int len = encoder.encode(r).length;
            if (len <= room) {
                return r;
            }
            String[] cut = responses.clone();
            double keep = 0.9 * (double) room / len;
            for (int attempt = 0; attempt < 12 && len > room; attempt++) {
                for (int i = 0; i < cut.length; i++) {
                    int n = (int) Math.floor(responses[i].length() * keep);
                    cut[i] = "..." + responses[i].substring(responses[i].length() - Math.max(0, n));
                }
                r = aggregatorRequest(p, cut, max);
                len = encoder.encode(r).length;
                keep *= 0.8;
            }
            if (len > room) {
                throw new IllegalStateException("prompt " + p.id() + ": the aggregator's context of " + context
                        + " tokens cannot hold the question and " + max + " output tokens even without the expert responses");
            }
            synchronized (state) {
                state.truncated[q] = true;
            }
            return r;
        }
    }

    private AggregatorStage withPromptTokens(AggregatorStage stage, List<JobRequest> requests, SharedModels models) {
        Model model = models.acquire(config.aggregator().model());
        PromptEncoder enc;
        try {
            enc = new PromptEncoder(Tokenizers.forModel(model));
        } finally {
            models.release(config.aggregator().model());
        }
        List<Prompt> ps = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            Prompt p = stage.problem().prompts().get(i);
            ps.add(new Prompt(p.id(), enc.encode(requests.get(i)).length, p.route(), p.answer(), p.category()));
        }
        Problem pr = stage.problem();
        return new AggregatorStage(new Problem(pr.workers(), pr.experts(), ps, null), stage.originalPrompt());
    }

    private static int[] promptStarts(JobTable jobs, int prompts) {
        int[] s = new int[prompts + 1];
        for (int p : jobs.prompt()) {
            s[p + 1]++;
        }
        for (int q = 0; q < prompts; q++) {
            s[q + 1] += s[q];
        }
        return s;
    }

    /** A labelled answer as the extractor would return it (so "c" and "(C)" compare equal to "C"). */
    static String normaliseTruth(AnswerExtractor extractor, String answer) {
        if (answer == null) {
            return null;
        }
        byte[] b = answer.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ExtractedAnswer a = extractor.extract(java.lang.foreign.MemorySegment.ofArray(b), 0, b.length);
        return a != null ? a.answer() : answer.strip();
    }

    static JobRequest aggregatorRequest(RunPrompt p, String[] responses, int maxTokens) {
        StringBuilder sb = new StringBuilder(p.text()).append("\n\nResponses from the models:");
        for (int i = 0; i < responses.length; i++) {
            sb.append("\n\n").append(i + 1).append(". ").append(responses[i]);
        }
        return new JobRequest(List.of(new ChatMessage("system", AGGREGATOR_SYSTEM), new ChatMessage("user", sb.toString())),
                maxTokens);
    }

    private JobRequest aggregatorRequest(RunPrompt p, String[] responses) {
        return aggregatorRequest(p, responses, config.aggregator().maxTokens());
    }

    private final Object progressLock = new Object();
    private long progressStart = System.nanoTime();

    void progress(String line) {
        if (options.progress() != null) {
            synchronized (progressLock) {
                options.progress().accept("mosaic run: " + line);
            }
        }
    }

    /** The expert stage's per-prompt state: outputs until scored, then the decision. */
    private final class ExpertStageState {
        final List<RunPrompt> prompts;
        final Problem problem;
        final JobTable jobs;
        final int[] starts;
        final ExtractedAnswers answers;
        final AgreementScorer scorer;
        final AnswersLog log;
        final JobOutput[] outputs;
        final double[] outTokens;
        final double[] seconds;
        final int[] left;
        final boolean[] aggregate;
        final double[] agreement;
        final String[][] texts;
        final int[] finalId;
        final boolean[] done;
        final boolean[] truncated;
        int answered;
        int bypassedCount;
        long tokens;
        final long t0 = System.nanoTime();
        /** With overlapped stages: hears each prompt's decision (true: it needs the aggregator), after it is recorded. */
        volatile java.util.function.BiConsumer<Integer, Boolean> decided;

        ExpertStageState(List<RunPrompt> prompts, Problem problem, JobTable jobs, int[] starts, ExtractedAnswers answers,
                         AgreementScorer scorer, AnswersLog log) {
            this.prompts = prompts;
            this.problem = problem;
            this.jobs = jobs;
            this.starts = starts;
            this.answers = answers;
            this.scorer = scorer;
            this.log = log;
            outputs = new JobOutput[jobs.size()];
            outTokens = new double[jobs.size()];
            seconds = new double[jobs.size()];
            left = new int[prompts.size()];
            aggregate = new boolean[prompts.size()];
            agreement = new double[prompts.size()];
            texts = new String[prompts.size()][];
            finalId = new int[prompts.size()];
            done = new boolean[prompts.size()];
            truncated = new boolean[prompts.size()];
            for (int q = 0; q < prompts.size(); q++) {
                left[q] = starts[q + 1] - starts[q];
            }
        }

        void finished(int job, int worker, JobOutput out) {
            AgreementScorer.Extraction x = scorer.extract(out);
            answers.recordJob(job, x.answer(), x.logprob());
            int q = jobs.prompt()[job];
            boolean last;
            synchronized (this) {
                outputs[job] = out;
                outTokens[job] = out.tokens();
                seconds[job] = out.seconds();
                tokens += out.tokens();
                last = --left[q] == 0;
            }
            if (last) {
                decide(q);
            }
        }

        private void decide(int q) {
            int n = starts[q + 1] - starts[q];
            int[] ids = new int[n];
            int[] experts = new int[n];
            double[] lps = new double[n];
            for (int i = 0; i < n; i++) {
                int j = starts[q] + i;
                ids[i] = answers.jobAnswer(j);
                experts[i] = jobs.expert()[j];
                lps[i] = answers.jobLogprob(j);
            }
            AgreementScorer.Decision d = scorer.decide(n, ids, experts, lps);
            JobOutput[] outs = new JobOutput[n];
            synchronized (this) {
                for (int i = 0; i < n; i++) {
                    outs[i] = outputs[starts[q] + i];
                    outputs[starts[q] + i] = null;
                }
                agreement[q] = d.score();
            }
            try {
                if (d.bypass()) {
                    String text = null;
                    for (int i = 0; i < n && text == null; i++) {
                        if (ids[i] == d.answerId()) {
                            text = outs[i].text();
                        }
                    }
                    ObjectNode line = answerLine(q, text, true, d.score(), answers.answer(d.answerId()), null);
                    synchronized (this) {
                        bypassedCount++;
                    }
                    written(line);
                } else {
                    String[] t = new String[n];
                    for (int i = 0; i < n; i++) {
                        t[i] = outs[i].text();
                    }
                    synchronized (this) {
                        texts[q] = t;
                        aggregate[q] = true;
                    }
                }
            } finally {
                for (JobOutput o : outs) {
                    o.close();
                }
            }
            var hook = decided;
            if (hook != null) {
                hook.accept(q, !d.bypass());
            }
        }

        ObjectNode answerLine(int q, String text, boolean bypassed, double score, String finalAnswer, ObjectNode aggregator) {
            ObjectNode line = JSON.createObjectNode();
            RunPrompt p = prompts.get(q);
            line.put("id", p.id());
            line.put("text", text);
            line.put("bypassed", bypassed);
            line.put("agreement", score);
            line.put("answer", finalAnswer);
            if (p.answer() != null) {
                line.put("correct", finalAnswer != null && answers.truth(q) != Answers.ABSTAIN
                        && answers.answer(answers.truth(q)).equals(finalAnswer));
            }
            if (p.category() != null) {
                line.put("category", p.category());
            }
            ObjectNode ex = line.putObject("experts");
            for (int j = starts[q]; j < starts[q + 1]; j++) {
                ObjectNode e = ex.putObject(problem.experts().get(jobs.expert()[j]).id());
                e.put("answer", answers.answer(answers.jobAnswer(j)));
                double lp = answers.jobLogprob(j);
                if (!Double.isNaN(lp)) {
                    e.put("logprob", lp);
                }
                e.put("tokens", (int) outTokens[j]);
                e.put("seconds", seconds[j]);
            }
            if (aggregator != null) {
                line.set("aggregator", aggregator);
                synchronized (this) {
                    if (truncated[q]) {
                        line.put("truncatedResponses", true);
                    }
                }
            }
            int id = finalAnswer == null ? Answers.ABSTAIN : answers.intern(finalAnswer);
            synchronized (this) {
                finalId[q] = id;
                done[q] = true;
            }
            return line;
        }

        void written(ObjectNode line) {
            log.append(line);
            int a;
            long tk;
            synchronized (this) {
                a = ++answered;
                tk = tokens;
            }
            if (options.onAnswer() != null) {
                options.onAnswer().accept(line);
            }
            double el = (System.nanoTime() - t0) / 1e9;
            double eta = a > 0 ? el / a * (prompts.size() - a) : 0;
            progress(String.format(Locale.ROOT, "%d/%d prompts answered, %.0f tokens/s, ETA %.0f s", a, prompts.size(),
                    tk / Math.max(el, 1e-9), eta));
        }

        synchronized void closeAll() {
            for (int j = 0; j < outputs.length; j++) {
                if (outputs[j] != null) {
                    outputs[j].close();
                    outputs[j] = null;
                }
            }
        }
    }

    /** The aggregator stage: each finished aggregation completes its prompt's answer. */
    private final class AggregatorState {
        final AggregatorStage stage;
        final ExpertStageState experts;
        final List<RunPrompt> prompts;
        final ExtractedAnswers answers;
        final AgreementScorer scorer;
        final AnswersLog log;

        AggregatorState(AggregatorStage stage, ExpertStageState experts, List<RunPrompt> prompts, ExtractedAnswers answers,
                        AgreementScorer scorer, AnswersLog log) {
            this.stage = stage;
            this.experts = experts;
            this.prompts = prompts;
            this.answers = answers;
            this.scorer = scorer;
            this.log = log;
        }

        void finished(int job, int worker, JobOutput out) {
            try {
                int q = stage.originalPrompt()[stage.problem().jobs().prompt()[job]];
                AgreementScorer.Extraction x = scorer.extract(out);
                answers.recordAggregator(q, x.answer());
                ObjectNode agg = JSON.createObjectNode();
                agg.put("answer", x.answer());
                agg.put("tokens", out.tokens());
                agg.put("seconds", out.seconds());
                synchronized (experts) {
                    experts.tokens += out.tokens();
                }
                experts.written(experts.answerLine(q, out.text(), false, experts.agreement[q], x.answer(), agg));
            } finally {
                out.close();
            }
        }
    }

    private void writeSummary(List<RunPrompt> prompts, Problem problem, Plan plan1, Plan plan2, StageResult predicted1,
                              StageResult measured1, StageResult predicted2, StageResult measured2, ExtractedAnswers answers,
                              ExpertStageState state, boolean interrupted) throws IOException {
        ObjectNode s = JSON.createObjectNode();
        s.put("prompts", prompts.size());
        s.put("answered", state.answered);
        s.put("interrupted", interrupted);
        s.put("method", options.method());
        s.put("workStealing", options.stealing());
        s.put("overlap", options.overlap());
        s.put("processWarmupSeconds", processWarmupSeconds);
        if (!hostSpeeds.isEmpty()) {
            ObjectNode hp = s.putObject("hostProbe");
            hostSpeeds.forEach((shape, h) -> {
                ObjectNode o = hp.putObject(shape);
                o.put("secondsPerTokenNow", h.secondsPerTokenNow());
                ObjectNode ms = o.putObject("models");
                h.scale().forEach((id, k) -> {
                    ObjectNode m = ms.putObject(id);
                    m.put("profiledSecondsPerToken", h.profiledSecondsPerToken().get(id));
                    m.put("scale", k);
                });
            });
            if (unscaledExpertPrediction != null) {
                ObjectNode u = hp.putObject("unscaledPrediction");
                u.put("expertStageSeconds", unscaledExpertPrediction.endSeconds());
                ObjectNode uw = u.putObject("workers");
                for (int w = 0; w < problem.workers().size(); w++) {
                    uw.put(problem.workers().get(w).id(), workerEnd(unscaledExpertPrediction, w, problem));
                }
            }
        }
        ObjectNode a = s.putObject("agreement");
        a.put("extractor", scorer(state).extractor().spec());
        a.put("rule", scorer(state).rule().spec());
        a.put("threshold", scorer(state).rule().threshold());
        stage(s.putObject("expertStage"), predicted1, measured1, problem.jobs().size(), expertStageCpu);
        stage(s.putObject("aggregatorStage"), predicted2, measured2, predicted2 == null ? 0 : predicted2.jobWorker().length,
                aggregatorStageCpu);
        ObjectNode e2e = s.putObject("endToEnd");
        e2e.put("measuredSeconds", end(measured1) + end(measured2));
        e2e.put("predictedSeconds", end(predicted1) + end(predicted2));
        ObjectNode ws = s.putObject("workers");
        for (int w = 0; w < problem.workers().size(); w++) {
            ObjectNode o = ws.putObject(problem.workers().get(w).id());
            o.put("speed", problem.workers().get(w).speed());
            if (options.overlap()) {
                // stage-2 times count from the end of the expert stage and may be negative for a worker
                // whose aggregations were done before it
                o.put("measuredSeconds", Math.max(workerEnd(measured1, w, problem), end(measured1) + workerEnd(measured2, w, problem)));
                o.put("predictedSeconds", Math.max(workerEnd(predicted1, w, problem), end(predicted1) + workerEnd(predicted2, w, problem)));
            } else {
                o.put("measuredSeconds", workerEnd(measured1, w, problem) + workerEnd(measured2, w, problem));
                o.put("predictedSeconds", workerEnd(predicted1, w, problem) + workerEnd(predicted2, w, problem));
            }
            o.put("expertStageMeasuredSeconds", workerEnd(measured1, w, problem));
            o.put("expertStagePredictedSeconds", workerEnd(predicted1, w, problem));
            o.put("aggregatorStageMeasuredSeconds", Math.max(0, workerEnd(measured2, w, problem)));
            o.put("aggregatorStagePredictedSeconds", Math.max(0, workerEnd(predicted2, w, problem)));
        }
        int decided = 0;
        for (int q = 0; q < prompts.size(); q++) {
            decided += state.aggregate[q] ? 1 : 0;
        }
        decided += state.bypassedCount;
        s.put("bypassed", state.bypassedCount);
        s.put("bypassRate", decided == 0 ? 0 : state.bypassedCount / (double) decided);
        accuracy(s, prompts, answers, state);
        var lw = s.putArray("lostWorkers");
        lostWorkers.forEach(lw::add);
        AtomicFiles.write(stageDir.resolve("summary.json"), JSON.writeValueAsBytes(s));
    }

    private static AgreementScorer scorer(ExpertStageState s) {
        return s.scorer;
    }

    /** Accuracy of the final answers over the labelled prompts answered in this run, overall and per category. */
    private static void accuracy(ObjectNode s, List<RunPrompt> prompts, ExtractedAnswers answers, ExpertStageState state) {
        Map<String, int[]> byCat = new TreeMap<>();
        int[] all = new int[2];
        synchronized (state) {
            for (int q = 0; q < prompts.size(); q++) {
                if (!state.done[q] || answers.truth(q) == Answers.ABSTAIN) {
                    continue;
                }
                boolean ok = state.finalId[q] != Answers.ABSTAIN && state.finalId[q] == answers.truth(q);
                all[0] += ok ? 1 : 0;
                all[1]++;
                String cat = prompts.get(q).category() == null ? "all" : prompts.get(q).category();
                int[] c = byCat.computeIfAbsent(cat, k -> new int[2]);
                c[0] += ok ? 1 : 0;
                c[1]++;
            }
        }
        if (all[1] == 0) {
            return;
        }
        ObjectNode acc = s.putObject("accuracy");
        acc.put("labelled", all[1]);
        acc.put("correct", all[0]);
        acc.put("accuracy", all[0] / (double) all[1]);
        ObjectNode per = acc.putObject("byCategory");
        byCat.forEach((k, v) -> {
            ObjectNode o = per.putObject(k);
            o.put("labelled", v[1]);
            o.put("accuracy", v[0] / (double) v[1]);
        });
    }

    private static void stage(ObjectNode o, StageResult predicted, StageResult measured, int jobs, ProcessCpu.Usage cpu) {
        o.put("jobs", jobs);
        o.put("measuredSeconds", end(measured));
        o.put("predictedSeconds", end(predicted));
        if (measured != null) {
            o.put("stolenJobs", measured.stolenJobs());
        }
        if (measured != null && cpu != null) {
            ObjectNode c = o.putObject("cpu");
            c.put("processSeconds", cpu.processSeconds());
            c.put("jitSeconds", cpu.jitSeconds());
            c.put("gcSeconds", cpu.gcSeconds());
        }
    }

    private static ProcessCpu.Usage usageSince(ProcessCpu before) {
        ProcessCpu now = before == null ? null : ProcessCpu.now();
        return now == null ? null : now.since(before);
    }

    private static double end(StageResult r) {
        return r == null ? 0 : r.endSeconds();
    }

    /** The end of worker w (of the expert-stage problem) in r, found by id: a later stage may lack lost workers. */
    private static double workerEnd(StageResult r, int w, Problem problem) {
        if (r == null) {
            return 0;
        }
        int i = r.timeline().workers().indexOf(problem.workers().get(w).id());
        return i < 0 ? 0 : r.workerEndSeconds()[i];
    }

    private void writeExtras(Problem problem, Plan plan1, AggregatorStage stage2, Plan plan2, StageResult predicted1,
                             StageResult measured1, StageResult replay1, StageResult predicted2, StageResult measured2)
            throws IOException {
        ObjectNode plans = JSON.createObjectNode();
        plans.set("expertStage", JSON.readTree(PlanIo.toJson(plan1)));
        if (plan2 != null) {
            plans.set("aggregatorStage", JSON.readTree(PlanIo.toJson(plan2)));
        }
        AtomicFiles.write(stageDir.resolve("plan.json"), JSON.writeValueAsBytes(plans));
        Timeline measured = shiftConcat(measured1.timeline(), measured2 == null ? null : measured2.timeline(), measured1.endSeconds());
        Timeline predicted = shiftConcat(predicted1.timeline(), predicted2 == null ? null : predicted2.timeline(),
                predicted1.endSeconds());
        ObjectNode tl = JSON.createObjectNode();
        tl.set("measured", timelineJson(measured));
        tl.set("predicted", timelineJson(predicted));
        AtomicFiles.write(stageDir.resolve("timeline.json"), JSON.writeValueAsBytes(tl));
        RunReport.write(stageDir.resolve("index.html"), measured, measured1.endSeconds(), predicted, predicted1.endSeconds(),
                replay1, measured1, predicted1, predicted2, measured2, config.aggregator().id());
    }

    static ObjectNode timelineJson(Timeline t) {
        ObjectNode n = JSON.createObjectNode();
        n.set("workers", JSON.valueToTree(t.workers()));
        n.set("spans", JSON.valueToTree(t.spans()));
        return n;
    }

    /** {@code a} followed by {@code b} shifted to start at {@code offset}. */
    static Timeline shiftConcat(Timeline a, Timeline b, double offset) {
        if (b == null) {
            return a;
        }
        List<Timeline.Span> spans = new ArrayList<>(a.spans());
        for (Timeline.Span s : b.spans()) {
            spans.add(new Timeline.Span(s.worker(), s.stage(), s.kind(), s.model(), s.prompt(), s.startSeconds() + offset,
                    s.endSeconds() + offset));
        }
        return new Timeline(a.workers(), spans);
    }
}
