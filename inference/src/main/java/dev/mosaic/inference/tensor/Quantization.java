package dev.mosaic.inference.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Scalar Java quantisation and dequantisation for the GGML tensor types, bit-exact with ggml's
 * block layouts (all little-endian):
 * <ul>
 *   <li>{@code Q8_0}: {@code {f16 d; int8 qs[32]}}, value {@code qs[j] * d}</li>
 *   <li>{@code Q4_0}: {@code {f16 d; uint8 qs[16]}}, low nibbles are elements 0..15, high nibbles
 *       16..31, value {@code (q - 8) * d}</li>
 *   <li>{@code Q4_K}: super-block of 256 = {@code {f16 d; f16 dmin; uint8 scales[12]; uint8 qs[128]}},
 *       eight sub-blocks of 32 with 6-bit scales and mins, value {@code d*sc*q - dmin*m}</li>
 *   <li>{@code Q6_K}: super-block of 256 = {@code {uint8 ql[128]; uint8 qh[64]; int8 scales[16]; f16 d}},
 *       sixteen sub-blocks of 16, value {@code d * scale * (q - 32)}</li>
 * </ul>
 * Dequantisation follows ggml's float arithmetic in the same order, so the results are the same
 * floats ggml produces. Quantisers are simple (round to nearest) and exist to make test fixtures
 * and synthetic models; for Q8_0 and Q4_0 they follow ggml's reference quantisers exactly.
 *
 * <p>This is the reference every backend's kernels are checked against, so it favours clarity
 * over speed.
 */
public final class Quantization {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Quantization() {}

    /**
     * Dequantises {@code count} elements starting at byte {@code srcOffsetBytes} of {@code src}
     * (which must be the start of a block) into {@code dst[dstOffset ..]}.
     *
     * @throws IllegalArgumentException if {@code count} is not a multiple of the block size
     * @throws IndexOutOfBoundsException if the source or destination range is out of bounds
     */
    public static void dequantize(GgmlType type, MemorySegment src, long srcOffsetBytes, float[] dst, int dstOffset,
                                  int count) {
        Objects.requireNonNull(type, "type");
        long bytes = type.byteSize(count);
        Objects.checkFromIndexSize(srcOffsetBytes, bytes, src.byteSize());
        Objects.checkFromIndexSize(dstOffset, count, dst.length);
        int blocks = count / type.blockSize();
        switch (type) {
            case F32 -> MemorySegment.copy(src, F32, srcOffsetBytes, dst, dstOffset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = Float.float16ToFloat(src.get(U16, srcOffsetBytes + 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = bf16ToFloat(src.get(U16, srcOffsetBytes + 2L * i));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++) {
                    dequantizeQ8_0(src, srcOffsetBytes + (long) b * type.blockBytes(), dst, dstOffset + b * 32);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++) {
                    dequantizeQ4_0(src, srcOffsetBytes + (long) b * type.blockBytes(), dst, dstOffset + b * 32);
                }
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++) {
                    dequantizeQ4_K(src, srcOffsetBytes + (long) b * type.blockBytes(), dst, dstOffset + b * 256);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++) {
                    dequantizeQ6_K(src, srcOffsetBytes + (long) b * type.blockBytes(), dst, dstOffset + b * 256);
                }
            }
        }
    }

    /** Dequantises a whole byte array (e.g. the output of {@link #quantize}) to floats. */
    public static float[] dequantize(GgmlType type, byte[] src) {
        if (src.length % type.blockBytes() != 0) {
            throw new IllegalArgumentException(type + ": " + src.length + " bytes is not a whole number of blocks");
        }
        float[] out = new float[src.length / type.blockBytes() * type.blockSize()];
        dequantize(type, MemorySegment.ofArray(src), 0, out, 0, out.length);
        return out;
    }

