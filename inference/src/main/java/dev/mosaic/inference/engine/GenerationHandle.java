package dev.mosaic.inference.engine;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A submitted request: its state, why it waits (if it does), cancellation, and its future result. */
public final class GenerationHandle {

    /**
     * Where a request is in its life: WAITING for admission (again, after a preemption), RUNNING
     * with KV blocks, or DONE.
     */
    public enum State { WAITING, RUNNING, DONE }

    private final long id;
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    private volatile State state = State.WAITING;
    private volatile String waitingReason;
    private volatile boolean cancelRequested;
    private final Runnable wakeEngine;

    GenerationHandle(long id, Runnable wakeEngine) {
        this.id = id;
        this.wakeEngine = wakeEngine;
    }

    /** Engine-unique id of this request. */
    public long id() {
        return id;
    }

    /**
     * Completes with the result (which the caller then owns and closes), or exceptionally if the
     * request was invalid, could never fit in the KV cache, its listener threw, or the engine closed.
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

    void waiting(String reason) {
        waitingReason = reason;
    }

    void state(State s) {
        state = s;
    }

    CompletableFuture<GenerationResult> future() {
        return result;
    }
}
