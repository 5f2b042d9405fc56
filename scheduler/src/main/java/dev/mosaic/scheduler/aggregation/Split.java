package dev.mosaic.scheduler.aggregation;

import java.util.SplittableRandom;

/**
 * A seeded split of prompt indices into a labelled calibration part and a held-out part on
 * which results are reported.
 *
 * <p>Immutable by convention and then thread-safe: the arrays are shared, not copied, so do not change them.
 */
public record Split(int[] calibration, int[] heldOut) {

    /** Puts each prompt into calibration with probability {@code fraction}, else held out. */
    public static Split of(int prompts, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("calibration fraction must be in (0, 1), got " + fraction);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        boolean[] cal = new boolean[prompts];
        int nc = 0;
        for (int q = 0; q < prompts; q++) {
            cal[q] = rnd.nextDouble() < fraction;
            nc += cal[q] ? 1 : 0;
        }
        int[] c = new int[nc];
        int[] h = new int[prompts - nc];
        int ic = 0;
        int ih = 0;
        for (int q = 0; q < prompts; q++) {
            if (cal[q]) {
                c[ic++] = q;
            } else {
                h[ih++] = q;
            }
        }
        return new Split(c, h);
    }
}
