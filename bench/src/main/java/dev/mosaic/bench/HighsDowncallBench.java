package dev.mosaic.bench;

import dev.mosaic.bindings.NativeLibraries;
import dev.mosaic.bindings.highs.internal.highs_c_api_h;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one FFM downcall into HiGHS: a trivial C function ({@code Highs_versionMajor},
 * {@code Highs_getSizeofHighsInt}) through our bindings (which adapt {@code HighsInt} to
 * {@code long}), through a raw {@code int}-typed handle (the adaptation's cost is the difference),
 * and a non-inlined Java call returning a constant as the baseline.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar HighsDowncallBench}
 *
 * <p>Not thread-safe: {@code Scope.Thread} JMH state, so each benchmark thread has its own instance (and its
 * own HiGHS handle).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class HighsDowncallBench {

    /** A plain int-typed handle, held in a static final field like the bindings' (so the JIT can inline it). */
    private static final MethodHandle RAW_VERSION_MAJOR = Linker.nativeLinker().downcallHandle(
            NativeLibraries.highs().find("Highs_versionMajor").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private MemorySegment highs;
    private int constant = 1;

    @Setup(Level.Trial)
    public void setUp() {
        highs = highs_c_api_h.Highs_create();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        highs_c_api_h.Highs_destroy(highs);
    }

    @Benchmark
    public long bindingsVersionMajor() {
        return highs_c_api_h.Highs_versionMajor();
    }

    @Benchmark
    public int rawHandleVersionMajor() throws Throwable {
        return (int) RAW_VERSION_MAJOR.invokeExact();
    }

    @Benchmark
    public long bindingsSizeofHighsInt() {
        return highs_c_api_h.Highs_getSizeofHighsInt(highs);
    }

    @Benchmark
    public int javaBaseline() {
        return javaCall();
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private int javaCall() {
        return constant;
    }
}
