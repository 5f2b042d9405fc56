package dev.mosaic.inference.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Dequantisers are checked element by element against decoders written here from ggml's
 * documented layouts, computed exactly in double and rounded once to float: ggml's float
 * arithmetic rounds only once for these products, so the results must agree bit for bit.
 */
class QuantizationTest {

    private static final Random SEEDS = new Random(20261121);

    // ---- scalar conversions -------------------------------------------------------------

    @Test
    void f16AndBf16KnownBitPatterns() {
        byte[] h = Quantization.quantize(GgmlType.F16, new float[] {1f, -2f, 65504f, 0.000061035156f});
        assertArrayEquals(new byte[] {0x00, 0x3C, 0x00, (byte) 0xC0, (byte) 0xFF, 0x7B, 0x00, 0x04}, h);
        // bf16: 1.0 -> 0x3F80; 1.00390625 is a tie and rounds to even (0x3F80); 1.01171875 ties up to 0x3F82
        byte[] b = Quantization.quantize(GgmlType.BF16, new float[] {1f, Float.intBitsToFloat(0x3F808000),
                Float.intBitsToFloat(0x3F818000), -3.5f});
        assertArrayEquals(new byte[] {(byte) 0x80, 0x3F, (byte) 0x80, 0x3F, (byte) 0x82, 0x3F, 0x60, (byte) 0xC0}, b);
        float[] back = Quantization.dequantize(GgmlType.BF16, b);
        assertArrayEquals(new float[] {1f, 1f, 1.015625f, -3.5f}, back);
        assertTrue(Float.isNaN(Quantization.bf16ToFloat(Quantization.floatToBf16(Float.NaN))));
    }

