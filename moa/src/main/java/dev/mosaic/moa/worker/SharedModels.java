package dev.mosaic.moa.worker;

import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.tensor.Tensor;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The models of one process, each memory-mapped once and shared by all its replicas (every
 * worker's engines on the same file read the same pages). Reference-counted: {@link #acquire}
 * opens on first use, {@link #release} closes after the last user. Thread-safe.
 */
public final class SharedModels implements AutoCloseable {
    private final Map<Path, Entry> open = new HashMap<>();

    private static final class Entry {
        final Model model;
        int users;

        Entry(Model model) {
            this.model = model;
        }
    }

    /** The model at {@code path}, opened if no replica holds it yet. Pair with {@link #release}. */
    public synchronized Model acquire(Path path) {
        Path key = path.toAbsolutePath().normalize();
        Entry e = open.get(key);
        if (e == null) {
            e = new Entry(ModelLoader.open(key));
            open.put(key, e);
        }
        e.users++;
        return e.model;
    }

    /** Gives back one use of the model at {@code path}; the last one closes (unmaps) it. */
    public synchronized void release(Path path) {
        Path key = path.toAbsolutePath().normalize();
        Entry e = open.get(key);
        if (e == null) {
            throw new IllegalStateException("model " + key + " is not open");
        }
        if (--e.users == 0) {
            open.remove(key);
            e.model.close();
        }
    }

    /** Models open now. */
    public synchronized int openModels() {
        return open.size();
    }

    /** Bytes of weights (every tensor's stored bytes) of {@code model}. */
    public static long weightBytes(Model model) {
        long sum = 0;
        for (Tensor t : model.tensors().values()) {
            sum += t.data().byteSize();
        }
        return sum;
    }

    /** Closes every model still open (replicas that were not closed lose their weights). */
    @Override
    public synchronized void close() {
        for (Entry e : open.values()) {
            e.model.close();
        }
        open.clear();
    }
}
