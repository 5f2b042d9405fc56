package dev.mosaic.scheduler.problem;

import java.util.List;

/**
 * A problem file or {@link Problem} that cannot be used: unreadable, not JSON, a missing or
 * malformed field, or an instance that no plan can satisfy. The message names the file (when
 * there is one), the field path and the reason, e.g.
 * {@code experts[2].memoryGiB: must be a finite number >= 0, got NaN}.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class ProblemValidationException extends RuntimeException {

    private final List<String> problems;

    public ProblemValidationException(String message) {
        this(message, List.of(message), null);
    }

    public ProblemValidationException(String message, Throwable cause) {
        this(message, List.of(message), cause);
    }

    /** One exception for several problems; the message lists the first few. */
    public ProblemValidationException(List<String> problems) {
        this(summary(problems), problems, null);
    }

    private ProblemValidationException(String message, List<String> problems, Throwable cause) {
        super(message, cause);
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, one message each (without a file name). */
    public List<String> problems() {
        return problems;
    }

    /** The same problems, with the message prefixed by the file they were read from. */
    public ProblemValidationException inFile(String file) {
        return new ProblemValidationException(file + ": " + getMessage(), problems, getCause());
    }

    private static String summary(List<String> problems) {
        int shown = Math.min(5, problems.size());
        String s = String.join("; ", problems.subList(0, shown));
        return problems.size() > shown ? s + " (and " + (problems.size() - shown) + " more)" : s;
    }
}
