package dev.mosaic.scheduler.execution;

/**
 * Runs the jobs of one MoA stage as a plan places and assigns them, and reports what ran where
 * and when. Two kinds exist: the {@link dev.mosaic.scheduler.sim.Simulator} (what-if, from
 * profiled costs) and the real plan executor of the {@code moa} module (engines on workers).
 * Both produce the same {@link StageResult}, so reports draw predicted and measured runs alike.
 *
 * <p>Implementations are single-use or state otherwise; {@link #execute} is called from one
 * thread, while the listener may be called from executor threads.
 *
 * <p>Implementations need not be thread-safe: {@link #execute} is called from one thread at a time. A
 * listener must be thread-safe, since it may be called from executor threads.
 */
public interface StageExecutor {

    /** Hears each job as it finishes, in completion order; must be quick and thread-safe. */
    @FunctionalInterface
    interface JobListener {
        /** Job {@code job} finished on {@code worker} at {@code endSeconds} from the start of the run. */
        void jobFinished(int job, int worker, double endSeconds);

        JobListener NONE = (job, worker, end) -> { };
    }

    /**
     * Executes the stage, calling {@code listener} as jobs finish.
     *
     * @throws InterruptedException if the calling thread is interrupted; jobs already finished
     *                              have been reported, the rest are abandoned
     */
    StageResult execute(JobListener listener) throws InterruptedException;
}