    /**
     * Row {@code row} of a 2-D (or higher) tensor, dequantised and widened to double (exactly:
     * every float is a double). A reference helper for tests and float64 forward passes.
     */
    public static double[] dequantizeRowToDouble(Tensor t, long row) {
        Objects.checkIndex(row, t.rows());
        long cols = t.cols();
        if (cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(t + ": rows of " + cols + " elements do not fit an array");
        }
        long rowBytes = t.type().byteSize(cols);
        float[] f = new float[(int) cols];
        dequantize(t.type(), t.data(), row * rowBytes, f, 0, (int) cols);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /**
     * Encodes {@code src} as {@code type} (whole rows: {@code src.length} must be a multiple of
     * the block size). F32/F16/BF16 round to nearest even; Q8_0/Q4_0 follow ggml's reference
     * quantisers; Q4_K/Q6_K use a simple round-to-nearest scheme in ggml's layout.
     */
    public static byte[] quantize(GgmlType type, float[] src) {
        Objects.requireNonNull(type, "type");
        byte[] out = new byte[Math.toIntExact(type.byteSize(src.length))];
        MemorySegment dst = MemorySegment.ofArray(out);
        int blocks = src.length / type.blockSize();
        switch (type) {
            case F32 -> {
                for (int i = 0; i < src.length; i++) {
                    dst.set(F32, 4L * i, src[i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < src.length; i++) {
                    dst.set(U16, 2L * i, Float.floatToFloat16(src[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < src.length; i++) {
                    dst.set(U16, 2L * i, floatToBf16(src[i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++) {
                    quantizeQ8_0(src, b * 32, out, b * type.blockBytes());
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++) {
                    quantizeQ4_0(src, b * 32, out, b * type.blockBytes());
                }
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++) {
                    quantizeQ4_K(src, b * 256, out, b * type.blockBytes());
                }
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++) {
                    quantizeQ6_K(src, b * 256, out, b * type.blockBytes());
                }
            }
        }
        return out;
    }

    /** bfloat16 bits to float (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float to bfloat16 bits, round to nearest even, NaN kept quiet (as ggml's {@code ggml_compute_fp32_to_bf16}). */
    public static short floatToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    // ---- Q8_0 ----------------------------------------------------------------------------

    private static void dequantizeQ8_0(MemorySegment src, long off, float[] dst, int o) {
        float d = Float.float16ToFloat(src.get(U16, off));
        for (int j = 0; j < 32; j++) {
            dst[o + j] = src.get(ValueLayout.JAVA_BYTE, off + 2 + j) * d;
        }
    }

    private static void quantizeQ8_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(y, yo, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            y[yo + 2 + j] = (byte) roundHalfAway(x[xo + j] * id);
        }
    }

    // ---- Q4_0 ----------------------------------------------------------------------------

    private static void dequantizeQ4_0(MemorySegment src, long off, float[] dst, int o) {
        float d = Float.float16ToFloat(src.get(U16, off));
        for (int j = 0; j < 16; j++) {
            int q = src.get(ValueLayout.JAVA_BYTE, off + 2 + j) & 0xFF;
            dst[o + j] = ((q & 0x0F) - 8) * d;
            dst[o + j + 16] = ((q >>> 4) - 8) * d;
        }
    }

    private static void quantizeQ4_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(y, yo, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            // ggml: MIN(15, (int8_t)(x*id + 8.5f)) -- truncation toward zero, as the C cast does
            int q0 = Math.min(15, (byte) (int) (x[xo + j] * id + 8.5f));
            int q1 = Math.min(15, (byte) (int) (x[xo + 16 + j] * id + 8.5f));
            y[yo + 2 + j] = (byte) (q0 | (q1 << 4));
        }
    }

    // ---- Q4_K ----------------------------------------------------------------------------

    /** ggml's {@code get_scale_min_k4}: 6-bit scale (index 0) and min (index 1) of sub-block {@code j}. */
    private static int scaleK4(int j, MemorySegment s, long off) {
        if (j < 4) {
            return u8(s, off + j) & 63;
        }
        return (u8(s, off + j + 4) & 0xF) | ((u8(s, off + j - 4) >>> 6) << 4);
    }

    private static int minK4(int j, MemorySegment s, long off) {
        if (j < 4) {
            return u8(s, off + j + 4) & 63;
        }
        return (u8(s, off + j + 4) >>> 4) | ((u8(s, off + j) >>> 6) << 4);
    }

    private static void dequantizeQ4_K(MemorySegment src, long off, float[] dst, int o) {
        float d = Float.float16ToFloat(src.get(U16, off));
        float min = Float.float16ToFloat(src.get(U16, off + 2));
        long scales = off + 4;
        long q = off + 16;
        int y = o;
        for (int j = 0, is = 0; j < 256; j += 64, is += 2) {
            float d1 = d * scaleK4(is, src, scales);
            float m1 = min * minK4(is, src, scales);
            float d2 = d * scaleK4(is + 1, src, scales);
            float m2 = min * minK4(is + 1, src, scales);
            for (int l = 0; l < 32; l++) {
                dst[y++] = d1 * (u8(src, q + l) & 0xF) - m1;
            }
            for (int l = 0; l < 32; l++) {
                dst[y++] = d2 * (u8(src, q + l) >>> 4) - m2;
            }
            q += 32;
        }
    }

    private static void quantizeQ4_K(float[] x, int xo, byte[] y, int yo) {
        // Per sub-block of 32: x ~= scale * q - minOffset with q in 0..15, minOffset >= 0.
        float[] scale = new float[8];
        float[] minOffset = new float[8];
        float maxScale = 0;
        float maxMin = 0;
        for (int s = 0; s < 8; s++) {
            float lo = 0;
            float hi = 0;
            for (int l = 0; l < 32; l++) {
                float v = x[xo + s * 32 + l];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            scale[s] = (hi - lo) / 15;
            minOffset[s] = -lo;
            maxScale = Math.max(maxScale, scale[s]);
            maxMin = Math.max(maxMin, minOffset[s]);
        }
        float d = maxScale / 63;
        float dmin = maxMin / 63;
        short dBits = Float.floatToFloat16(d);
        short dminBits = Float.floatToFloat16(dmin);
        float dq = Float.float16ToFloat(dBits);
        float dminq = Float.float16ToFloat(dminBits);
        int[] ls = new int[8];
        int[] lm = new int[8];
        for (int s = 0; s < 8; s++) {
            ls[s] = dq > 0 ? clamp(Math.round(scale[s] / dq), 0, 63) : 0;
            lm[s] = dminq > 0 ? clamp(Math.round(minOffset[s] / dminq), 0, 63) : 0;
        }
        putF16(y, yo, dBits);
        putF16(y, yo + 2, dminBits);
        int sc = yo + 4;
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                y[sc + j] = (byte) ls[j];
                y[sc + j + 4] = (byte) lm[j];
            } else {
                y[sc + j + 4] = (byte) ((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
                y[sc + j - 4] |= (byte) ((ls[j] >>> 4) << 6);
                y[sc + j] |= (byte) ((lm[j] >>> 4) << 6);
            }
        }
        int[] q = new int[256];
        for (int s = 0; s < 8; s++) {
            float ds = dq * ls[s];
            float ms = dminq * lm[s];
            for (int l = 0; l < 32; l++) {
                q[s * 32 + l] = ds > 0 ? clamp(Math.round((x[xo + s * 32 + l] + ms) / ds), 0, 15) : 0;
            }
        }
        int qs = yo + 16;
        for (int j = 0; j < 256; j += 64) {
            for (int l = 0; l < 32; l++) {
                y[qs + l] = (byte) (q[j + l] | (q[j + l + 32] << 4));
            }
            qs += 32;
        }
    }

    // ---- Q6_K ----------------------------------------------------------------------------

    private static void dequantizeQ6_K(MemorySegment src, long off, float[] dst, int o) {
        long ql = off;
        long qh = off + 128;
        long sc = off + 192;
        float d = Float.float16ToFloat(src.get(U16, off + 208));
        int y = o;
        for (int n = 0; n < 256; n += 128) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = u8(src, qh + l);
                int q1 = ((u8(src, ql + l) & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((u8(src, ql + l + 32) & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = ((u8(src, ql + l) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                int q4 = ((u8(src, ql + l + 32) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                dst[y + l] = d * i8(src, sc + is) * q1;
                dst[y + l + 32] = d * i8(src, sc + is + 2) * q2;
                dst[y + l + 64] = d * i8(src, sc + is + 4) * q3;
                dst[y + l + 96] = d * i8(src, sc + is + 6) * q4;
            }
            y += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }

    private static void quantizeQ6_K(float[] x, int xo, byte[] y, int yo) {
        // Per sub-block of 16: x ~= scale * q with q in -32..31; the largest magnitude maps to -32.
        float[] scale = new float[16];
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int s = 0; s < 16; s++) {
            float amax = 0;
            float max = 0;
            for (int l = 0; l < 16; l++) {
                float v = x[xo + s * 16 + l];
                if (Math.abs(v) > amax) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            scale[s] = max / -32;
            if (Math.abs(scale[s]) > maxAbsScale) {
                maxAbsScale = Math.abs(scale[s]);
                maxScale = scale[s];
            }
        }
        int[] ls = new int[16];
        short dBits = 0;
        if (maxAbsScale > 0) {
            float iscale = -128f / maxScale;
            dBits = Float.floatToFloat16(1 / iscale);
            for (int s = 0; s < 16; s++) {
                ls[s] = clamp(Math.round(iscale * scale[s]), -128, 127);
            }
        }
        float d = Float.float16ToFloat(dBits);
        int[] q = new int[256];
        for (int s = 0; s < 16; s++) {
            float ds = d * ls[s];
            for (int l = 0; l < 16; l++) {
                q[s * 16 + l] = ds != 0 ? clamp(Math.round(x[xo + s * 16 + l] / ds), -32, 31) + 32 : 32;
            }
        }
        int ql = yo;
        int qh = yo + 128;
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                int q1 = q[j + l];
                int q2 = q[j + l + 32];
                int q3 = q[j + l + 64];
                int q4 = q[j + l + 96];
                y[ql + l] = (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4));
                y[ql + l + 32] = (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4));
                y[qh + l] = (byte) ((q1 >>> 4) | ((q2 >>> 4) << 2) | ((q3 >>> 4) << 4) | ((q4 >>> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
        for (int s = 0; s < 16; s++) {
            y[yo + 192 + s] = (byte) ls[s];
        }
        putF16(y, yo + 208, dBits);
    }

    // ---- helpers -------------------------------------------------------------------------

    private static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    private static int i8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off);
    }

    private static void putF16(byte[] y, int off, short bits) {
        y[off] = (byte) bits;
        y[off + 1] = (byte) (bits >>> 8);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** C's {@code roundf}: halves away from zero. */
    private static int roundHalfAway(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -a : a);
    }
}
