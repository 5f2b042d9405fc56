package dev.mosaic.scheduler.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LossBoundTest {

    @Test
    void clopperPearsonMatchesTheBetaQuantileByNumericIntegration() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 40; trial++) {
            int n = 1 + rnd.nextInt(400);
            int k = rnd.nextInt(n);
            double delta = 0.01 + 0.2 * rnd.nextDouble();
            double u = LossBound.clopperPearsonUpper(k, n, delta);
            // the upper bound is the (1 - delta) quantile of Beta(k + 1, n - k): P(p > u) = delta
            double tail = betaTail(k + 1, n - k, u);
            assertEquals(delta, tail, 1e-6 + 1e-4 * delta, "k " + k + " n " + n);
        }
        assertEquals(1 - Math.pow(0.05, 1 / 300.0), LossBound.clopperPearsonUpper(0, 300, 0.05), 1e-15);
        assertEquals(1.0, LossBound.clopperPearsonUpper(5, 5, 0.05));
    }

    /** P(X > x) for X ~ Beta(a, b) by Simpson integration in log space of the density. */
    static double betaTail(int a, int b, double x) {
        double logNorm = lgammaSum(a + b - 1) - lgammaSum(a - 1) - lgammaSum(b - 1);
        int steps = 200000;
        double h = (1 - x) / steps;
        double s = 0;
        for (int i = 0; i <= steps; i++) {
            double t = x + i * h;
            double f = t >= 1 ? (b == 1 ? Math.exp(logNorm) : 0) : Math.exp(logNorm + (a - 1) * Math.log(t) + (b - 1) * Math.log1p(-t));
            s += (i == 0 || i == steps ? 1 : i % 2 == 1 ? 4 : 2) * f;
        }
        return s * h / 3;
    }

    /** log(m!) by summation (an independent route from the code's recursive binomial terms). */
    static double lgammaSum(int m) {
        double s = 0;
        for (int i = 2; i <= m; i++) {
            s += Math.log(i);
        }
        return s;
    }

    @Test
    void theLossBoundCoversTheTrueLossAtItsConfidence() {
        SplittableRandom rnd = new SplittableRandom(11);
        double pH = 0.03;
        double pG = 0.02; // true loss 1 pp
        int n = 400;
        int trials = 4000;
        int misses = 0;
        for (int t = 0; t < trials; t++) {
            int h = 0;
            int g = 0;
            for (int i = 0; i < n; i++) {
                double u = rnd.nextDouble();
                h += u < pH ? 1 : 0;
                g += u >= pH && u < pH + pG ? 1 : 0;
            }
            misses += LossBound.upper(h, g, n, 0.95) < pH - pG ? 1 : 0;
        }
        assertTrue(misses <= 0.05 * trials, "bound below the true loss in " + misses + " of " + trials);
    }

    @Test
    void gainsThatClearlyOutweighHarmsBoundTheLossAtZero() {
        assertEquals(0.0, LossBound.upper(0, 8, 300, 0.95));
        assertTrue(LossBound.upper(0, 0, 300, 0.95) > 0.01, "no evidence at all: ~4.4/n");
        assertTrue(LossBound.upper(3, 0, 300, 0.95) > LossBound.upper(0, 0, 300, 0.95));
    }
}
