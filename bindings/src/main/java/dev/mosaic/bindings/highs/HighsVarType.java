package dev.mosaic.bindings.highs;

/**
 * Integrality of a column ({@code kHighsVarType*}).
 *
 * <p>Immutable and thread-safe.
 */
public enum HighsVarType {
    CONTINUOUS(0), INTEGER(1), SEMI_CONTINUOUS(2), SEMI_INTEGER(3), IMPLICIT_INTEGER(4);

    private final int code;

    HighsVarType(int code) {
        this.code = code;
    }

    /** The C constant. */
    public int code() {
        return code;
    }
}
