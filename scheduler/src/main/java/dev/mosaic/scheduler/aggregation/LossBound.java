package dev.mosaic.scheduler.aggregation;

/**
 * Upper confidence bounds on the accuracy lost by bypassing the aggregator, from exact binomial
 * (Clopper-Pearson) bounds. On {@code n} labelled prompts drawn independently, a bypassed prompt
 * is a <em>harm</em> when the aggregator is right and the experts' top answer wrong, a
 * <em>gain</em> in the reverse case; the true loss is {@code R = pH - pG} (probabilities per
 * prompt). Stateless and thread-safe.
 *
 * <p>{@link #upper} bounds it as {@code R = pD (2 pi - 1)}, with {@code pD = pH + pG} the
 * probability of a decisive bypass and {@code pi = pH / pD} the share of harms among them:
 * {@code pD <= U_D} (Clopper-Pearson upper bound of {@code H + G} out of {@code n} at level
 * {@code delta / 2}) and {@code pi <= U_pi} (Clopper-Pearson upper bound of {@code H} out of
 * {@code H + G}, conditional on {@code H + G}, level {@code delta / 2}) hold together with
 * probability at least {@code 1 - delta} (union bound), and then {@code R <= U_D (2 U_pi - 1)}
 * when {@code U_pi > 1/2}, else {@code R <= 0}. Gains thus offset harms, but only where the
 * split shows it with confidence. With no decisive bypass at all the bound is
 * {@code 1 - (delta / 2)^(1 / n)}, about {@code 4.4 / n} at 95%: certifying a 0.1 pp loss needs
 * several thousand labelled prompts.
 */
public final class LossBound {

    private LossBound() {}

    /**
     * A (1 - {@code delta}) upper confidence bound on the accuracy loss of bypassing, given
     * {@code harms} and {@code gains} among {@code n} labelled prompts (fraction of prompts; may
     * be negative never: 0 is the floor where gains dominate).
     */
    public static double upper(long harms, long gains, long n, double confidence) {
        double delta = delta(confidence);
        if (harms < 0 || gains < 0 || harms + gains > n) {
            throw new IllegalArgumentException("need 0 <= harms + gains <= n, got harms " + harms + ", gains " + gains + ", n " + n);
        }
        if (n == 0) {
            return 1.0;
        }
        long d = harms + gains;
        double uD = clopperPearsonUpper(d, n, delta / 2);
        double uPi = d == 0 ? 1.0 : clopperPearsonUpper(harms, d, delta / 2);
        return uPi > 0.5 ? uD * (2 * uPi - 1) : 0.0;
    }

    /**
     * The one-sided Clopper-Pearson upper bound: the {@code p} with P(Binomial(n, p) &lt;= k) =
     * {@code delta} (1 when {@code k >= n}), i.e. the (1 - delta) quantile of Beta(k + 1, n - k).
     */
    public static double clopperPearsonUpper(long k, long n, double delta) {
        if (k < 0 || n < 0 || k > n) {
            throw new IllegalArgumentException("need 0 <= k <= n, got k " + k + ", n " + n);
        }
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
        }
        if (k == n) {
            return 1.0;
        }
        if (k == 0) {
            return -Math.expm1(Math.log(delta) / n); // closed form 1 - delta^(1/n)
        }
        double lo = k / (double) n;
        double hi = 1.0;
        for (int it = 0; it < 200 && hi - lo > 1e-15; it++) {
            double mid = 0.5 * (lo + hi);
            if (binomialCdf(k, n, mid) > delta) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    /** P(Binomial(n, p) &lt;= k), summed in log space (no underflow for large n). */
    public static double binomialCdf(long k, long n, double p) {
        if (k < 0) {
            return 0.0;
        }
        if (k >= n || p <= 0) {
            return 1.0;
        }
        if (p >= 1) {
            return 0.0;
        }
        double logP = Math.log(p);
        double log1mP = Math.log1p(-p);
        double logTerm = n * log1mP; // k' = 0
        double max = logTerm;
        double[] terms = new double[(int) Math.min(k + 1, Integer.MAX_VALUE - 8)];
        terms[0] = logTerm;
        for (int i = 1; i <= k; i++) {
            logTerm += Math.log((double) (n - i + 1) / i) + logP - log1mP;
            terms[i] = logTerm;
            max = Math.max(max, logTerm);
        }
        double sum = 0;
        for (double t : terms) {
            sum += Math.exp(t - max);
        }
        return Math.min(1.0, Math.exp(max + Math.log(sum)));
    }

    static double delta(double confidence) {
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), e.g. 0.95, got " + confidence);
        }
        return 1 - confidence;
    }
}
