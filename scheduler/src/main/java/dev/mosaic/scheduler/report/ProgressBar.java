package dev.mosaic.scheduler.report;

import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * A one-line progress bar on a terminal stream ({@code [#####.....] 5/10 step name}); each
 * {@link #accept(String) step} advances it by one. Call {@link #done()} at the end.
 *
 * <p>Not thread-safe: one thread at a time (confine it to one thread or synchronize).
 */
public final class ProgressBar implements Consumer<String> {

    private static final int WIDTH = 24;
    private final PrintStream out;
    private final int total;
    private int step;
    private int lastLength;

    /** @param out where to draw, or null for a silent bar */
    public ProgressBar(PrintStream out, int totalSteps) {
        this.out = out;
        this.total = Math.max(1, totalSteps);
    }

    /** A bar on stderr when a terminal is attached, else a silent one (no control characters in logs). */
    public static ProgressBar onTerminal(int totalSteps) {
        return new ProgressBar(System.console() != null ? System.err : null, totalSteps);
    }

    @Override
    public void accept(String name) {
        if (out == null) {
            return;
        }
        step = Math.min(total, step + 1);
        int filled = WIDTH * step / total;
        String line = "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + step + "/" + total + " " + name;
        String pad = lastLength > line.length() ? " ".repeat(lastLength - line.length()) : "";
        out.print("\r" + line + pad);
        out.flush();
        lastLength = line.length();
    }

    /** Clears the bar's line. */
    public void done() {
        if (out == null) {
            return;
        }
        out.print("\r" + " ".repeat(lastLength) + "\r");
        out.flush();
    }
}
