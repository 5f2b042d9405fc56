package dev.mosaic.scheduler.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AgreementRulesTest {

    static final int A = Answers.ABSTAIN;

    static AgreementRule.Agreement score(String spec, int... answers) {
        return AgreementRules.parse(spec).score(answers.length, answers, new int[answers.length], new double[answers.length]);
    }

    @Test
    void specsRoundTrip() {
        for (String spec : new String[] {"unanimity", "plurality:0.67", "beta:0.9", "weighted:0.5", "plurality:never", "beta:1"}) {
            assertEquals(spec, AgreementRules.parse(spec).spec());
        }
        assertEquals("plurality:0.8", AgreementRules.parse("plurality:0.5").withThreshold(0.8).spec());
        assertEquals("weighted:never", AgreementRules.parse("weighted:0.5").withThreshold(ThresholdCalibrator.NEVER).spec());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "majority", "plurality", "plurality:", "plurality:abc", "beta:1.5", "weighted:-0.1", "plurality:NaN"})
    void badSpecsNameTheSpec(String spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgreementRules.parse(spec));
        assertTrue(e.getMessage().contains("'" + spec + "'"), e.getMessage());
    }

    @Test
    void abstentionsNeverCountAsAgreement() {
        assertEquals(new AgreementRule.Agreement(A, 0.0), score("unanimity", A, A, A));
        assertEquals(0.0, score("unanimity", 2, 2, A).score());
        assertEquals(2 / 3.0, score("plurality:0.5", 2, A, 2).score(), 1e-15);
        assertEquals(1.0, score("unanimity", 4, 4, 4).score());
        AgreementRule r = AgreementRules.parse("plurality:0");
        AgreementRule.Agreement none = score("plurality:0", A, A);
        assertFalse(r.bypasses(none), "every expert abstained: no bypass even at threshold 0");
        assertEquals(0.0, score("beta:0.5", A, A, A).score());
        assertEquals(0.0, score("weighted:0.5", A, A).score());
    }

    @Test
    void tiesGoToTheAnswerVotedFirst() {
        assertEquals(7, score("plurality:0.5", 7, 3, 3, 7).answer());
        assertEquals(3, score("plurality:0.5", 3, 7, 7, 3).answer());
    }

    @Test
    void betaScoresMatchTheIssuesExampleAndNumericIntegration() {
        assertEquals(0.9375, score("beta:0.9", 1, 1, 1).score(), 1e-15);
        assertEquals(11 / 16.0, score("beta:0.9", 1, 1, 2).score(), 1e-15);
        SplittableRandom rnd = new SplittableRandom(42);
        for (int trial = 0; trial < 60; trial++) {
            int v1 = 1 + rnd.nextInt(25);
            int v2 = rnd.nextInt(v1 + 1);
            double reference = posteriorAboveHalf(v1 + 1, v2 + 1);
            assertEquals(reference, AgreementRules.betaScore(v1, v2), 1e-9, "v1 " + v1 + " v2 " + v2);
        }
    }

    /** P(p > 1/2) under Beta(a, b) by composite Simpson integration of the unnormalised density. */
    static double posteriorAboveHalf(int a, int b) {
        return simpson(a, b, 0.5, 1.0) / simpson(a, b, 0.0, 1.0);
    }

    static double simpson(int a, int b, double lo, double hi) {
        int n = 20000;
        double h = (hi - lo) / n;
        double s = 0;
        for (int i = 0; i <= n; i++) {
            double x = lo + i * h;
            double f = Math.pow(x, a - 1) * Math.pow(1 - x, b - 1);
            s += (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2) * f;
        }
        return s * h / 3;
    }

    @Test
    void weightedVotesMultiplyReliabilityBySpanConfidence() {
        AgreementRules.Weighted w = ((AgreementRules.Weighted) AgreementRules.parse("weighted:0.6")).withReliability(new double[] {2.0, 1.0, 0.5});
        int[] answers = {5, 6, 6};
        int[] experts = {0, 1, 2};
        double[] lp = {Math.log(0.9), Math.log(0.5), Double.NaN};
        AgreementRule.Agreement g = w.score(3, answers, experts, lp);
        double w0 = 2.0 * 0.9;
        double w1 = 1.0 * 0.5;
        double w2 = 0.5;
        assertEquals(5, g.answer());
        assertEquals(w0 / (w0 + w1 + w2), g.score(), 1e-12);
        // an abstaining expert weighs its reliability against agreement
        AgreementRule.Agreement h = w.score(3, new int[] {5, 5, A}, experts, lp);
        assertEquals((w0 + 1.0 * 0.5) / (w0 + 0.5 + 0.5), h.score(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> w.score(1, new int[] {1}, new int[] {3}, new double[] {0}));
    }

    @Test
    void gridsAreStrictestFirst() {
        for (String spec : new String[] {"unanimity", "plurality:0.5", "beta:0.9", "weighted:0.5"}) {
            double[] g = AgreementRules.parse(spec).thresholdGrid();
            for (int i = 1; i < g.length; i++) {
                assertTrue(g[i] < g[i - 1], spec);
            }
        }
    }
}
