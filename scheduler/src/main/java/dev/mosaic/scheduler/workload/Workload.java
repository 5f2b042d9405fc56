package dev.mosaic.scheduler.workload;

import dev.mosaic.scheduler.problem.Problem;

/**
 * A problem with everything stage 2 needs: the aggregator profile and ground truth live in the
 * problem itself, the answer model next to it (field {@code answerModel} of the same JSON file).
 *
 * <p>Immutable; thread-safe (its problem and answer model are).
 */
public record Workload(String name, Problem problem, AnswerModel answerModel) {

    public Workload {
        if (problem.aggregator() == null) {
            throw new IllegalArgumentException("workload '" + name + "': the problem has no 'aggregator' profile");
        }
        answerModel.validate(problem);
    }

    /** The aggregator's profiled output length per prompt. */
    public double[] aggregatorOutTokens() {
        double[] out = new double[problem.prompts().size()];
        for (int q = 0; q < out.length; q++) {
            out[q] = answerModel.aggregatorOutTokens(problem.prompts().get(q).id());
        }
        return out;
    }
}