    @Test
    void floatTypesRoundTripWithinTheirPrecision() {
        float[] x = gaussian(new Random(SEEDS.nextLong()), 1000, 3.0f);
        assertArrayEquals(x, Quantization.dequantize(GgmlType.F32, Quantization.quantize(GgmlType.F32, x)));
        float[] h = Quantization.dequantize(GgmlType.F16, Quantization.quantize(GgmlType.F16, x));
        float[] b = Quantization.dequantize(GgmlType.BF16, Quantization.quantize(GgmlType.BF16, x));
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], h[i], Math.abs(x[i]) * 0x1p-11 + 1e-7, "f16 " + i);
            assertEquals(x[i], b[i], Math.abs(x[i]) * 0x1p-8, "bf16 " + i);
        }
    }

    // ---- dequantisation against independent decoders -------------------------------------

    @Test
    void q8_0MatchesLayout() {
        Random r = new Random(SEEDS.nextLong());
        int blocks = 5;
        byte[] raw = randomBlocks(r, GgmlType.Q8_0, blocks);
        float[] got = Quantization.dequantize(GgmlType.Q8_0, raw);
        for (int i = 0; i < blocks * 32; i++) {
            int b = i / 32;
            int j = i % 32;
            double d = f16(raw, b * 34);
            double expected = raw[b * 34 + 2 + j] * d;
            assertBitEqual(expected, got[i], i);
        }
    }

    @Test
    void q4_0MatchesLayout() {
        Random r = new Random(SEEDS.nextLong());
        int blocks = 5;
        byte[] raw = randomBlocks(r, GgmlType.Q4_0, blocks);
        float[] got = Quantization.dequantize(GgmlType.Q4_0, raw);
        for (int i = 0; i < blocks * 32; i++) {
            int b = i / 32;
            int j = i % 32;
            int packed = raw[b * 18 + 2 + (j % 16)] & 0xFF;
            int q = j < 16 ? packed & 15 : packed >> 4;
            assertBitEqual((q - 8) * f16(raw, b * 18), got[i], i);
        }
    }

    @Test
    void q4_KMatchesLayout() {
        Random r = new Random(SEEDS.nextLong());
        int blocks = 3;
        byte[] raw = randomBlocks(r, GgmlType.Q4_K, blocks);
        float[] got = Quantization.dequantize(GgmlType.Q4_K, raw);
        for (int i = 0; i < blocks * 256; i++) {
            int b = i / 256;
            int e = i % 256;
            int base = b * 144;
            double d = f16(raw, base);
            double dmin = f16(raw, base + 2);
            int sub = e / 32; // eight sub-blocks of 32
            // 12 scale bytes: sub-blocks 0-3 keep 6-bit scale/min in bytes 0-3 / 4-7; sub-blocks 4-7
            // have their low 4 bits in bytes 8-11 and their top 2 bits in the top bits of bytes 0-7.
            int sc;
            int mn;
            int[] s = new int[12];
            for (int k = 0; k < 12; k++) {
                s[k] = raw[base + 4 + k] & 0xFF;
            }
            if (sub < 4) {
                sc = s[sub] & 63;
                mn = s[sub + 4] & 63;
            } else {
                sc = (s[sub + 4] & 15) + 16 * (s[sub - 4] >> 6);
                mn = (s[sub + 4] >> 4) + 16 * (s[sub] >> 6);
            }
            // 128 quant bytes in four groups of 32; group g holds sub-block 2g in low nibbles, 2g+1 in high
            int g = e / 64;
            int l = e % 32;
            int packed = raw[base + 16 + g * 32 + l] & 0xFF;
            int q = (e % 64) < 32 ? packed & 15 : packed >> 4;
            double expected = d * sc * q - dmin * mn;
            assertBitEqual(expected, got[i], i);
        }
    }

    @Test
    void q6_KMatchesLayout() {
        Random r = new Random(SEEDS.nextLong());
        int blocks = 3;
        byte[] raw = randomBlocks(r, GgmlType.Q6_K, blocks);
        float[] got = Quantization.dequantize(GgmlType.Q6_K, raw);
        for (int i = 0; i < blocks * 256; i++) {
            int b = i / 256;
            int e = i % 256;
            int base = b * 210;
            int half = e / 128;      // two halves of 128, each with 64 ql bytes and 32 qh bytes
            int w = e % 128;
            int quarter = w / 32;    // which 2-bit field of qh and which nibble of ql
            int l = w % 32;
            int qlByte = raw[base + half * 64 + l + (quarter % 2) * 32] & 0xFF;
            int low = quarter < 2 ? qlByte & 15 : qlByte >> 4;
            int qhByte = raw[base + 128 + half * 32 + l] & 0xFF;
            int high = (qhByte >> (2 * quarter)) & 3;
            int q = (low | (high << 4)) - 32;
            int scale = raw[base + 192 + e / 16];
            double d = f16(raw, base + 208);
            assertBitEqual(d * scale * q, got[i], i);
        }
    }

    @Test
    void dequantizeHonoursOffsetsAndBounds() {
        Random r = new Random(SEEDS.nextLong());
        for (GgmlType t : GgmlType.values()) {
            byte[] raw = randomBlocks(r, t, t.blockSize() == 1 ? 32 : 4);
            float[] all = Quantization.dequantize(t, raw);
            int bs = t.blockSize() == 1 ? 8 : t.blockSize();
            float[] part = new float[bs + 3];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(raw.length);
                seg.copyFrom(MemorySegment.ofArray(raw));
                long off = t.byteSize(bs) * 2;
                Quantization.dequantize(t, seg, off, part, 3, bs);
                for (int i = 0; i < bs; i++) {
                    assertEquals(Float.floatToRawIntBits(all[2 * bs + i]), Float.floatToRawIntBits(part[3 + i]), t + " " + i);
                }
                assertThrows(IndexOutOfBoundsException.class,
                        () -> Quantization.dequantize(t, seg, raw.length - t.byteSize(bs) + 1, part, 0, bs));
                assertThrows(IndexOutOfBoundsException.class, () -> Quantization.dequantize(t, seg, 0, part, 4, bs));
                if (t.blockSize() > 1) {
                    assertThrows(IllegalArgumentException.class, () -> Quantization.dequantize(t, seg, 0, part, 0, 1));
                }
            }
        }
    }

    @Test
    void dequantizeRowToDoubleReadsTheRightRow() {
        Random r = new Random(SEEDS.nextLong());
        float[] x = gaussian(r, 3 * 256, 0.5f);
        for (GgmlType t : GgmlType.values()) {
            byte[] q = Quantization.quantize(t, x);
            float[] all = Quantization.dequantize(t, q);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(q.length);
                seg.copyFrom(MemorySegment.ofArray(q));
                Tensor tensor = new Tensor("w", t, new long[] {256, 3}, seg);
                double[] row = Quantization.dequantizeRowToDouble(tensor, 2);
                for (int i = 0; i < 256; i++) {
                    assertEquals(all[512 + i], row[i], 0.0, t + " " + i);
                }
                assertThrows(IndexOutOfBoundsException.class, () -> Quantization.dequantizeRowToDouble(tensor, 3));
            }
        }
    }

    // ---- quantisers ----------------------------------------------------------------------

    @Test
    void q4_0HandWorkedBlock() {
        // x = j - 16: the largest magnitude is -16, so d = -16 / -8 = 2 and q = trunc(x/2 + 8.5)
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = j - 16;
        }
        byte[] q = Quantization.quantize(GgmlType.Q4_0, x);
        assertEquals(0x00, q[0]);
        assertEquals(0x40, q[1]); // f16 2.0 = 0x4000
        for (int j = 0; j < 16; j++) {
            int lo = (int) (j / 2.0 + 0.5);
            int hi = Math.min(15, (int) ((j + 16) / 2.0 + 0.5));
            assertEquals(lo | hi << 4, q[2 + j] & 0xFF, "byte " + j);
        }
        float[] back = Quantization.dequantize(GgmlType.Q4_0, q);
        assertEquals(-16f, back[0]);
        assertEquals(14f, back[31]); // 15 clipped to the top code 15 -> (15-8)*2
    }

    @Test
    void q8_0HandWorkedBlock() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (j - 10) * 0.5f; // amax 10.5 -> d = 10.5/127
        }
        byte[] q = Quantization.quantize(GgmlType.Q8_0, x);
        double id = 127 / 10.5;
        for (int j = 0; j < 32; j++) {
            assertEquals(Math.round(Math.abs(x[j]) * id) * (int) Math.signum(x[j]), q[2 + j], "q " + j);
        }
        assertEquals(Float.floatToFloat16(10.5f / 127), (short) ((q[0] & 0xFF) | (q[1] << 8)));
    }

    @Test
    void quantisersStayWithinTheirErrorBounds() {
        Random r = new Random(SEEDS.nextLong());
        float[] x = gaussian(r, 4096, 0.02f);
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q4_1,
                GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q5_K}) {
            float[] back = Quantization.dequantize(t, Quantization.quantize(t, x));
            // relative to the block's largest magnitude: half a step of the quantisation grid,
            // plus the rounding of the block scales to f16/6-bit/8-bit
            double rel = switch (t) {
                case Q8_0 -> 0.5 / 127 + 0.002;
                case Q4_0 -> 1.0 / 8 + 0.002;
                case Q4_K -> 2.0 / 15 + 0.04;
                case Q6_K -> 0.5 / 32 + 0.02;
                case Q4_1 -> 0.5 / 15 * 2 + 0.002; // half a step of (max - min) / 15, max - min <= 2 amax
                case Q5_0 -> 1.0 / 16 + 0.002;
                case Q5_1 -> 0.5 / 31 * 2 + 0.002;
                case IQ4_NL -> 14.0 / 127 + 0.004; // the far side tops out at 113, not 127; inner gaps <= 24/2
                case Q2_K -> 2.0 / 3 + 0.15;
                case Q3_K -> 1.0 / 4 + 0.08;
                case Q5_K -> 2.0 / 31 + 0.04;
                default -> throw new AssertionError();
            };
            int bs = t.blockSize();
            double sumSq = 0;
            double errSq = 0;
            for (int b = 0; b < x.length / bs; b++) {
                double amax = 0;
                for (int j = 0; j < bs; j++) {
                    amax = Math.max(amax, Math.abs(x[b * bs + j]));
                }
                for (int j = 0; j < bs; j++) {
                    double err = Math.abs((double) back[b * bs + j] - x[b * bs + j]);
                    assertTrue(err <= rel * amax, t + " element " + (b * bs + j) + " error " + err + " amax " + amax);
                    errSq += err * err;
                    sumSq += (double) x[b * bs + j] * x[b * bs + j];
                }
            }
            double snr = Math.sqrt(errSq / sumSq);
            double maxRms = switch (t) {
                case Q8_0 -> 0.01;
                case Q6_K -> 0.03;
                case Q5_0, Q5_1, Q5_K -> 0.08;
                case Q3_K -> 0.3;
                case Q2_K -> 0.5;
                default -> 0.15;
            };
            assertTrue(snr < maxRms, t + " relative rms error " + snr);
        }
    }

    @Test
    void quantizeRejectsPartialBlocks() {
        assertThrows(IllegalArgumentException.class, () -> Quantization.quantize(GgmlType.Q8_0, new float[33]));
        assertThrows(IllegalArgumentException.class, () -> Quantization.quantize(GgmlType.Q4_K, new float[128]));
    }

    // ---- helpers -------------------------------------------------------------------------

    /** Random block bytes with finite, moderate f16 scales (exponent -10..5) so products stay exact in double. */
    private static byte[] randomBlocks(Random r, GgmlType t, int blocks) {
        byte[] raw = new byte[t.blockBytes() * blocks];
        r.nextBytes(raw);
        for (int b = 0; b < blocks; b++) {
            int base = b * t.blockBytes();
            switch (t) {
                case Q8_0, Q4_0 -> putHalf(raw, base, r);
                case Q4_K -> {
                    putHalf(raw, base, r);
                    putHalf(raw, base + 2, r);
                }
                case Q6_K -> putHalf(raw, base + 208, r);
                case Q5_0, IQ4_NL -> putHalf(raw, base, r);
                case Q4_1, Q5_1, Q5_K -> {
                    putHalf(raw, base, r);
                    putHalf(raw, base + 2, r);
                }
                case Q2_K -> {
                    putHalf(raw, base + 80, r);
                    putHalf(raw, base + 82, r);
                }
                case Q3_K -> putHalf(raw, base + 108, r);
                case F16 -> {
                    for (int i = 0; i < t.blockBytes() * blocks; i += 2) {
                        putHalf(raw, i, r);
                    }
                    return raw;
                }
                case F32, BF16 -> {
                    // random bit patterns; keep them finite so equality is meaningful
                    MemorySegment s = MemorySegment.ofArray(raw);
                    float[] g = gaussian(r, raw.length / (t == GgmlType.F32 ? 4 : 2), 1f);
                    byte[] enc = Quantization.quantize(t, g);
                    System.arraycopy(enc, 0, raw, 0, enc.length);
                    assert s.byteSize() == raw.length;
                    return raw;
                }
            }
        }
        return raw;
    }

    private static void putHalf(byte[] raw, int off, Random r) {
        float v = (float) ((r.nextBoolean() ? 1 : -1) * (1 + r.nextDouble()) * Math.pow(2, r.nextInt(16) - 10));
        short h = Float.floatToFloat16(v);
        raw[off] = (byte) h;
        raw[off + 1] = (byte) (h >> 8);
    }

    private static double f16(byte[] raw, int off) {
        return Float.float16ToFloat((short) ((raw[off] & 0xFF) | (raw[off + 1] << 8)));
    }

    private static void assertBitEqual(double exact, float got, int index) {
        assertEquals(Float.floatToRawIntBits((float) exact), Float.floatToRawIntBits(got),
                "element " + index + ": expected " + (float) exact + " got " + got);
    }

    private static float[] gaussian(Random r, int n, float sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * sigma);
        }
        return x;
    }
}
