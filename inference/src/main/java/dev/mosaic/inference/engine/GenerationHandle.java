package dev.mosaic.inference.engine;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A submitted request: its state, why it waits (if it does), cancellation, and its future result.
 *
 * <p>Cancelling stops the request and frees its KV blocks at the engine's next step, whichever
 * way it is asked for: {@link #cancel()} completes the future with a {@link FinishReason#CANCELLED}
 * result holding the tokens so far; {@code result().cancel(...)}, or cancelling any future
 * derived from it ({@code thenApply}, ...), completes that future with a
 * {@link java.util.concurrent.CancellationException} and the engine discards the partial result
 * (a pooled token buffer goes back to its pool).
 *
 * <p>Thread-safe.
 */
public final class GenerationHandle {

    /**
     * Where a request is in its life: WAITING for admission (again, after a preemption), RUNNING
     * with KV blocks, or DONE.
     *
     * <p>Immutable; thread-safe.
     */
    public enum State { WAITING, RUNNING, DONE }

    private final long id;
    private final RequestFuture<GenerationResult> result;
    private volatile State state = State.WAITING;
    private volatile String waitingReason;
    private volatile boolean cancelRequested;
    private volatile boolean futureCancelled;
    private final Runnable wakeEngine;

    GenerationHandle(long id, Runnable wakeEngine) {
        this.id = id;
        this.wakeEngine = wakeEngine;
        this.result = new RequestFuture<>(this);
    }

    /** Engine-unique id of this request. */
    public long id() {
        return id;
    }

    /**
     * Completes with the result (which the caller then owns; a pooled result is closed to give its
     * buffer back), or exceptionally if the request was invalid, could never fit in the KV cache,
     * its listener threw, its output pool was closed, or the engine closed. Cancelling this future
     * (or one derived from it) cancels the request.
     */
    public CompletableFuture<GenerationResult> result() {
        return result;
    }

    /** Waits for the result; rethrows a failure unchecked. */
    public GenerationResult join() {
        return result.join();
    }

    public State state() {
        return state;
    }

    /** Why the request is not running (the KV cache is full, it was preempted, ...), while it waits. */
    public Optional<String> waitingReason() {
        return state == State.WAITING ? Optional.ofNullable(waitingReason) : Optional.empty();
    }

    /** Asks the engine to stop this request; it completes with {@link FinishReason#CANCELLED} and the tokens so far. */
    public void cancel() {
        cancelRequested = true;
        wakeEngine.run();
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    /** Whether a future of this request was cancelled: nobody wants the result. */
    boolean futureCancelled() {
        return futureCancelled;
    }

    void waiting(String reason) {
        waitingReason = reason;
    }

    void state(State s) {
        state = s;
    }

    CompletableFuture<GenerationResult> future() {
        return result;
    }

    private void futureCancelledByUser() {
        futureCancelled = true;
        cancel();
    }

    /** The request's future and everything derived from it: cancelling one cancels the request. */
    private static final class RequestFuture<T> extends CompletableFuture<T> {
        private final GenerationHandle handle;

        RequestFuture(GenerationHandle handle) {
            this.handle = handle;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                handle.futureCancelledByUser();
            }
            return cancelled;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new RequestFuture<>(handle);
        }
    }
}
