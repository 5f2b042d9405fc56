package dev.mosaic.moa.agreement;

import dev.mosaic.moa.extract.AnswerExtractor;
import dev.mosaic.moa.extract.ExtractedAnswer;
import dev.mosaic.moa.worker.JobOutput;
import dev.mosaic.scheduler.aggregation.AgreementRule;
import java.lang.foreign.MemorySegment;

/**
 * Extraction and agreement for the online bypass decision: reads each finished expert output's
 * answer straight from its (off-heap) bytes, and scores a prompt's answers with the rule as soon
 * as its last expert finished. Immutable and thread-safe (the rule and extractor are).
 */
public final class AgreementScorer {

    /**
     * One job's extracted answer ({@code null}: abstained) and the mean log-prob of its span. Immutable; thread-safe.
     */
    public record Extraction(String answer, double logprob) {}

    /**
     * The decision for one prompt.
     *
     * <p>Immutable; thread-safe.
     *
     * @param answerId the top answer's id, or ABSTAIN
     * @param score the rule's agreement score
     * @param bypass whether the aggregator is skipped
     */
    public record Decision(int answerId, double score, boolean bypass) {}

    private final AnswerExtractor extractor;
    private final AgreementRule rule;

    public AgreementScorer(AnswerExtractor extractor, AgreementRule rule) {
        this.extractor = extractor;
        this.rule = rule;
    }

    public AnswerExtractor extractor() {
        return extractor;
    }

    public AgreementRule rule() {
        return rule;
    }

    /** The same scorer with another rule (e.g. after calibration). */
    public AgreementScorer withRule(AgreementRule r) {
        return new AgreementScorer(extractor, r);
    }

    /** Extracts the answer of one finished job. */
    public Extraction extract(JobOutput out) {
        MemorySegment text = out.utf8();
        ExtractedAnswer a = extractor.extract(text, 0, text.byteSize());
        if (a == null) {
            return new Extraction(null, Double.NaN);
        }
        return new Extraction(a.answer(), out.meanLogprob(a.start(), a.end()));
    }

    /** Scores {@code n} answer ids cast by {@code experts} with span log-probs {@code logprobs}. */
    public Decision decide(int n, int[] answerIds, int[] experts, double[] logprobs) {
        AgreementRule.Agreement ag = rule.score(n, answerIds, experts, logprobs);
        return new Decision(ag.answer(), ag.score(), rule.bypasses(ag));
    }
}
