package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.bindings.mosaic.mosaic_h;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * mosaic_logits_max_lse on every kernel path against a float64 reference: the first index of the
 * maximum exactly (ties included), the log-sum-exp to float accuracy, and -1 for NaN or an
 * infinite maximum wherever it sits (body or tail lanes).
 */
class LogitsKernelTest {

    private static final int[] SIZES = {1, 2, 7, 8, 9, 15, 16, 17, 33, 1000, 32000, 128_257};

    static List<CpuIsa> isas() {
        return IsaSupport.supported();
    }

    private static long maxLse(float[] x, int offset, int n, double[] lse) {
        return mosaic_h.mosaic_logits_max_lse(MemorySegment.ofArray(x).asSlice((long) offset * Float.BYTES,
                (long) n * Float.BYTES), n, MemorySegment.ofArray(lse));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void matchesTheFloat64Reference(CpuIsa isa) throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(31 + isa.ordinal());
            for (int n : SIZES) {
                for (int trial = 0; trial < 3; trial++) {
                    int offset = rnd.nextInt(5); // an unaligned row inside a larger array
                    float[] x = new float[offset + n + 3];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (rnd.nextGaussian() * (trial + 1) * 4);
                    }
                    if (n > 3 && trial == 1) {
                        x[offset + rnd.nextInt(n)] = Float.NEGATIVE_INFINITY; // masked-out tokens
                    }
                    if (n > 5 && trial == 2) {
                        // a tie for the maximum: the first one wins, as in a scalar loop with '>'
                        int a = rnd.nextInt(n / 2);
                        int b = n / 2 + rnd.nextInt(n - n / 2);
                        x[offset + a] = 1e3f;
                        x[offset + b] = 1e3f;
                    }
                    int best = 0;
                    for (int i = 1; i < n; i++) {
                        if (x[offset + i] > x[offset + best]) {
                            best = i;
                        }
                    }
                    double m = x[offset + best];
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        s += Math.exp(x[offset + i] - m);
                    }
                    double ref = m + Math.log(s);
                    double[] lse = {Double.NaN};
                    assertEquals(best, maxLse(x, offset, n, lse), isa + " n=" + n + " trial " + trial);
                    assertTrue(Math.abs(lse[0] - ref) <= 2e-6 * Math.max(1, Math.abs(ref)),
                            isa + " n=" + n + " trial " + trial + ": " + lse[0] + " vs " + ref);
                }
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void nanOrAnInfiniteMaximumAnywhereGivesMinusOne(CpuIsa isa) throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(7);
            for (int n : SIZES) {
                for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
                    for (int at : new int[] {0, n / 2, n - 1}) {
                        float[] x = new float[n];
                        for (int i = 0; i < n; i++) {
                            x[i] = (float) rnd.nextGaussian();
                        }
                        x[at] = bad;
                        assertEquals(-1, maxLse(x, 0, n, new double[1]), isa + " n=" + n + " " + bad + " at " + at);
                    }
                }
                float[] allMasked = new float[n];
                java.util.Arrays.fill(allMasked, Float.NEGATIVE_INFINITY);
                assertEquals(-1, maxLse(allMasked, 0, n, new double[1]), isa + " n=" + n + " all -inf");
            }
            assertEquals(-1, mosaic_h.mosaic_logits_max_lse(MemorySegment.NULL, 0, MemorySegment.ofArray(new double[1])));
        });
    }
}
