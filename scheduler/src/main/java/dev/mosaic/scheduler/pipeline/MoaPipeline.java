package dev.mosaic.scheduler.pipeline;

import dev.mosaic.scheduler.execution.StageResult;
import dev.mosaic.scheduler.aggregation.AggregatorStage;
import dev.mosaic.scheduler.aggregation.AgreementRule;
import dev.mosaic.scheduler.aggregation.Answers;
import dev.mosaic.scheduler.aggregation.BypassEvaluation;
import dev.mosaic.scheduler.aggregation.Votes;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.sim.OutputNoise;
import dev.mosaic.scheduler.sim.Simulator;
import dev.mosaic.scheduler.execution.Timeline;

/**
 * Both MoA stages in simulation: the expert stage executes a given plan; the prompts that do
 * not bypass then go through the aggregator, placed and balanced by a planner on the derived
 * stage-2 problem ({@link AggregatorStage}).
 *
 * <p>Stage 2 starts either after a barrier (the paper: every worker waits for the last expert
 * job, then loads the aggregator) or, with {@code overlap}, on each worker as soon as its own
 * expert work is done, each aggregation job being released when the last expert answer of its
 * prompt exists. The stage-2 plan is made with profiled lengths and the known bypass decisions;
 * execution uses the actual (noisy) lengths.
 *
 * <p>Stateless (static methods only); thread-safe: each call simulates on its own state.
 */
public final class MoaPipeline {

    /**
     * How to execute.
     *
     * <p>Immutable; thread-safe.
     *
     * @param noiseSigma lognormal sigma of actual vs profiled output lengths (0: as profiled). It is
     *                   applied twice: once per model (a systematic profiling error: this expert
     *                   writes longer than profiled on every prompt) and once per job; each factor
     *                   has mean 1 (see {@link OutputNoise})
     * @param noiseSeed seed of the noise (the same for every plan, so plans see the same lengths)
     */
    public record Config(double noiseSigma, long noiseSeed, boolean workStealing, boolean overlap) {
        public Config {
            if (!(noiseSigma >= 0) || Double.isInfinite(noiseSigma)) {
                throw new IllegalArgumentException("noise sigma must be a finite number >= 0, got " + noiseSigma);
            }
        }
    }

    /**
     * One simulated run of both stages. Times in seconds from the start; the aggregator stage is
     * the time after the expert stage ends.
     *
     * <p>Immutable by convention: the arrays are shared, not copied; do not change them.
     */
    public record Run(Plan expertPlan, Plan aggregatorPlan, StageResult expertStage, StageResult aggregatorStage,
                      Timeline timeline, double[] actualExpertOutTokens, int aggregatedPrompts,
                      double expertStageSeconds, double aggregatorStageSeconds, double endToEndSeconds) {

        public int stolenJobs() {
            return expertStage.stolenJobs() + (aggregatorStage == null ? 0 : aggregatorStage.stolenJobs());
        }
    }

    private MoaPipeline() {}

    /**
     * Runs both stages, each prompt bypassing the aggregator when {@code rule} says its experts'
     * {@code answers} agree (the decision the runtime makes when the prompt's last expert
     * finishes; in simulation the answers do not depend on timing, so it is made up front).
     */
    public static Run run(Problem problem, Plan expertPlan, Answers answers, AgreementRule rule, double[] aggregatorOutTokens,
                          Planner aggregatorPlanner, Config config) {
        if (answers.prompts() != problem.prompts().size() || answers.jobs() != problem.jobs().size()) {
            throw new IllegalArgumentException("answers cover " + answers.prompts() + " prompts / " + answers.jobs()
                    + " jobs, the problem " + problem.prompts().size() + " / " + problem.jobs().size());
        }
        return run(problem, expertPlan, aggregateMask(answers, rule), aggregatorOutTokens, aggregatorPlanner, config);
    }

