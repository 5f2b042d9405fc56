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
 *   <li>{@code Q4_1}: {@code {f16 d; f16 m; uint8 qs[16]}}, value {@code q * d + m}</li>
 *   <li>{@code Q5_0}: {@code {f16 d; uint32 qh; uint8 qs[16]}}, fifth bit of element j is bit j of
 *       {@code qh}, value {@code (q - 16) * d}</li>
 *   <li>{@code Q5_1}: {@code {f16 d; f16 m; uint32 qh; uint8 qs[16]}}, value {@code q * d + m}</li>
 *   <li>{@code IQ4_NL}: {@code {f16 d; uint8 qs[16]}}, value {@code d * LEVELS[q]} (ggml's
 *       {@code kvalues_iq4nl})</li>
 *   <li>{@code Q2_K}: {@code {uint8 scales[16]; uint8 qs[64]; f16 d; f16 dmin}}, sixteen
 *       sub-blocks of 16 with 4-bit scale and min, 2-bit q, value {@code d*sc*q - dmin*m}</li>
 *   <li>{@code Q3_K}: {@code {uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; f16 d}}, sixteen
 *       sub-blocks of 16 with 6-bit scales, value {@code d * (sc - 32) * (q - 4)}</li>
 *   <li>{@code Q5_K}: {@code {f16 d; f16 dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]}},
 *       as Q4_K with a fifth bit per element</li>
 * </ul>
 * Dequantisation follows ggml's float arithmetic in the same order, so the results are the same
 * floats ggml produces. Quantisers exist to make test fixtures and synthetic models; for the
 * 32-element types except IQ4_NL they follow ggml's reference quantisers exactly, the others are
 * simple round-to-nearest schemes.
 *
 * <p>This is the reference every backend's kernels are checked against, so it favours clarity
 * over speed.
 *
 * <p>Stateless (static methods only); thread-safe. Concurrent calls are safe as long as no two write the same
 * output.
 */
