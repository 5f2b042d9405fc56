package dev.mosaic.scheduler.aggregation;

import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The aggregator stage as a scheduling problem of its own, so the stage-1 planners place and
 * balance it: the same workers, one "expert" (the aggregator, which may get a replica on every
 * worker whose memory allows), and one job per prompt that does not bypass. The aggregator reads
 * the question and every expert answer, so its prompt length is the question's plus the experts'
 * output lengths.
 *
 * <p>Immutable by convention and then thread-safe: the array is shared, not copied, so do not change it.
 *
 * @param problem the derived stage-2 problem
 * @param originalPrompt for each stage-2 prompt, the index of its prompt in the original problem
 */
public record AggregatorStage(Problem problem, int[] originalPrompt) {

    /**
     * @param aggregate which prompts of {@code original} go through the aggregator
     * @param expertOutTokens each stage-1 job's output length (profiled for planning, actual for
     *                        execution)
     * @param aggregatorOutTokens the aggregator's output length per original prompt
     */
    public static AggregatorStage derive(Problem original, boolean[] aggregate, double[] expertOutTokens,
                                         double[] aggregatorOutTokens) {
        Expert aggregator = original.aggregator();
        if (aggregator == null) {
            throw new IllegalArgumentException("problem has no 'aggregator' profile: the aggregator stage cannot be planned");
        }
        JobTable jobs = original.jobs();
        if (aggregate.length != original.prompts().size() || aggregatorOutTokens.length != original.prompts().size()
                || expertOutTokens.length != jobs.size()) {
            throw new IllegalArgumentException("aggregator stage inputs do not match the problem's prompts/jobs");
        }
        double[] read = new double[original.prompts().size()];
        for (int j = 0; j < jobs.size(); j++) {
            read[jobs.prompt()[j]] += expertOutTokens[j];
        }
        List<Prompt> prompts = new ArrayList<>();
        int[] orig = new int[original.prompts().size()];
        int n = 0;
        for (int q = 0; q < aggregate.length; q++) {
            if (aggregate[q]) {
                Prompt p = original.prompts().get(q);
                Map<String, Double> route = new LinkedHashMap<>();
                route.put(aggregator.id(), aggregatorOutTokens[q]);
                prompts.add(new Prompt(p.id(), (int) Math.round(p.promptTokens() + read[q]), route, p.answer(), p.category()));
                orig[n++] = q;
            }
        }
        Problem stage2 = new Problem(original.workers(), List.of(aggregator), prompts, null);
        return new AggregatorStage(stage2, java.util.Arrays.copyOf(orig, n));
    }

    /** Stage-2 prompt lengths computed from other (e.g. actual) expert output lengths. */
    public double[] promptTokens(Problem original, double[] expertOutTokens) {
        JobTable jobs = original.jobs();
        double[] read = new double[original.prompts().size()];
        for (int j = 0; j < jobs.size(); j++) {
            read[jobs.prompt()[j]] += expertOutTokens[j];
        }
        double[] out = new double[originalPrompt.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = original.prompts().get(originalPrompt[i]).promptTokens() + read[originalPrompt[i]];
        }
        return out;
    }
}
