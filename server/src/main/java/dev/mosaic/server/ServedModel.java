package dev.mosaic.server;

import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.engine.GenerationHandle;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One model the server answers for: its weights, its engine (all its requests share it through
 * continuous batching) and the admission gate in front of the engine. Requests beyond the
 * engine's KV space wait in the engine; when {@code maxQueue} of them already wait, the next is
 * refused with 429 instead of queueing without bound. Thread-safe.
 */
final class ServedModel implements AutoCloseable {
    private final String name;
    private final Path path;
    private final Model model;
    private final Engine engine;
    private final long weightBytes;
    private final long kvBytes;
    private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
    private final Set<GenerationHandle> inFlight = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private boolean closing;

    private ServedModel(String name, Path path, Model model, Engine engine, long weightBytes, long kvBytes) {
        this.name = name;
        this.path = path;
        this.model = model;
        this.engine = engine;
        this.weightBytes = weightBytes;
        this.kvBytes = kvBytes;
    }

    /**
     * Builds the engine for an opened model; the returned object owns (and closes) both.
     * On failure the model is closed too.
     */
    static ServedModel start(String name, Path path, Model model, long weightBytes, EngineConfig config) {
        try {
            Engine engine = Engine.create(model, config);
            return new ServedModel(name, path, model, engine, weightBytes, kvBytes(model.config(), engine.kvCapacityTokens()));
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** Bytes of KV cache an engine with this config would allocate for {@code c} (what {@code Engine} computes). */
    static long plannedKvBytes(ModelConfig c, EngineConfig e) {
        long perBlock = 2L * c.nLayers() * c.kvDim() * Float.BYTES * e.blockSize();
        long usable = ((long) e.effectiveMaxSequences() * c.contextLength() + e.blockSize() - 1) / e.blockSize();
        return Math.min(e.kvBudgetBytes() / perBlock, usable) * perBlock;
    }

    private static long kvBytes(ModelConfig c, long tokens) {
        return 2L * c.nLayers() * c.kvDim() * Float.BYTES * tokens;
    }

    String name() {
        return name;
    }

    Path path() {
        return path;
    }

    Engine engine() {
        return engine;
    }

    long createdEpochSeconds() {
        return createdEpochSeconds;
    }

    /** Weights plus KV cache, what the memory check counts. */
    long memoryBytes() {
        return weightBytes + kvBytes;
    }

    /** Requests of this model submitted and not yet finished. */
    int inFlight() {
        return inFlight.size();
    }

    /**
     * Of those, the ones the engine could not admit (no KV space or sequence slot; preempted ones
     * too). Requests that merely have not reached the engine's next step yet do not count: a burst
     * of arrivals is not a full cache.
     */
    int waiting() {
        int n = 0;
        for (GenerationHandle h : inFlight) {
            if (h.state() == GenerationHandle.State.WAITING && h.waitingReason().isPresent()) {
                n++;
            }
        }
        return n;
    }

    /**
     * Submits a request unless the wait queue is full (429) or the model is closing (503). The
     * handle leaves the in-flight set when its result completes.
     */
    GenerationHandle submit(GenerationRequest request, int promptTokens, int maxQueue) {
        GenerationHandle h;
        synchronized (gate) {
            if (closing) {
                throw ApiException.unavailable("Model '" + name + "' is being unloaded or the server is shutting down", 1);
            }
            // Counted under the gate, so a burst of arrivals between two engine steps cannot all slip past the limit.
            int waiting = waiting();
            if (waiting >= maxQueue) {
                throw ApiException.queueFull(name, waiting, retryAfterSeconds());
            }
            h = engine.submit(request);
            inFlight.add(h);
        }
        h.result().whenComplete((r, e) -> inFlight.remove(h));
        return h;
    }

    /** A guess at when a slot frees: the time one running request takes, at least a second. */
    int retryAfterSeconds() {
        return 1;
    }

    /** Refuses new requests from now on (503); those in flight go on. */
    void stopAdmitting() {
        synchronized (gate) {
            closing = true;
        }
    }

    /** Waits up to {@code timeout} for in-flight requests to finish, then cancels the rest. Returns how many were cancelled. */
    int drain(Duration timeout) {
        stopAdmitting();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int cancelled = 0;
        for (GenerationHandle h : inFlight) {
            h.cancel();
            cancelled++;
        }
        return cancelled;
    }

    /** Closes the engine (failing whatever is still in it) and the model. */
    @Override
    public void close() {
        stopAdmitting();
        try {
            engine.close();
        } finally {
            model.close();
        }
    }
}
