package dev.mosaic.scheduler.execution;

/**
 * Outcome of one executed stage, simulated or measured: for each job (indexed like the stage
 * problem's {@link dev.mosaic.scheduler.problem.Problem#jobs()}) the worker that actually ran it,
 * its start and end in seconds from the start of the run; each worker's end (its start for the
 * stage if it had nothing to do); how many jobs were stolen from the worker the plan gave them
 * to; and the timeline. Immutable by convention: the arrays are not copied, callers must not
 * change them.
 *
 * @param events simulator events processed, or engine steps taken by a measured run
 */
public record StageResult(Timeline timeline, int[] jobWorker, double[] jobStartSeconds, double[] jobEndSeconds,
                          double[] workerEndSeconds, int stolenJobs, long events) {

    /** When the last worker finished this stage. */
    public double endSeconds() {
        double end = 0;
        for (double e : workerEndSeconds) {
            end = Math.max(end, e);
        }
        return end;
    }
}
