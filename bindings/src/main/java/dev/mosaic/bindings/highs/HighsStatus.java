package dev.mosaic.bindings.highs;

/**
 * Return status of a HiGHS C API call ({@code kHighsStatus*}).
 *
 * <p>Immutable and thread-safe.
 */
public enum HighsStatus {
    ERROR(-1), OK(0), WARNING(1);

    private final int code;

    HighsStatus(int code) {
        this.code = code;
    }

    /** The C constant. */
    public int code() {
        return code;
    }

    /** Maps a C status; an unknown code throws rather than being guessed. */
    public static HighsStatus of(long code) {
        for (HighsStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new HighsException("HiGHS returned an unknown status code " + code);
    }
}
