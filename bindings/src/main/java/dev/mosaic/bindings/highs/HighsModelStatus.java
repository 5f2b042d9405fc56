package dev.mosaic.bindings.highs;

/**
 * Termination status of the model after {@code Highs_run} ({@code kHighsModelStatus*}).
 *
 * <p>Immutable and thread-safe.
 */
public enum HighsModelStatus {
    NOTSET(0), LOAD_ERROR(1), MODEL_ERROR(2), PRESOLVE_ERROR(3), SOLVE_ERROR(4), POSTSOLVE_ERROR(5),
    MODEL_EMPTY(6), OPTIMAL(7), INFEASIBLE(8), UNBOUNDED_OR_INFEASIBLE(9), UNBOUNDED(10),
    OBJECTIVE_BOUND(11), OBJECTIVE_TARGET(12), TIME_LIMIT(13), ITERATION_LIMIT(14), UNKNOWN(15),
    SOLUTION_LIMIT(16), INTERRUPT(17);

    private final int code;

    HighsModelStatus(int code) {
        this.code = code;
    }

    /** The C constant. */
    public int code() {
        return code;
    }

    /** True for the statuses where the solve stopped on a limit rather than finishing. */
    public boolean isLimit() {
        return this == TIME_LIMIT || this == ITERATION_LIMIT || this == SOLUTION_LIMIT || this == INTERRUPT
                || this == OBJECTIVE_BOUND || this == OBJECTIVE_TARGET;
    }

    /** Maps a C model status; unknown codes throw. */
    public static HighsModelStatus of(long code) {
        for (HighsModelStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new HighsException("HiGHS returned an unknown model status code " + code);
    }
}
