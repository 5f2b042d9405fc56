package dev.mosaic.bench;

import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.backend.cpu.CpuBackend;
import dev.mosaic.inference.backend.cpu.CpuBuffer;
import dev.mosaic.inference.backend.cpu.CpuIsa;
import dev.mosaic.inference.backend.cpu.CpuKvStorage;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * CPU kernels through {@link CpuBackend}. Besides ops/s, each benchmark reports auxiliary rates:
 * {@code bytes} (bytes of weights or KV read per second) and {@code flops} (floating-point
 * operations per second); divide by 1e9 for GB/s and GFLOP/s.
 *
 * <p>Matmul cycles through enough copies of the weight matrix to exceed 256 MiB, so that, like
 * a decode step through distinct layers, weights come from memory and not from cache. Compare
 * the {@code bytes} rate of batch-1 matmul with {@link MemoryBandwidthBench}.
 *
 * <pre>java -jar bench/target/benchmarks.jar KernelBench.matmul -p type=Q8_0 -p rows=1 -p threads=2</pre>
 *
 * <p>Not thread-safe: its JMH states are {@code Scope.Thread}, so each benchmark thread has its own buffers
 * and backend.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class KernelBench {

    private static final long COLD_BYTES = 256L << 20;

    /** Bytes and flops done, reported by JMH as rates. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Work {
        public long bytes;
        public long flops;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
            flops = 0;
        }
    }

    /** Matmul: the {@code outRows x cols} projection of a batch of {@code rows} activation rows. */
    @State(Scope.Benchmark)
    public static class MatmulState {
        @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
        public String type;
        @Param({"1", "8"})
        public int rows;
        @Param({"1", "2"})
        public int threads;
        /** The 110M model's FFN up projection (2048 x 768) by default. */
        @Param({"2048"})
        public int outRows;
        @Param({"768"})
        public int cols;
        /** Kernel path; {@code best} is what the CPU supports. */
        @Param({"best"})
        public String isa;
        /** Q8_0/Q4_0 activations: FLOAT32 or INT8 (quantised per 32 values, integer dot products). */
        @Param({"FLOAT32", "INT8"})
        public String activations;

        Arena arena;
        CpuBackend backend;
        BackendWeight[] weights;
        CpuBuffer x;
        CpuBuffer out;
        long weightBytes;
        int next;

        CpuIsa previousIsa;

        @Setup(Level.Trial)
        public void setUp() {
            previousIsa = CpuIsa.active();
            if (!isa.equals("best")) {
                CpuIsa.select(CpuIsa.valueOf(isa.toUpperCase()));
            }
            GgmlType t = GgmlType.valueOf(type);
            arena = Arena.ofShared();
            backend = new CpuBackend(threads, CpuBackend.MatmulActivations.valueOf(activations));
            weightBytes = t.byteSize((long) outRows * cols);
            int copies = (int) Math.max(1, COLD_BYTES / weightBytes);
            weights = new BackendWeight[copies];
            Tensor first = BenchWeights.random("w0", t, outRows, cols, 1, arena);
            for (int i = 0; i < copies; i++) {
                // same contents, distinct memory: what matters is that it comes from DRAM
                MemorySegment data = arena.allocate(weightBytes, 64);
                MemorySegment.copy(first.data(), 0, data, 0, weightBytes);
                weights[i] = backend.prepare(new Tensor("w" + i, t, first.shape(), data));
            }
            x = backend.allocate((long) rows * cols);
            out = backend.allocate((long) rows * outRows);
            Random rnd = new Random(7);
            for (long i = 0; i < (long) rows * cols; i++) {
                x.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
            arena.close();
            CpuIsa.select(previousIsa);
        }
    }

    @Benchmark
    public void matmul(MatmulState s, Work work) {
        BackendWeight w = s.weights[s.next];
        s.next = s.next + 1 == s.weights.length ? 0 : s.next + 1;
        s.backend.matmul(s.out, w, s.x, s.rows);
        work.bytes += s.weightBytes;
        work.flops += 2L * s.outRows * s.cols * s.rows;
    }

    /** Decode attention: {@code batch} sequences, one query row each, {@code context} positions of cache. */
    @State(Scope.Benchmark)
    public static class AttentionState {
        @Param({"512"})
        public int context;
        @Param({"1", "8"})
        public int batch;
        @Param({"1", "2"})
        public int threads;
        public final int heads = 12;
        public final int kvHeads = 4;
        public final int headDim = 64;
        public final int blockSize = 16;

        CpuBackend backend;
        CpuKvStorage kv;
        CpuBuffer q;
        CpuBuffer out;
        AttentionBatch attentionBatch;

        @Setup(Level.Trial)
        public void setUp() {
            backend = new CpuBackend(threads);
            int blocksPerSeq = (context + blockSize - 1) / blockSize;
            kv = backend.allocateKv(new KvGeometry(1, blocksPerSeq * batch, blockSize, kvHeads, headDim));
            Random rnd = new Random(3);
            var keys = kv.keys(0);
            var values = kv.values(0);
            for (long i = 0; i < keys.byteSize() / Float.BYTES; i++) {
                keys.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
                values.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            }
            q = backend.allocate((long) batch * heads * headDim);
            out = backend.allocate((long) batch * heads * headDim);
            for (long i = 0; i < q.floats(); i++) {
                q.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            }
            int[] rowStart = new int[batch];
            int[] rowCount = new int[batch];
            int[] first = new int[batch];
            int[] tableStart = new int[batch];
            int[] tables = new int[blocksPerSeq * batch];
            for (int s = 0; s < batch; s++) {
                rowStart[s] = s;
                rowCount[s] = 1;
                first[s] = context - 1;
                tableStart[s] = s * blocksPerSeq;
                for (int b = 0; b < blocksPerSeq; b++) {
                    tables[s * blocksPerSeq + b] = b * batch + s; // interleaved, as a busy cache would be
                }
            }
            attentionBatch = new AttentionBatch(rowStart, rowCount, first, tableStart, tables);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
        }
    }

    @Benchmark
    public void attentionDecode(AttentionState s, Work work) {
        s.backend.attention(s.out, s.q, s.kv, 0, s.attentionBatch, s.heads, 0.125f);
        work.bytes += 2L * s.batch * s.context * s.kvHeads * s.headDim * Float.BYTES;
        work.flops += 4L * s.batch * s.heads * s.context * s.headDim;
    }

    /** Element-wise ops on a prefill-sized activation ({@code tokens x 2048}). */
    @State(Scope.Benchmark)
    public static class ElementwiseState {
        @Param({"64"})
        public int tokens;
        @Param({"1", "2"})
        public int threads;
        public final int width = 2048;

        Arena arena;
        CpuBackend backend;
        CpuBuffer a;
        CpuBuffer b;
        CpuBuffer c;
        BackendWeight gamma;

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            backend = new CpuBackend(threads);
            long n = (long) tokens * width;
            a = backend.allocate(n);
            b = backend.allocate(n);
            c = backend.allocate(n);
            Random rnd = new Random(5);
            for (long i = 0; i < n; i++) {
                a.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
                b.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            }
            Tensor g = BenchWeights.random("norm", GgmlType.F32, 1, width, 9, arena);
            gamma = backend.prepare(new Tensor("norm", GgmlType.F32, new long[] {width}, g.data()));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
            arena.close();
        }
    }

    @Benchmark
    public void rmsNorm(ElementwiseState s, Work work) {
        s.backend.rmsNorm(s.c, s.a, s.gamma, s.tokens, 1e-5f);
        work.bytes += 2L * s.tokens * s.width * Float.BYTES;
        work.flops += 3L * s.tokens * s.width;
    }

    @Benchmark
    public void swiglu(ElementwiseState s, Work work) {
        s.backend.swiglu(s.c, s.a, s.b, (long) s.tokens * s.width);
        work.bytes += 3L * s.tokens * s.width * Float.BYTES;
        work.flops += 4L * s.tokens * s.width;
    }
}
