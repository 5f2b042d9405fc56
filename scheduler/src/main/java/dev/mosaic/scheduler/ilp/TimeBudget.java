package dev.mosaic.scheduler.ilp;

/**
 * How {@link PlacementIlp} divides its time limit among the steps of its portfolio. Fractions
 * are of the whole limit ({@code heuristics}) or of what is left when the step starts (the
 * others), so a step that finishes early leaves its time to the next. Immutable and thread-safe.
 *
 * @param heuristics local search on the heuristic incumbents (warm start, split-fit), a fraction
 *                   of the whole limit
 * @param placementSearch the max-flow placement search and its packing, a fraction of what is left
 * @param mip HiGHS, a fraction of what is left; the rest packs and improves its solution
 * @param minPackingSeconds local search after HiGHS always gets at least this long, even past the
 *                          limit (the MIP solution is worth realising)
 */
public record TimeBudget(double heuristics, double placementSearch, double mip, double minPackingSeconds) {

    /** 10% heuristics, 35% of the rest placement search, 85% of the rest HiGHS, packing >= 0.2 s. */
    public static final TimeBudget DEFAULT = new TimeBudget(0.10, 0.35, 0.85, 0.2);

    public TimeBudget {
        check("heuristics", heuristics);
        check("placementSearch", placementSearch);
        check("mip", mip);
        if (!(minPackingSeconds >= 0) || Double.isInfinite(minPackingSeconds)) {
            throw new IllegalArgumentException("minPackingSeconds: must be a finite number >= 0, got " + minPackingSeconds);
        }
    }

    private static void check(String name, double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException(name + ": must be a fraction in (0, 1], got " + fraction);
        }
    }

    /** {@code fraction} of the nanoseconds from {@code now} to {@code deadline} (none if past), added to {@code now}. */
    static long share(long now, long deadline, double fraction) {
        return now + (long) (fraction * Math.max(0, deadline - now));
    }
}
