package dev.mosaic.inference.engine;

import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.backend.DType;
import dev.mosaic.inference.backend.DeviceBuffer;
import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.backend.KvStorage;
import dev.mosaic.inference.backend.PreparedStep;
import dev.mosaic.inference.backend.StepMetadata;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Backend} that forwards every call to another one and measures where the time goes:
 * wall time and call count per operation, matmuls split by weight role (the tensor name without
 * its block number, e.g. {@code matmul ffn_up.weight}). Owns and closes the backend it wraps.
 * For a backend that runs asynchronously (a GPU) the times are launch times, not kernel times.
 *
 * <p>Not thread-safe for its ops: one thread at a time, as {@link Backend} requires; {@link #snapshot} and
 * {@link #reset} synchronize with the recording and may be called from any thread.
 */
public final class ProfilingBackend implements Backend {
    private final Backend delegate;
    private final Map<String, long[]> stats = new LinkedHashMap<>();

    /** Time spent in one operation: calls and total nanoseconds. Immutable; thread-safe. */
    public record OpTime(String op, long calls, long nanos) {}

    public ProfilingBackend(Backend delegate) {
        this.delegate = delegate;
    }

    /** The operations seen so far, most expensive first. */
    public synchronized List<OpTime> snapshot() {
        List<OpTime> out = new ArrayList<>();
        stats.forEach((op, v) -> out.add(new OpTime(op, v[0], v[1])));
        out.sort(Comparator.comparingLong(OpTime::nanos).reversed());
        return out;
    }

    /** Forgets everything measured so far. */
    public synchronized void reset() {
        stats.clear();
    }

    private synchronized void record(String op, long start) {
        long[] v = stats.computeIfAbsent(op, k -> new long[2]);
        v[0]++;
        v[1] += System.nanoTime() - start;
    }

    private static String role(BackendWeight w) {
        String name = w.tensor().name();
        return name.startsWith("blk.") ? name.substring(name.indexOf('.', 4) + 1) : name;
    }

    @Override
    public String name() {
        return delegate.name() + "+profile";
    }

    @Override
    public DType activationType() {
        return delegate.activationType();
    }

    @Override
    public DType kvType() {
        return delegate.kvType();
    }

    @Override
    public DeviceBuffer allocate(long elements, DType type) {
        return delegate.allocate(elements, type);
    }

    @Override
    public PreparedStep prepareStep(StepMetadata metadata) {
        long t = System.nanoTime();
        PreparedStep p = delegate.prepareStep(metadata);
        record("prepareStep", t);
        return p;
    }

    @Override
    public void gatherRows(DeviceBuffer dst, DeviceBuffer src, int width, PreparedStep step) {
        long t = System.nanoTime();
        delegate.gatherRows(dst, src, width, step);
        record("gatherRows", t);
    }

    @Override
    public BackendWeight prepare(Tensor tensor) {
        return delegate.prepare(tensor);
    }

    @Override
    public void prepareMatmul(BackendWeight weight) {
        delegate.prepareMatmul(weight);
    }

    @Override
    public KvStorage allocateKv(KvGeometry geometry) {
        return delegate.allocateKv(geometry);
    }

    @Override
    public void write(MemorySegment src, DeviceBuffer dst, long dstOffset, long floats) {
        long t = System.nanoTime();
        delegate.write(src, dst, dstOffset, floats);
        record("write", t);
    }

    @Override
    public void read(DeviceBuffer src, long srcOffset, MemorySegment dst, long floats) {
        long t = System.nanoTime();
        delegate.read(src, srcOffset, dst, floats);
        record("read", t);
    }

    @Override
    public void embedding(DeviceBuffer out, BackendWeight table, PreparedStep step) {
        long t = System.nanoTime();
        delegate.embedding(out, table, step);
        record("embedding", t);
    }

    @Override
    public void rmsNorm(DeviceBuffer out, DeviceBuffer x, BackendWeight gamma, int rows, float eps) {
        long t = System.nanoTime();
        delegate.rmsNorm(out, x, gamma, rows, eps);
        record("rmsnorm", t);
    }

    @Override
    public void matmul(DeviceBuffer out, BackendWeight w, DeviceBuffer x, int rows) {
        long t = System.nanoTime();
        delegate.matmul(out, w, x, rows);
        record("matmul " + role(w), t);
    }

    @Override
    public void addBias(DeviceBuffer x, BackendWeight bias, int rows) {
        long t = System.nanoTime();
        delegate.addBias(x, bias, rows);
        record("bias", t);
    }

    @Override
    public void rope(DeviceBuffer x, int heads, int headDim, PreparedStep step, RopeConfig rope) {
        long t = System.nanoTime();
        delegate.rope(x, heads, headDim, step, rope);
        record("rope", t);
    }

    @Override
    public void kvStore(KvStorage kv, int layer, DeviceBuffer k, DeviceBuffer v, PreparedStep step) {
        long t = System.nanoTime();
        delegate.kvStore(kv, layer, k, v, step);
        record("kv store", t);
    }

    @Override
    public void attention(DeviceBuffer out, DeviceBuffer q, KvStorage kv, int layer, PreparedStep step, int heads, float scale) {
        long t = System.nanoTime();
        delegate.attention(out, q, kv, layer, step, heads, scale);
        record("attention", t);
    }

    @Override
    public void swiglu(DeviceBuffer out, DeviceBuffer gate, DeviceBuffer up, long n) {
        long t = System.nanoTime();
        delegate.swiglu(out, gate, up, n);
        record("swiglu", t);
    }

    @Override
    public void add(DeviceBuffer acc, DeviceBuffer x, long n) {
        long t = System.nanoTime();
        delegate.add(acc, x, n);
        record("add", t);
    }

    @Override
    public void softmax(DeviceBuffer x, int rows, int cols) {
        long t = System.nanoTime();
        delegate.softmax(x, rows, cols);
        record("softmax", t);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
