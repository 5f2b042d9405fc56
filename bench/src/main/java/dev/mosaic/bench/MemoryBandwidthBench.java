package dev.mosaic.bench;

import dev.mosaic.bindings.mosaic.mosaic_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * This machine's copy bandwidth: {@code mosaic_copy} (memcpy split over the native worker pool) of a
 * buffer far larger than the last-level cache. The {@code bytes} rate counts bytes read plus
 * bytes written, as STREAM's "Copy" does; bytes read alone (the bound for a weight-streaming
 * decode step) is half of it.
 *
 * <pre>java -jar bench/target/benchmarks.jar MemoryBandwidthBench</pre>
 *
 * <p>Not thread-safe: JMH benchmark state, driven by the one benchmark thread JMH runs by default (no Threads
 * annotation).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class MemoryBandwidthBench {

    @Param({"1", "2"})
    public int threads;
    @Param({"268435456"})
    public long bufferBytes;

    private Arena arena;
    private MemorySegment src;
    private MemorySegment dst;

    /** Bytes moved, reported by JMH as a rate. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Moved {
        public long bytes;
        public long bytesRead;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
            bytesRead = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        src = arena.allocate(bufferBytes, 4096);
        dst = arena.allocate(bufferBytes, 4096);
        src.fill((byte) 1);
        dst.fill((byte) 2); // touch every page before measuring
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void copy(Moved moved) {
        mosaic_h.mosaic_copy(dst, src, bufferBytes, threads);
        moved.bytes += 2 * bufferBytes;
        moved.bytesRead += bufferBytes;
    }
}
