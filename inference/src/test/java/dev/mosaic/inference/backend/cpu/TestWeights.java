package dev.mosaic.inference.backend.cpu;

import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Random weight tensors of every type, built byte by byte from ggml's block layouts, together
 * with the exact values they encode (decoded independently here, in double).
 */
final class TestWeights {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A tensor and the values of its rows. */
    record Weight(Tensor tensor, double[][] values) {}

    private TestWeights() {}

    /** A {@code rows x cols} tensor of {@code type} with random contents, allocated in {@code arena}. */
    static Weight random(String name, GgmlType type, int rows, int cols, Random rnd, Arena arena) {
        long rowBytes = type.byteSize(cols);
        // odd offset into a larger allocation: weights in mapped files need not be aligned
        MemorySegment all = arena.allocate(rowBytes * rows + 3, 1);
        MemorySegment data = all.asSlice(type == GgmlType.F32 ? 0 : 1, rowBytes * rows);
        double[][] values = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            MemorySegment row = data.asSlice(r * rowBytes, rowBytes);
            fillRow(type, row, values[r], rnd);
        }
        long[] shape = rows == 1 ? new long[] {cols} : new long[] {cols, rows};
        return new Weight(new Tensor(name, type, shape, data), values);
    }

    /** An f16 bit pattern of a random value of magnitude about {@code scale}, never zero. */
    static short randomHalf(Random rnd, double scale) {
        double v = scale * (0.25 + rnd.nextDouble()) * (rnd.nextBoolean() ? 1 : -1);
        return Float.floatToFloat16((float) v);
    }

    static double half(short bits) {
        return Float.float16ToFloat(bits);
    }

    private static void fillRow(GgmlType type, MemorySegment row, double[] v, Random rnd) {
        int cols = v.length;
        switch (type) {
            case F32 -> {
                for (int c = 0; c < cols; c++) {
                    float f = (float) (rnd.nextDouble() * 2 - 1);
                    row.set(FLOAT, 4L * c, f);
                    v[c] = f;
                }
            }
            case F16 -> {
                for (int c = 0; c < cols; c++) {
                    short h = Float.floatToFloat16((float) (rnd.nextDouble() * 2 - 1));
                    row.set(SHORT, 2L * c, h);
                    v[c] = half(h);
                }
            }
            case BF16 -> {
                for (int c = 0; c < cols; c++) {
                    int bits = Float.floatToRawIntBits((float) (rnd.nextDouble() * 2 - 1)) >>> 16;
                    row.set(SHORT, 2L * c, (short) bits);
                    v[c] = Float.intBitsToFloat(bits << 16);
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    long o = 34L * b;
                    short d = randomHalf(rnd, 0.01);
                    row.set(SHORT, o, d);
                    for (int j = 0; j < 32; j++) {
                        byte q = (byte) (rnd.nextInt(255) - 127);
                        row.set(ValueLayout.JAVA_BYTE, o + 2 + j, q);
                        v[32 * b + j] = half(d) * q;
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    long o = 18L * b;
                    short d = randomHalf(rnd, 0.1);
                    row.set(SHORT, o, d);
                    for (int j = 0; j < 16; j++) {
                        int q = rnd.nextInt(256);
                        row.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) q);
                        v[32 * b + j] = half(d) * ((q & 0xf) - 8);
                        v[32 * b + j + 16] = half(d) * ((q >> 4) - 8);
                    }
                }
            }
            case Q4_K -> {
                for (int b = 0; b < cols / 256; b++) {
                    long o = 144L * b;
                    short d = randomHalf(rnd, 0.01);
                    short dmin = randomHalf(rnd, 0.01);
                    row.set(SHORT, o, d);
                    row.set(SHORT, o + 2, dmin);
                    int[] sc = new int[8];
                    int[] mn = new int[8];
                    for (int j = 0; j < 8; j++) {
                        sc[j] = rnd.nextInt(64);
                        mn[j] = rnd.nextInt(64);
                    }
                    // ggml packs 8 six-bit scales and mins into 12 bytes
                    byte[] packed = new byte[12];
                    for (int j = 0; j < 4; j++) {
                        packed[j] = (byte) ((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
                        packed[j + 4] = (byte) ((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
                        packed[j + 8] = (byte) ((sc[j + 4] & 0xf) | ((mn[j + 4] & 0xf) << 4));
                    }
                    MemorySegment.copy(packed, 0, row, ValueLayout.JAVA_BYTE, o + 4, 12);
                    for (int chunk = 0; chunk < 4; chunk++) {
                        for (int l = 0; l < 32; l++) {
                            int q = rnd.nextInt(256);
                            row.set(ValueLayout.JAVA_BYTE, o + 16 + 32L * chunk + l, (byte) q);
                            int lo = 2 * chunk;
                            int hi = 2 * chunk + 1;
                            v[256 * b + 64 * chunk + l] = half(d) * sc[lo] * (q & 0xf) - half(dmin) * mn[lo];
                            v[256 * b + 64 * chunk + 32 + l] = half(d) * sc[hi] * (q >> 4) - half(dmin) * mn[hi];
                        }
                    }
                }
            }
            case Q4_1, Q5_1 -> {
                boolean five = type == GgmlType.Q5_1;
                int bb = five ? 24 : 20;
                for (int b = 0; b < cols / 32; b++) {
                    long o = (long) bb * b;
                    short d = randomHalf(rnd, 0.1);
                    short m = randomHalf(rnd, 0.5);
                    row.set(SHORT, o, d);
                    row.set(SHORT, o + 2, m);
                    int qh = rnd.nextInt();
                    if (five) {
                        row.set(INT, o + 4, qh);
                    }
                    long qs = o + (five ? 8 : 4);
                    for (int j = 0; j < 32; j++) {
                        // element j: nibble j % 16 (low half first), fifth bit = bit j of qh
                        int q = rnd.nextInt(16);
                        setNibble(row, qs + j % 16, j >= 16, q);
                        int full = q + (five ? 16 * ((qh >>> j) & 1) : 0);
                        v[32 * b + j] = full * half(d) + half(m);
                    }
                }
            }
            case Q5_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    long o = 22L * b;
                    short d = randomHalf(rnd, 0.1);
                    row.set(SHORT, o, d);
                    int qh = rnd.nextInt();
                    row.set(INT, o + 2, qh);
                    for (int j = 0; j < 32; j++) {
                        int q = rnd.nextInt(16);
                        setNibble(row, o + 6 + j % 16, j >= 16, q);
                        v[32 * b + j] = (q + 16 * ((qh >>> j) & 1) - 16) * half(d);
                    }
                }
            }
            case IQ4_NL -> {
                int[] levels = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
                for (int b = 0; b < cols / 32; b++) {
                    long o = 18L * b;
                    short d = randomHalf(rnd, 0.01);
                    row.set(SHORT, o, d);
                    for (int j = 0; j < 32; j++) {
                        int q = rnd.nextInt(16);
                        setNibble(row, o + 2 + j % 16, j >= 16, q);
                        v[32 * b + j] = half(d) * levels[q];
                    }
                }
            }
            case Q2_K -> {
                for (int b = 0; b < cols / 256; b++) {
                    long o = 84L * b;
                    short d = randomHalf(rnd, 0.01);
                    short dmin = randomHalf(rnd, 0.01);
                    row.set(SHORT, o + 80, d);
                    row.set(SHORT, o + 82, dmin);
                    for (int s = 0; s < 16; s++) {
                        row.set(ValueLayout.JAVA_BYTE, o + s, (byte) rnd.nextInt(256));
                    }
                    for (int e = 0; e < 256; e++) {
                        int q = rnd.nextInt(4);
                        long at = o + 16 + twoBitByte(e);
                        row.set(ValueLayout.JAVA_BYTE, at, (byte) (row.get(ValueLayout.JAVA_BYTE, at) | (q << twoBitShift(e))));
                        int sc = row.get(ValueLayout.JAVA_BYTE, o + e / 16) & 0xFF;
                        v[256 * b + e] = half(d) * (sc & 0xF) * q - half(dmin) * (sc >> 4);
                    }
                }
            }
            case Q3_K -> {
                for (int b = 0; b < cols / 256; b++) {
                    long o = 110L * b;
                    short d = randomHalf(rnd, 0.01);
                    row.set(SHORT, o + 108, d);
                    int[] sc = new int[16];
                    for (int s = 0; s < 16; s++) {
                        sc[s] = rnd.nextInt(64);
                        // low nibble: byte s % 8, half s / 8; high two bits: byte 8 + s % 4, bits 2 * (s / 4)
                        setNibble(row, o + 96 + s % 8, s >= 8, sc[s] & 0xF);
                        long hb = o + 96 + 8 + s % 4;
                        row.set(ValueLayout.JAVA_BYTE, hb, (byte) (row.get(ValueLayout.JAVA_BYTE, hb) | ((sc[s] >> 4) << (2 * (s / 4)))));
                    }
                    for (int e = 0; e < 256; e++) {
                        int q = rnd.nextInt(8); // value q - 4: low 2 bits in qs, bit 2 in hmask[e % 32] bit e / 32
                        long at = o + 32 + twoBitByte(e);
                        row.set(ValueLayout.JAVA_BYTE, at, (byte) (row.get(ValueLayout.JAVA_BYTE, at) | ((q & 3) << twoBitShift(e))));
                        if (q >= 4) {
                            long hm = o + e % 32;
                            row.set(ValueLayout.JAVA_BYTE, hm, (byte) (row.get(ValueLayout.JAVA_BYTE, hm) | (1 << (e / 32))));
                        }
                        v[256 * b + e] = half(d) * (sc[e / 16] - 32) * (q - 4);
                    }
                }
            }
            case Q5_K -> {
                for (int b = 0; b < cols / 256; b++) {
                    long o = 176L * b;
                    short d = randomHalf(rnd, 0.01);
                    short dmin = randomHalf(rnd, 0.01);
                    row.set(SHORT, o, d);
                    row.set(SHORT, o + 2, dmin);
                    int[] sc = new int[8];
                    int[] mn = new int[8];
                    for (int j = 0; j < 8; j++) {
                        sc[j] = rnd.nextInt(64);
                        mn[j] = rnd.nextInt(64);
                    }
                    byte[] packed = new byte[12];
                    for (int j = 0; j < 4; j++) {
                        packed[j] = (byte) ((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
                        packed[j + 4] = (byte) ((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
                        packed[j + 8] = (byte) ((sc[j + 4] & 0xf) | ((mn[j + 4] & 0xf) << 4));
                    }
                    MemorySegment.copy(packed, 0, row, ValueLayout.JAVA_BYTE, o + 4, 12);
                    for (int e = 0; e < 256; e++) {
                        // element e: sub-block e / 32; low nibble of qs[32 * (e / 64) + e % 32] (high for odd
                        // sub-blocks); fifth bit = bit e / 32 of qh[e % 32]
                        int q = rnd.nextInt(32);
                        setNibble(row, o + 48 + 32 * (e / 64) + e % 32, (e / 32) % 2 == 1, q & 0xF);
                        long hb = o + 16 + e % 32;
                        row.set(ValueLayout.JAVA_BYTE, hb, (byte) (row.get(ValueLayout.JAVA_BYTE, hb) | ((q >> 4) << (e / 32))));
                        int s = e / 32;
                        v[256 * b + e] = half(d) * sc[s] * q - half(dmin) * mn[s];
                    }
                }
            }
            case Q6_K -> {
                for (int b = 0; b < cols / 256; b++) {
                    long o = 210L * b;
                    int[] q = new int[256];
                    for (int j = 0; j < 256; j++) {
                        q[j] = rnd.nextInt(64);
                    }
                    byte[] scales = new byte[16];
                    for (int j = 0; j < 16; j++) {
                        scales[j] = (byte) (rnd.nextInt(255) - 127);
                    }
                    short d = randomHalf(rnd, 0.001);
                    // element e of a 128-half: ql nibble and qh 2-bit field as in ggml's dequantize_row_q6_K
                    byte[] ql = new byte[128];
                    byte[] qh = new byte[64];
                    for (int n = 0; n < 2; n++) {
                        for (int l = 0; l < 32; l++) {
                            int q1 = q[128 * n + l], q2 = q[128 * n + l + 32], q3 = q[128 * n + l + 64], q4 = q[128 * n + l + 96];
                            ql[64 * n + l] = (byte) ((q1 & 0xf) | ((q3 & 0xf) << 4));
                            ql[64 * n + l + 32] = (byte) ((q2 & 0xf) | ((q4 & 0xf) << 4));
                            qh[32 * n + l] = (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
                        }
                    }
                    MemorySegment.copy(ql, 0, row, ValueLayout.JAVA_BYTE, o, 128);
                    MemorySegment.copy(qh, 0, row, ValueLayout.JAVA_BYTE, o + 128, 64);
                    MemorySegment.copy(scales, 0, row, ValueLayout.JAVA_BYTE, o + 192, 16);
                    row.set(SHORT, o + 208, d);
                    for (int j = 0; j < 256; j++) {
                        // sub-block of 16 elements -> scale index j / 16
                        v[256 * b + j] = half(d) * scales[j / 16] * (q[j] - 32);
                    }
                }
            }
        }
    }

    /** Sets the low ({@code high == false}) or high nibble of the byte at {@code at}. */
    private static void setNibble(MemorySegment row, long at, boolean high, int q) {
        int b = row.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
        b = high ? (b & 0x0F) | (q << 4) : (b & 0xF0) | q;
        row.set(ValueLayout.JAVA_BYTE, at, (byte) b);
    }

    /** ggml's 2-bit packing (Q2_K, Q3_K): element e of a block lives in byte 32*(e/128) + e%32 ... */
    private static int twoBitByte(int e) {
        return 32 * (e / 128) + e % 32;
    }

    /** ... at bit 2*((e % 128) / 32). */
    private static int twoBitShift(int e) {
        return 2 * ((e % 128) / 32);
    }
}
