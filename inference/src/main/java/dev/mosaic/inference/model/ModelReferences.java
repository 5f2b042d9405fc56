package dev.mosaic.inference.model;

import java.nio.file.Path;

/**
 * The open/closed state and reference count behind {@link Model#retain()}, for {@link Model}
 * implementations: the model's memory is released once the model is closed and every lease
 * taken before has been closed too, whichever comes last. Thread-safe; {@code release} runs
 * exactly once, on the thread that drops the last reference.
 */
public final class ModelReferences {
    private final Path source;
    private final Runnable release;
    private int leases;
    private boolean closed;

    /** References to the model loaded from {@code source}; {@code release} frees its memory. */
    public ModelReferences(Path source, Runnable release) {
        this.source = source;
        this.release = release;
    }

    /** A new lease; fails with a message naming the model if it is closed. */
    public Model.Lease retain() {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("model " + source + " is closed");
            }
            leases++;
        }
        return new Lease();
    }

    /** Whether {@link #close()} has not been called. */
    public synchronized boolean isOpen() {
        return !closed;
    }

    /** Leases not yet closed. */
    public synchronized int leases() {
        return leases;
    }

    /** Marks the model closed; releases its memory now if no lease holds it. Idempotent. */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (leases > 0) {
                return;
            }
        }
        release.run();
    }

    private void drop() {
        synchronized (this) {
            if (--leases > 0 || !closed) {
                return;
            }
        }
        release.run();
    }

    private final class Lease implements Model.Lease {
        private boolean done;

        @Override
        public void close() {
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
            }
            drop();
        }
    }
}