public final class Quantization {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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
            default -> {
                for (int b = 0; b < blocks; b++) {
                    long off = srcOffsetBytes + (long) b * type.blockBytes();
                    int o = dstOffset + b * type.blockSize();
                    switch (type) {
                        case Q4_1 -> dequantizeQ4_1(src, off, dst, o);
                        case Q5_0 -> dequantizeQ5_0(src, off, dst, o);
                        case Q5_1 -> dequantizeQ5_1(src, off, dst, o);
                        case IQ4_NL -> dequantizeIq4Nl(src, off, dst, o);
                        case Q2_K -> dequantizeQ2_K(src, off, dst, o);
                        case Q3_K -> dequantizeQ3_K(src, off, dst, o);
                        case Q5_K -> dequantizeQ5_K(src, off, dst, o);
                        default -> throw new IllegalStateException("no dequantiser for " + type);
                    }
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
     * the block size). F32/F16/BF16 round to nearest even; Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 follow
     * ggml's reference quantisers exactly; the K-quants and IQ4_NL use a simple round-to-nearest
     * scheme in ggml's layout (error of the same order as ggml's, see GgmlReferenceTest).
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
            default -> {
                for (int b = 0; b < blocks; b++) {
                    int xo = b * type.blockSize();
                    int yo = b * type.blockBytes();
                    switch (type) {
                        case Q4_1 -> quantizeQ4_1(src, xo, out, yo);
                        case Q5_0 -> quantizeQ5_0(src, xo, out, yo);
                        case Q5_1 -> quantizeQ5_1(src, xo, out, yo);
                        case IQ4_NL -> quantizeIq4Nl(src, xo, out, yo);
                        case Q2_K -> quantizeQ2_K(src, xo, out, yo);
                        case Q3_K -> quantizeQ3_K(src, xo, out, yo);
                        case Q5_K -> quantizeQ5_K(src, xo, out, yo);
                        default -> throw new IllegalStateException("no quantiser for " + type);
                    }
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

    // ---- Q4_1, Q5_0, Q5_1: ggml's reference quantisers, transcribed --------------------------

    private static void dequantizeQ4_1(MemorySegment src, long off, float[] dst, int o) {
        float d = Float.float16ToFloat(src.get(U16, off));
        float m = Float.float16ToFloat(src.get(U16, off + 2));
        for (int j = 0; j < 16; j++) {
            int q = u8(src, off + 4 + j);
            dst[o + j] = (q & 0x0F) * d + m;
            dst[o + j + 16] = (q >>> 4) * d + m;
        }
    }

    private static void quantizeQ4_1(float[] x, int xo, byte[] y, int yo) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, x[xo + j]);
            max = Math.max(max, x[xo + j]);
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(y, yo, Float.floatToFloat16(d));
        putF16(y, yo + 2, Float.floatToFloat16(min));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) ((x[xo + j] - min) * id + 0.5f));
            int q1 = Math.min(15, (byte) (int) ((x[xo + 16 + j] - min) * id + 0.5f));
            y[yo + 4 + j] = (byte) (q0 | (q1 << 4));
        }
    }

    private static void dequantizeQ5_0(MemorySegment src, long off, float[] dst, int o) {
        float d = Float.float16ToFloat(src.get(U16, off));
        int qh = src.get(U32, off + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(src, off + 6 + j);
            int h0 = ((qh >>> j) << 4) & 0x10;
            int h1 = (qh >>> (j + 12)) & 0x10;
            dst[o + j] = (((q & 0x0F) | h0) - 16) * d;
            dst[o + j + 16] = (((q >>> 4) | h1) - 16) * d;
        }
    }

    private static void quantizeQ5_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(y, yo, Float.floatToFloat16(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(31, (byte) (int) (x[xo + j] * id + 16.5f));
            int q1 = Math.min(31, (byte) (int) (x[xo + 16 + j] * id + 16.5f));
            y[yo + 6 + j] = (byte) ((q0 & 0x0F) | ((q1 & 0x0F) << 4));
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        putU32(y, yo + 2, qh);
    }

    private static void dequantizeQ5_1(MemorySegment src, long off, float[] dst, int o) {
        float d = Float.float16ToFloat(src.get(U16, off));
        float m = Float.float16ToFloat(src.get(U16, off + 2));
        int qh = src.get(U32, off + 4);
        for (int j = 0; j < 16; j++) {
            int q = u8(src, off + 8 + j);
            int h0 = ((qh >>> j) << 4) & 0x10;
            int h1 = (qh >>> (j + 12)) & 0x10;
            dst[o + j] = ((q & 0x0F) | h0) * d + m;
            dst[o + j + 16] = ((q >>> 4) | h1) * d + m;
        }
    }

    private static void quantizeQ5_1(float[] x, int xo, byte[] y, int yo) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, x[xo + j]);
            max = Math.max(max, x[xo + j]);
        }
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(y, yo, Float.floatToFloat16(d));
        putF16(y, yo + 2, Float.floatToFloat16(min));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            // ggml: (uint8_t)(x + 0.5f), no clamp (the value is at most 31.5)
            int q0 = (int) ((x[xo + j] - min) * id + 0.5f) & 0xFF;
            int q1 = (int) ((x[xo + 16 + j] - min) * id + 0.5f) & 0xFF;
            y[yo + 8 + j] = (byte) ((q0 & 0x0F) | ((q1 & 0x0F) << 4));
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        putU32(y, yo + 4, qh);
    }

    // ---- IQ4_NL ------------------------------------------------------------------------------

    /** ggml's {@code kvalues_iq4nl}: the 16 non-uniform levels of IQ4_NL. */
    private static final int[] IQ4_NL_LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private static void dequantizeIq4Nl(MemorySegment src, long off, float[] dst, int o) {
        float d = Float.float16ToFloat(src.get(U16, off));
        for (int j = 0; j < 16; j++) {
            int q = u8(src, off + 2 + j);
            dst[o + j] = d * IQ4_NL_LEVELS[q & 0xF];
            dst[o + j + 16] = d * IQ4_NL_LEVELS[q >>> 4];
        }
    }

    private static void quantizeIq4Nl(float[] x, int xo, byte[] y, int yo) {
        // The largest magnitude maps to the level -127; every value to its nearest level.
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        short dBits = Float.floatToFloat16(max / -127f);
        float d = Float.float16ToFloat(dBits);
        putF16(y, yo, dBits);
        for (int j = 0; j < 16; j++) {
            int q0 = nearestLevel(d != 0 ? x[xo + j] / d : 0);
            int q1 = nearestLevel(d != 0 ? x[xo + 16 + j] / d : 0);
            y[yo + 2 + j] = (byte) (q0 | (q1 << 4));
        }
    }

    private static int nearestLevel(float v) {
        int best = 0;
        for (int i = 1; i < 16; i++) {
            if (Math.abs(v - IQ4_NL_LEVELS[i]) < Math.abs(v - IQ4_NL_LEVELS[best])) {
                best = i;
            }
        }
        return best;
    }

    // ---- Q2_K --------------------------------------------------------------------------------

    private static void dequantizeQ2_K(MemorySegment src, long off, float[] dst, int o) {
        float d = Float.float16ToFloat(src.get(U16, off + 80));
        float min = Float.float16ToFloat(src.get(U16, off + 82));
        long q = off + 16;
        int is = 0;
        int y = o;
        for (int n = 0; n < 256; n += 128) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; half++) {
                    int sc = u8(src, off + is++);
                    float dl = d * (sc & 0xF);
                    float ml = min * (sc >>> 4);
                    for (int l = 0; l < 16; l++) {
                        dst[y++] = dl * ((u8(src, q + 16 * half + l) >>> shift) & 3) - ml;
                    }
                }
            }
            q += 32;
        }
    }

    private static void quantizeQ2_K(float[] x, int xo, byte[] y, int yo) {
        int[] q = new int[256];
        int[][] sm = quantizeAsymmetric(x, xo, 16, 16, 3, 15, q);
        for (int s = 0; s < 16; s++) {
            y[yo + s] = (byte) (sm[0][s] | (sm[1][s] << 4));
        }
        packTwoBit(q, y, yo + 16);
        putF16(y, yo + 80, (short) sm[2][0]);
        putF16(y, yo + 82, (short) sm[2][1]);
    }

    /** ggml's 2-bit layout: byte {@code 32*(e/128) + e%32} holds element e at bit 2*((e%128)/32). */
    private static void packTwoBit(int[] q, byte[] y, int at) {
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                y[at + j / 4 + l] = (byte) ((q[j + l] & 3) | ((q[j + l + 32] & 3) << 2) | ((q[j + l + 64] & 3) << 4)
                        | ((q[j + l + 96] & 3) << 6));
            }
        }
    }

    /**
     * Per sub-block of {@code sub} elements, {@code x ~= scale * q - minOffset} with q in
     * 0..qmax, scale and minOffset quantised to 0..smax against two f16 super-scales. Returns
     * {scales[], mins[], {dBits, dminBits}} and fills {@code q}.
     */
    private static int[][] quantizeAsymmetric(float[] x, int xo, int subs, int sub, int qmax, int smax, int[] q) {
        float[] scale = new float[subs];
        float[] minOffset = new float[subs];
        float maxScale = 0;
        float maxMin = 0;
        for (int s = 0; s < subs; s++) {
            float lo = 0;
            float hi = 0;
            for (int l = 0; l < sub; l++) {
                float v = x[xo + s * sub + l];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            scale[s] = (hi - lo) / qmax;
            minOffset[s] = -lo;
            maxScale = Math.max(maxScale, scale[s]);
            maxMin = Math.max(maxMin, minOffset[s]);
        }
        short dBits = Float.floatToFloat16(maxScale / smax);
        short dminBits = Float.floatToFloat16(maxMin / smax);
        float dq = Float.float16ToFloat(dBits);
        float dminq = Float.float16ToFloat(dminBits);
        int[] ls = new int[subs];
        int[] lm = new int[subs];
        for (int s = 0; s < subs; s++) {
            ls[s] = dq > 0 ? clamp(Math.round(scale[s] / dq), 0, smax) : 0;
            lm[s] = dminq > 0 ? clamp(Math.round(minOffset[s] / dminq), 0, smax) : 0;
            float ds = dq * ls[s];
            float ms = dminq * lm[s];
            for (int l = 0; l < sub; l++) {
                q[s * sub + l] = ds > 0 ? clamp(Math.round((x[xo + s * sub + l] + ms) / ds), 0, qmax) : 0;
            }
        }
        return new int[][] {ls, lm, {dBits & 0xFFFF, dminBits & 0xFFFF}};
    }

    // ---- Q3_K --------------------------------------------------------------------------------

    /** The 16 six-bit scales of a Q3_K block, unpacked as ggml's {@code dequantize_row_q3_K} does. */
    private static int[] q3kScales(MemorySegment src, long at) {
        int[] aux = new int[4];
        for (int i = 0; i < 3; i++) {
            aux[i] = src.get(U32, at + 4L * i);
        }
        int kmask1 = 0x03030303;
        int kmask2 = 0x0f0f0f0f;
        int tmp = aux[2];
        aux[2] = ((aux[0] >>> 4) & kmask2) | (((tmp >>> 4) & kmask1) << 4);
        aux[3] = ((aux[1] >>> 4) & kmask2) | (((tmp >>> 6) & kmask1) << 4);
        aux[0] = (aux[0] & kmask2) | ((tmp & kmask1) << 4);
        aux[1] = (aux[1] & kmask2) | (((tmp >>> 2) & kmask1) << 4);
        int[] scales = new int[16];
        for (int i = 0; i < 16; i++) {
            scales[i] = (byte) (aux[i / 4] >>> (8 * (i % 4)));
        }
        return scales;
    }

    private static void dequantizeQ3_K(MemorySegment src, long off, float[] dst, int o) {
        long hm = off;
        long q = off + 32;
        int[] scales = q3kScales(src, off + 96);
        float dAll = Float.float16ToFloat(src.get(U16, off + 108));
        int m = 1;
        int is = 0;
        int y = o;
        for (int n = 0; n < 256; n += 128) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; half++) {
                    float dl = dAll * (scales[is++] - 32);
                    for (int l = 0; l < 16; l++) {
                        int low = (u8(src, q + 16 * half + l) >>> shift) & 3;
                        int sub = (u8(src, hm + 16 * half + l) & m) != 0 ? 0 : 4;
                        dst[y++] = dl * (low - sub);
                    }
                }
                m <<= 1;
            }
            q += 32;
        }
    }

    private static void quantizeQ3_K(float[] x, int xo, byte[] y, int yo) {
        // Per sub-block of 16: x ~= scale * q with q in -4..3; the largest magnitude maps to -4.
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
            scale[s] = max / -4;
            if (Math.abs(scale[s]) > maxAbsScale) {
                maxAbsScale = Math.abs(scale[s]);
                maxScale = scale[s];
            }
        }
        int[] ls = new int[16];
        short dBits = 0;
        if (maxAbsScale > 0) {
            float iscale = -32f / maxScale;
            dBits = Float.floatToFloat16(1 / iscale);
            for (int s = 0; s < 16; s++) {
                ls[s] = clamp(Math.round(iscale * scale[s]), -32, 31);
            }
        }
        float d = Float.float16ToFloat(dBits);
        int[] q = new int[256];
        for (int s = 0; s < 16; s++) {
            float ds = d * ls[s];
            for (int l = 0; l < 16; l++) {
                q[s * 16 + l] = ds != 0 ? clamp(Math.round(x[xo + s * 16 + l] / ds), -4, 3) + 4 : 4;
            }
        }
        // scales: low 4 bits in bytes 0..7 (two per byte), high 2 bits in bytes 8..11 (ggml's packing)
        for (int j = 0; j < 16; j++) {
            int l = ls[j] + 32;
            if (j < 8) {
                y[yo + 96 + j] = (byte) (l & 0xF);
            } else {
                y[yo + 96 + j - 8] |= (byte) ((l & 0xF) << 4);
            }
            y[yo + 96 + 8 + j % 4] |= (byte) ((l >>> 4) << (2 * (j / 4)));
        }
        // third bit: hmask[e % 32] bit e / 32 (set means q >= 4)
        for (int e = 0; e < 256; e++) {
            if (q[e] > 3) {
                y[yo + e % 32] |= (byte) (1 << (e / 32));
            }
        }
        packTwoBit(q, y, yo + 32);
        putF16(y, yo + 108, dBits);
    }

    // ---- Q5_K --------------------------------------------------------------------------------

    private static void dequantizeQ5_K(MemorySegment src, long off, float[] dst, int o) {
        float d = Float.float16ToFloat(src.get(U16, off));
        float min = Float.float16ToFloat(src.get(U16, off + 2));
        long scales = off + 4;
        long qh = off + 16;
        long ql = off + 48;
        int u1 = 1;
        int u2 = 2;
        int y = o;
        for (int j = 0, is = 0; j < 256; j += 64, is += 2) {
            float d1 = d * scaleK4(is, src, scales);
            float m1 = min * minK4(is, src, scales);
            float d2 = d * scaleK4(is + 1, src, scales);
            float m2 = min * minK4(is + 1, src, scales);
            for (int l = 0; l < 32; l++) {
                dst[y++] = d1 * ((u8(src, ql + l) & 0xF) + ((u8(src, qh + l) & u1) != 0 ? 16 : 0)) - m1;
            }
            for (int l = 0; l < 32; l++) {
                dst[y++] = d2 * ((u8(src, ql + l) >>> 4) + ((u8(src, qh + l) & u2) != 0 ? 16 : 0)) - m2;
            }
            ql += 32;
            u1 <<= 2;
            u2 <<= 2;
        }
    }

    private static void quantizeQ5_K(float[] x, int xo, byte[] y, int yo) {
        int[] q = new int[256];
        int[][] sm = quantizeAsymmetric(x, xo, 8, 32, 31, 63, q);
        putF16(y, yo, (short) sm[2][0]);
        putF16(y, yo + 2, (short) sm[2][1]);
        packScalesK4(sm[0], sm[1], y, yo + 4);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int lo = q[64 * c + l];
                int hi = q[64 * c + 32 + l];
                y[yo + 48 + 32 * c + l] = (byte) ((lo & 0xF) | ((hi & 0xF) << 4));
                y[yo + 16 + l] |= (byte) (((lo >>> 4) << (2 * c)) | ((hi >>> 4) << (2 * c + 1)));
            }
        }
    }

    /** ggml's packing of eight 6-bit scales and mins into 12 bytes (Q4_K, Q5_K). */
    private static void packScalesK4(int[] ls, int[] lm, byte[] y, int sc) {
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

    private static void putU32(byte[] y, int off, int v) {
        for (int i = 0; i < 4; i++) {
            y[off + i] = (byte) (v >>> (8 * i));
        }
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
