package dev.mosaic.scheduler.sim;

import java.util.SplittableRandom;

/**
 * Deviation of actual output lengths from the profiled ones: each job's length is multiplied by
 * {@code exp(sigma * Z - sigma^2 / 2)} with {@code Z} standard normal, a lognormal factor whose
 * mean is 1, so the profile stays unbiased on average while single jobs run longer or shorter.
 * The factors depend only on the seed and the job index, so every plan of the same problem sees
 * the same actual lengths.
 *
 * <p>Stateless (static methods only); thread-safe.
 */
public final class OutputNoise {

    private OutputNoise() {}

    /** {@code n} multipliers for noise level {@code sigma} (0 gives all ones). */
    public static double[] multipliers(int n, double sigma, long seed) {
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("noise sigma must be a finite number >= 0, got " + sigma);
        }
        double[] m = new double[n];
        if (sigma == 0) {
            java.util.Arrays.fill(m, 1.0);
            return m;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        double shift = sigma * sigma / 2;
        for (int i = 0; i < n; i++) {
            m[i] = Math.exp(sigma * rnd.nextGaussian() - shift);
        }
        return m;
    }

    /** Applies {@code multipliers} to {@code profiled} lengths. */
    public static double[] apply(double[] profiled, double[] multipliers) {
        if (profiled.length != multipliers.length) {
            throw new IllegalArgumentException("lengths " + profiled.length + " and multipliers " + multipliers.length + " differ");
        }
        double[] out = new double[profiled.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = profiled[i] * multipliers[i];
        }
        return out;
    }
}