    /** Which prompts go through the aggregator under {@code rule}: those that do not bypass. */
    public static boolean[] aggregateMask(Answers answers, AgreementRule rule) {
        boolean[] bypass = BypassEvaluation.bypassMask(Votes.scored(answers, rule), rule.threshold());
        boolean[] aggregate = new boolean[bypass.length];
        for (int q = 0; q < bypass.length; q++) {
            aggregate[q] = !bypass[q];
        }
        return aggregate;
    }

    /**
     * Runs both stages.
     *
     * @param aggregate which prompts go through the aggregator (the others bypass it)
     * @param aggregatorOutTokens the aggregator's profiled output length per prompt
     * @param aggregatorPlanner places and assigns the aggregator stage
     */
    public static Run run(Problem problem, Plan expertPlan, boolean[] aggregate, double[] aggregatorOutTokens,
                          Planner aggregatorPlanner, Config config) {
        Simulator stage1 = Simulator.of(problem, expertPlan);
        JobTable jobs = stage1.jobs();
        int np = problem.prompts().size();
        // Separate, fixed noise streams for expert jobs and aggregator jobs (indexed by original prompt).
        double[] jobNoise = OutputNoise.multipliers(jobs.size(), config.noiseSigma(), config.noiseSeed());
        double[] expertBias = OutputNoise.multipliers(problem.experts().size(), config.noiseSigma(), config.noiseSeed() ^ 0xB1A5L);
        for (int j = 0; j < jobNoise.length; j++) {
            jobNoise[j] *= expertBias[jobs.expert()[j]];
        }
        double[] actualOut = OutputNoise.apply(jobs.outTokens(), jobNoise);
        double[] aggNoise = OutputNoise.multipliers(np, config.noiseSigma(), config.noiseSeed() ^ 0x2A66L);
        double aggregatorBias = OutputNoise.multipliers(1, config.noiseSigma(), config.noiseSeed() ^ 0xA66B1A5L)[0];
        for (int q = 0; q < np; q++) {
            aggNoise[q] *= aggregatorBias;
        }
        StageResult r1 = stage1.run(new Simulator.Conditions(Timeline.Stage.EXPERT, null, null, actualOut, null, config.workStealing()));
        double expertEnd = r1.endSeconds();

        AggregatorStage stage = AggregatorStage.derive(problem, aggregate, jobs.outTokens(), aggregatorOutTokens);
        int n2 = stage.originalPrompt().length;
        if (n2 == 0) {
            return new Run(expertPlan, null, r1, null, r1.timeline(), actualOut, 0, expertEnd, 0, expertEnd);
        }
        Plan plan2 = aggregatorPlanner.plan(stage.problem());
        PlanEvaluator.evaluate(stage.problem(), plan2).requireValid();
        Simulator sim2 = Simulator.of(stage.problem(), plan2);
        double[] lastAnswer = new double[np];
        for (int j = 0; j < jobs.size(); j++) {
            lastAnswer[jobs.prompt()[j]] = Math.max(lastAnswer[jobs.prompt()[j]], r1.jobEndSeconds()[j]);
        }
        // Stage-2 jobs follow stage-2 prompt order (one job per prompt).
        double[] release = new double[n2];
        double[] actualAggOut = new double[n2];
        for (int i = 0; i < n2; i++) {
            int q = stage.originalPrompt()[i];
            release[i] = config.overlap() ? lastAnswer[q] : expertEnd;
            actualAggOut[i] = aggregatorOutTokens[q] * aggNoise[q];
        }
        int nw = problem.workers().size();
        double[] workerStart = new double[nw];
        for (int w = 0; w < nw; w++) {
            workerStart[w] = config.overlap() ? r1.workerEndSeconds()[w] : expertEnd;
        }
        StageResult r2 = sim2.run(new Simulator.Conditions(Timeline.Stage.AGGREGATOR, workerStart, release, actualAggOut,
                stage.promptTokens(problem, actualOut), config.workStealing()));
        double end = Math.max(expertEnd, r2.endSeconds());
        return new Run(expertPlan, plan2, r1, r2, r1.timeline().concat(r2.timeline()), actualOut, n2, expertEnd, end - expertEnd, end);
    }
}
