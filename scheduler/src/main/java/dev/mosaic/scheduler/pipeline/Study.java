package dev.mosaic.scheduler.pipeline;

import dev.mosaic.scheduler.aggregation.AgreementRule;
import dev.mosaic.scheduler.aggregation.AgreementRules;
import dev.mosaic.scheduler.aggregation.BypassEvaluation;
import dev.mosaic.scheduler.aggregation.ExpertReliability;
import dev.mosaic.scheduler.aggregation.Split;
import dev.mosaic.scheduler.aggregation.ThresholdCalibrator;
import dev.mosaic.scheduler.aggregation.Votes;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.workload.SimulatedAnswers;
import dev.mosaic.scheduler.workload.Workload;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The paper's evaluation of one workload, and the variants the reviewers asked for: the
 * baseline (round-robin placement, every prompt aggregated on the baseline's stage-2 plan)
 * against ours (our planner for both stages, calibrated confidence-aware bypass), each without
 * and with noise on the output lengths, ours also with work stealing and with overlapped stages.
 *
 * <p>Stateless (static methods only); thread-safe.
 */
public final class Study {

    /**
     * <p>Immutable; thread-safe.
     *
     * @param noiseSigma lognormal sigma of the noisy runs (0: no noisy runs)
     * @param seed seed of the noise and of the calibration split
     * @param calibrationFraction share of prompts in the labelled calibration split
     * @param budget accuracy-loss budget of the threshold calibration (fraction; 0.001 = 0.1 pp)
     * @param confidenceAware weight votes by calibrated expert reliability (rule {@code weighted}),
     *                        else the plain plurality share (rule {@code plurality})
     * @param confidence confidence with which the calibrated loss stays within budget
     *                   ({@link ThresholdCalibrator#calibrate}: Learn-then-Test)
     */
    public record Settings(double noiseSigma, long seed, double calibrationFraction, double budget, boolean confidenceAware,
                           double confidence) {
        public Settings {
            if (!(confidence > 0 && confidence < 1)) {
                throw new IllegalArgumentException("calibration confidence must be in (0, 1), got " + confidence);
            }
        }

        /** Settings with the default 95% calibration confidence. */
        public Settings(double noiseSigma, long seed, double calibrationFraction, double budget, boolean confidenceAware) {
            this(noiseSigma, seed, calibrationFraction, budget, confidenceAware, ThresholdCalibrator.DEFAULT_CONFIDENCE);
        }

        /**
         * Noise 0.3, seed 1, 30% calibration, budget {@link #DEFAULT_BUDGET} at 95%, weighted votes.
         */
        public static Settings defaults() {
            return new Settings(0.3, 1, 0.3, DEFAULT_BUDGET, true);
        }

        public Settings withNoiseSigma(double s) {
            return new Settings(s, seed, calibrationFraction, budget, confidenceAware, confidence);
        }
    }

    /**
     * Default accuracy-loss budget of the study: 2 pp at 95% confidence. A budget must be one the
     * labelled split can certify: with the demo's 300 calibration prompts the exact binomial
     * bound ({@link dev.mosaic.scheduler.aggregation.LossBound}) cannot go below about 1.5 pp
     * even when no bypass changes an answer, so a 0.1 pp budget held with confidence bypasses
     * nothing (it needs several thousand labelled prompts).
     */
    public static final double DEFAULT_BUDGET = 0.02;

    /** A simulated configuration: which plans, which noise, stealing and overlap. Immutable; thread-safe. */
    public record Scenario(String name, boolean baseline, double noiseSigma, boolean stealing, boolean overlap) {}

    /**
     * End-to-end and expert-stage times at one noise level (barrier between stages), each the
     * mean over {@link #SWEEP_SEEDS} noise seeds: the baseline, ours with the static plan, ours
     * with work stealing.
     *
     * <p>Immutable; thread-safe.
     */
    public record NoisePoint(double sigma, double baselineExpertSeconds, double oursExpertSeconds, double stealingExpertSeconds,
                             double baselineEndToEndSeconds, double oursEndToEndSeconds, double stealingEndToEndSeconds) {}

    /** Noise levels of the sensitivity sweep. */
    public static final List<Double> SWEEP = List.of(0.0, 0.25, 0.5, 1.0);

    /** Noise seeds averaged at each sweep level (the per-model factor makes one draw matter). */
    public static final int SWEEP_SEEDS = 5;

    /** Mean expert output tokens per question at one agreement level (Fig. 7). Immutable; thread-safe. */
    public record AgreementLevel(String level, double share, int questions, double meanOutTokens) {}

    /**
     * Everything measured on a workload.
     *
     * @param plainHeldOut the same evaluation with unweighted votes (to show what weighting buys)
     * @param rule the calibrated agreement rule the adaptive runs bypass with
     * @param empiricalCalibration the earlier empirical calibration rule on the same split, for comparison
     * @param empiricalHeldOut its held-out evaluation
     */
    public record Result(Workload workload, String baselineMethod, String oursMethod, Plan baselinePlan, Plan oursPlan,
                         double baselineMakespan, double oursMakespan, ThresholdCalibrator.Calibration calibration,
                         BypassEvaluation heldOut, BypassEvaluation plainHeldOut, double skipRate,
                         List<AgreementLevel> agreementLevels, Map<String, Scenario> scenarios,
                         Map<String, MoaPipeline.Run> runs, List<NoisePoint> noiseSweep, AgreementRule rule,
                         ThresholdCalibrator.Calibration empiricalCalibration, BypassEvaluation empiricalHeldOut) {

        /** The baseline run with the same noise as {@code scenario}. */
        public MoaPipeline.Run baselineFor(String scenario) {
            double noise = scenarios.get(scenario).noiseSigma();
            for (Scenario s : scenarios.values()) {
                if (s.baseline() && s.noiseSigma() == noise) {
                    return runs.get(s.name());
                }
            }
            throw new IllegalStateException("no baseline run with noise " + noise);
        }
    }

    private Study() {}

    /** The scenarios run for {@code settings}, baseline first at each noise level. */
    public static List<Scenario> scenarios(Settings settings) {
        List<Scenario> out = new ArrayList<>();
        List<Double> levels = settings.noiseSigma() > 0 ? List.of(0.0, settings.noiseSigma()) : List.of(0.0);
        for (double noise : levels) {
            String suffix = noise > 0 ? "+noise" : "";
            out.add(new Scenario("round-robin" + suffix, true, noise, false, false));
            out.add(new Scenario("mosaic" + suffix, false, noise, false, false));
            out.add(new Scenario("mosaic" + suffix + "+steal", false, noise, true, false));
            out.add(new Scenario("mosaic" + suffix + "+overlap", false, noise, false, true));
            out.add(new Scenario("mosaic" + suffix + "+steal+overlap", false, noise, true, true));
        }
        return out;
    }

    /**
     * Runs every scenario on {@code workload}.
     *
     * @param progress told the name of each step before it runs (e.g. to draw a progress bar)
     */
    public static Result run(Workload workload, Planner baseline, Planner ours, Settings settings, Consumer<String> progress) {
        Problem problem = workload.problem();
        progress.accept(workload.name() + ": answers and calibration");
        SimulatedAnswers answers = workload.answerModel().simulate(problem);
        Split split = Split.of(problem.prompts().size(), settings.calibrationFraction(), settings.seed());
        AgreementRule plainRule = AgreementRules.parse("plurality:1");
        AgreementRule rule = settings.confidenceAware()
                ? ((AgreementRules.Weighted) AgreementRules.parse("weighted:1"))
                        .withReliability(ExpertReliability.calibrate(answers, problem.experts().size(), split.calibration()))
                : plainRule;
        Votes votes = Votes.scored(answers, rule);
        Votes plainVotes = Votes.scored(answers, plainRule);
        ThresholdCalibrator.Calibration cal = ThresholdCalibrator.calibrate(answers, rule, split.calibration(), settings.budget(),
                settings.confidence());
        rule = rule.withThreshold(cal.tau());
        BypassEvaluation heldOut = BypassEvaluation.evaluate(answers, votes, cal.tau(), split.heldOut(), settings.confidence());
        ThresholdCalibrator.Calibration plainCal = ThresholdCalibrator.calibrate(answers, plainRule, split.calibration(),
                settings.budget(), settings.confidence());
        BypassEvaluation plainHeldOut = BypassEvaluation.evaluate(answers, plainVotes, plainCal.tau(), split.heldOut(), settings.confidence());
        ThresholdCalibrator.Calibration empirical = ThresholdCalibrator.empirical(answers, votes, split.calibration(), settings.budget(),
                ThresholdCalibrator.DEFAULT_STEP, ThresholdCalibrator.DEFAULT_Z);
        BypassEvaluation empiricalHeldOut = BypassEvaluation.evaluate(answers, votes, empirical.tau(), split.heldOut(), settings.confidence());
        boolean[] adaptive = MoaPipeline.aggregateMask(answers, rule);
        boolean[] always = new boolean[adaptive.length];
        int skipped = 0;
        for (int q = 0; q < adaptive.length; q++) {
            always[q] = true;
            skipped += adaptive[q] ? 0 : 1;
        }

        progress.accept(workload.name() + ": planning with " + baseline.name());
        Plan basePlan = baseline.plan(problem);
        progress.accept(workload.name() + ": planning with " + ours.name());
        Plan oursPlan = ours.plan(problem);
        double baseMakespan = PlanEvaluator.evaluate(problem, basePlan).requireValid().makespanSeconds();
        double oursMakespan = PlanEvaluator.evaluate(problem, oursPlan).requireValid().makespanSeconds();

        double[] aggOut = workload.aggregatorOutTokens();
        Planner baseStage2 = caching(baseline);
        Planner oursStage2 = caching(ours);
        Map<String, Scenario> scenarios = new LinkedHashMap<>();
        Map<String, MoaPipeline.Run> runs = new LinkedHashMap<>();
        for (Scenario s : scenarios(settings)) {
            progress.accept(workload.name() + ": simulating " + s.name());
            MoaPipeline.Config config = new MoaPipeline.Config(s.noiseSigma(), settings.seed(), s.stealing(), s.overlap());
            MoaPipeline.Run r = s.baseline()
                    ? MoaPipeline.run(problem, basePlan, always, aggOut, baseStage2, config)
                    : MoaPipeline.run(problem, oursPlan, answers, rule, aggOut, oursStage2, config);
            scenarios.put(s.name(), s);
            runs.put(s.name(), r);
        }
        progress.accept(workload.name() + ": noise sweep");
        List<NoisePoint> sweep = new ArrayList<>();
        for (double sigma : SWEEP) {
            double[] sum = new double[6];
            int seeds = sigma == 0 ? 1 : SWEEP_SEEDS;
            for (int k = 0; k < seeds; k++) {
                long seed = settings.seed() + k;
                MoaPipeline.Run b = MoaPipeline.run(problem, basePlan, always, aggOut, baseStage2, new MoaPipeline.Config(sigma, seed, false, false));
                MoaPipeline.Run o = MoaPipeline.run(problem, oursPlan, adaptive, aggOut, oursStage2, new MoaPipeline.Config(sigma, seed, false, false));
                MoaPipeline.Run st = MoaPipeline.run(problem, oursPlan, adaptive, aggOut, oursStage2, new MoaPipeline.Config(sigma, seed, true, false));
                double[] x = {b.expertStageSeconds(), o.expertStageSeconds(), st.expertStageSeconds(), b.endToEndSeconds(), o.endToEndSeconds(),
                    st.endToEndSeconds()};
                for (int i = 0; i < 6; i++) {
                    sum[i] += x[i] / seeds;
                }
            }
            sweep.add(new NoisePoint(sigma, sum[0], sum[1], sum[2], sum[3], sum[4], sum[5]));
        }
        return new Result(workload, baseline.name(), ours.name(), basePlan, oursPlan, baseMakespan, oursMakespan, cal, heldOut,
                plainHeldOut, skipped / (double) Math.max(1, adaptive.length), agreementLevels(answers, plainVotes, problem.jobs().outTokens()),
                scenarios, runs, List.copyOf(sweep), rule, empirical, empiricalHeldOut);
    }

    /** Mean output tokens per expert answer, grouped by how many of a question's experts agree. */
    public static List<AgreementLevel> agreementLevels(dev.mosaic.scheduler.aggregation.Answers a, Votes plain, double[] outTokens) {
        int[] starts = a.promptJobStarts();
        Map<Double, double[]> byShare = new TreeMap<>();
        Map<Double, String> names = new HashMap<>();
        for (int q = 0; q < a.prompts(); q++) {
            int k = starts[q + 1] - starts[q];
            if (k == 0) {
                continue;
            }
            long agree = Math.round(plain.plainShare()[q] * k);
            double share = agree / (double) k;
            names.putIfAbsent(share, agree + "/" + k);
            double[] acc = byShare.computeIfAbsent(share, x -> new double[2]);
            double sum = 0;
            for (int j = starts[q]; j < starts[q + 1]; j++) {
                sum += outTokens[j];
            }
            acc[0] += sum / k;
            acc[1]++;
        }
        List<AgreementLevel> out = new ArrayList<>();
        byShare.forEach((share, acc) -> out.add(new AgreementLevel(names.get(share), share, (int) acc[1], acc[0] / acc[1])));
        return out;
    }

    /** The stage-2 problem is the same in every scenario with the same bypass: plan it once. */
    private static Planner caching(Planner p) {
        Map<Problem, Plan> cache = new HashMap<>();
        return new Planner() {
            @Override
            public String name() {
                return p.name();
            }

            @Override
            public Plan plan(Problem problem) {
                return cache.computeIfAbsent(problem, p::plan);
            }
        };
    }
}
