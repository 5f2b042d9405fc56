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
            case Q8_0, Q4_0, Q5_0, IQ4_NL -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
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

    /** Every quantised type MOSAIC runs. */
    private static final GgmlType[] QUANTISED = {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
            GgmlType.IQ4_NL, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};

    /** ggml's function-name spelling of a type: q4_0, q4_K, iq4_nl. */
    private static String ggmlName(GgmlType t) {
        return t.name().toLowerCase().replace("_k", "_K");
    }

    /** Both of our dequantisers (Java {@link Quantization} and libmosaic's table) against ggml's, bit for bit. */
    @Test
    void dequantisersAreBitExactWithGgml() throws Throwable {
        Random r = new Random(31337);
        for (GgmlType t : QUANTISED) {
            int n = 64;
            byte[] raw = blocks(r, t, n);
            long k = (long) n * t.blockSize();
            float[] theirs = floats(call("dequantize_row_" + ggmlName(t), raw, (int) k * 4, k));
            float[] ours = Quantization.dequantize(t, raw);
            float[] nat = nativeDequantize(t, raw, (int) k);
            for (int i = 0; i < ours.length; i++) {
                assertEquals(Float.floatToRawIntBits(theirs[i]), Float.floatToRawIntBits(ours[i]), t + " element " + i);
                assertEquals(Float.floatToRawIntBits(theirs[i]), Float.floatToRawIntBits(nat[i]), t + " native, element " + i);
            }
        }
    }

    private static float[] nativeDequantize(GgmlType t, byte[] raw, int k) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(raw.length, 64);
            in.copyFrom(MemorySegment.ofArray(raw));
            MemorySegment out = a.allocate((long) k * 4, 64);
            dev.mosaic.bindings.mosaic.mosaic_h.mosaic_dequantize(t.id(), in, k, out);
            return out.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    @Test
    void blockGeometryMatchesGgml() throws Throwable {
        // ggml_blck_size / ggml_type_size of libggml-base itself against libmosaic's table (which GgmlType reads)
        MethodHandle blck = LINKER.downcallHandle(ggml.find("ggml_blck_size").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        MethodHandle size = LINKER.downcallHandle(ggml.find("ggml_type_size").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        for (GgmlType t : GgmlType.values()) {
            assertEquals((long) blck.invokeExact(t.id()), t.blockSize(), t + " block size");
            assertEquals((long) size.invokeExact(t.id()), t.blockBytes(), t + " block bytes");
        }
    }

    @Test
    void legacyQuantisersMatchGgmlsReferenceQuantisers() throws Throwable {
        Random r = new Random(4242);
        float[] x = new float[32 * 200];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * (1 + (i / 32) % 7) + ((i / 32) % 3 == 0 ? 2.5 : 0));
        }
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1}) {
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

    /** Our simple K-quantisers (and IQ4_NL's) are not ggml's, but their error must be of the same order. */
    @Test
    void kQuantiserErrorComparableToGgml() throws Throwable {
        Random r = new Random(7);
        float[] x = new float[256 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
        }
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q5_K,
                GgmlType.IQ4_NL}) {
            byte[] theirs = call("quantize_row_" + ggmlName(t) + "_ref", bytes(x), (int) t.byteSize(x.length), x.length);
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
