package dev.mosaic.scheduler.execution;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What ran where and when: per worker, model loads and jobs with their stage, start and end (in
 * seconds from the start of the run). Produced by the {@link dev.mosaic.scheduler.sim.Simulator}; a measured run on real
 * engines records the same shape, so reports work on either.
 *
 * <p>Immutable (the lists are copied); thread-safe.
 */
public final class Timeline {

    /** The MoA stage a span belongs to. Immutable; thread-safe. */
    public enum Stage { EXPERT, AGGREGATOR }

    /** A model load or a job. Immutable; thread-safe. */
    public enum Kind { LOAD, JOB }

    /**
     * One interval on one worker. {@code model} is the expert (or aggregator) id; {@code prompt} is
     * null for loads.
     *
     * <p>Immutable; thread-safe.
     */
    public record Span(String worker, Stage stage, Kind kind, String model, String prompt,
                       double startSeconds, double endSeconds) {
        public Span {
            if (!(endSeconds >= startSeconds)) {
                throw new IllegalArgumentException("span ends before it starts: " + startSeconds + " > " + endSeconds);
            }
        }

        public double durationSeconds() {
            return endSeconds - startSeconds;
        }
    }

    private final List<String> workers;
    private final List<Span> spans;

    /** @param workers every worker id in display order (workers without spans still get a row) */
    public Timeline(List<String> workers, List<Span> spans) {
        this.workers = List.copyOf(workers);
        this.spans = Collections.unmodifiableList(new ArrayList<>(spans));
    }

    public List<String> workers() {
        return workers;
    }

    public List<Span> spans() {
        return spans;
    }

    /** End of the last span, 0 for an empty timeline. */
    public double endSeconds() {
        double end = 0;
        for (Span s : spans) {
            end = Math.max(end, s.endSeconds());
        }
        return end;
    }

    /** End of the last span of {@code stage}, 0 if it has none. */
    public double endSeconds(Stage stage) {
        double end = 0;
        for (Span s : spans) {
            if (s.stage() == stage) {
                end = Math.max(end, s.endSeconds());
            }
        }
        return end;
    }

    /** This timeline followed by the spans of {@code other} (same workers). */
    public Timeline concat(Timeline other) {
        if (!workers.equals(other.workers)) {
            throw new IllegalArgumentException("timelines have different workers: " + workers + " vs " + other.workers);
        }
        List<Span> all = new ArrayList<>(spans.size() + other.spans.size());
        all.addAll(spans);
        all.addAll(other.spans);
        return new Timeline(workers, all);
    }
}
