package dev.mosaic.inference.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Cross-checks {@link Quantization} against ggml itself: {@code dequantize_row_*} and the
 * reference quantisers of a real {@code libggml-base.so} (for example the one node-llama-cpp
 * installs under {@code bench/llama-cpp/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/}).
 * Runs only when {@code MOSAIC_GGML_BASE_LIB} names that library; the regular suite does not
 * depend on it.
 */
@EnabledIfEnvironmentVariable(named = "MOSAIC_GGML_BASE_LIB", matches = ".+",
        disabledReason = "set MOSAIC_GGML_BASE_LIB to a libggml-base.so to compare with ggml")
class GgmlReferenceTest {
    private static Arena arena;
    private static SymbolLookup ggml;
    private static final Linker LINKER = Linker.nativeLinker();
    /** void f(const void *src, void *dst, int64_t k) -- the shape of every function used here. */
    private static final FunctionDescriptor ROW = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);

    @BeforeAll
    static void load() {
        Path lib = Path.of(System.getenv("MOSAIC_GGML_BASE_LIB"));
        assertTrue(Files.isRegularFile(lib), lib + " does not exist");
        arena = Arena.ofShared();
        ggml = SymbolLookup.libraryLookup(lib, arena);
    }

    @AfterAll
    static void unload() {
        arena.close();
    }

    private static MethodHandle fn(String name) {
        return LINKER.downcallHandle(ggml.find(name).orElseThrow(() -> new AssertionError("no symbol " + name)), ROW);
    }

    private static byte[] call(String name, byte[] src, int outBytes, long k) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(Math.max(1, src.length), 64);
            in.copyFrom(MemorySegment.ofArray(src));
            MemorySegment out = a.allocate(outBytes, 64);
            fn(name).invokeExact(in, out, k);
            return out.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** Random blocks whose f16 scales are finite (random bytes elsewhere). */
    private static byte[] blocks(Random r, GgmlType t, int n) {
        byte[] raw = new byte[n * t.blockBytes()];
        r.nextBytes(raw);
        int[] scaleOffsets = switch (t) {
            case Q8_0, Q4_0 -> new int[] {0};
            case Q4_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException();
        };
        for (int b = 0; b < n; b++) {
            for (int off : scaleOffsets) {
                short h = Float.floatToFloat16((float) (r.nextGaussian() * Math.pow(2, r.nextInt(20) - 12)));
                raw[b * t.blockBytes() + off] = (byte) h;
                raw[b * t.blockBytes() + off + 1] = (byte) (h >> 8);
            }
        }
        return raw;
    }

    private static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        MemorySegment.ofArray(f).copyFrom(MemorySegment.ofArray(b));
        return f;
    }

    private static byte[] bytes(float[] f) {
        byte[] b = new byte[f.length * 4];
        MemorySegment.ofArray(b).copyFrom(MemorySegment.ofArray(f));
        return b;
    }

    @Test
    void dequantisersAreBitExactWithGgml() throws Throwable {
        Random r = new Random(31337);
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
            int n = 64;
            byte[] raw = blocks(r, t, n);
            long k = (long) n * t.blockSize();
            float[] theirs = floats(call("dequantize_row_" + t.name().toLowerCase().replace("_k", "_K"), raw,
                    (int) k * 4, k));
            float[] ours = Quantization.dequantize(t, raw);
            for (int i = 0; i < ours.length; i++) {
                assertEquals(Float.floatToRawIntBits(theirs[i]), Float.floatToRawIntBits(ours[i]), t + " element " + i);
            }
        }
    }

    @Test
    void q8_0AndQ4_0QuantisersMatchGgmlsReferenceQuantisers() throws Throwable {
        Random r = new Random(4242);
        float[] x = new float[32 * 200];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * (1 + (i / 32) % 7));
        }
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0}) {
            byte[] theirs = call("quantize_row_" + t.name().toLowerCase() + "_ref", bytes(x), (int) t.byteSize(x.length), x.length);
            assertArrayEquals(theirs, Quantization.quantize(t, x), t.name());
        }
    }

    @Test
    void halfAndBfloatConversionsMatchGgml() throws Throwable {
        Random r = new Random(99);
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(x[i])) {
                x[i] = 1.5f; // NaN payloads are not compared
            }
        }
        x[0] = 65520f; // rounds to f16 infinity
        x[1] = 5.96e-8f; // f16 subnormal
        assertArrayEquals(call("ggml_fp32_to_fp16_row", bytes(x), x.length * 2, x.length), Quantization.quantize(GgmlType.F16, x));
        assertArrayEquals(call("ggml_fp32_to_bf16_row", bytes(x), x.length * 2, x.length), Quantization.quantize(GgmlType.BF16, x));
    }

    /** Our simple K-quantisers are not ggml's, but their error must be of the same order. */
    @Test
    void kQuantiserErrorComparableToGgml() throws Throwable {
        Random r = new Random(7);
        float[] x = new float[256 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
        }
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K}) {
            byte[] theirs = call("quantize_row_" + t.name().toLowerCase().replace("_k", "_K") + "_ref", bytes(x),
                    (int) t.byteSize(x.length), x.length);
            double ggmlErr = rms(x, Quantization.dequantize(t, theirs));
            double ourErr = rms(x, Quantization.dequantize(t, Quantization.quantize(t, x)));
            assertTrue(ourErr < 2.0 * ggmlErr, t + ": ours " + ourErr + " vs ggml " + ggmlErr);
        }
    }

    private static double rms(float[] x, float[] y) {
        double e = 0;
        for (int i = 0; i < x.length; i++) {
            e += (x[i] - (double) y[i]) * (x[i] - (double) y[i]);
        }
        return Math.sqrt(e / x.length);
    }
}
