package dev.mosaic.bench;

import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/** Random, well-formed weight tensors for benchmarks (finite scales, no NaN or subnormal floats). */
final class BenchWeights {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private BenchWeights() {}

    static Tensor random(String name, GgmlType type, int rows, int cols, long seed, Arena arena) {
        Random rnd = new Random(seed);
        long bytes = type.byteSize((long) rows * cols);
        MemorySegment data = arena.allocate(bytes, 64);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    data.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian() * 0.02f);
                }
            }
            case F16 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    data.set(SHORT, 2 * i, Float.floatToFloat16((float) rnd.nextGaussian() * 0.02f));
                }
            }
            case BF16 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    data.set(SHORT, 2 * i, (short) (Float.floatToRawIntBits((float) rnd.nextGaussian() * 0.02f) >>> 16));
                }
            }
            default -> {
                byte[] noise = new byte[(int) Math.min(bytes, 1 << 20)];
                rnd.nextBytes(noise);
                for (long off = 0; off < bytes; off += noise.length) {
                    MemorySegment.copy(noise, 0, data, ValueLayout.JAVA_BYTE, off, (int) Math.min(noise.length, bytes - off));
                }
                // every f16 scale field: a small positive normal number
                short scale = Float.floatToFloat16(0.001f);
                for (long b = 0; b < bytes / type.blockBytes(); b++) {
                    long o = b * type.blockBytes();
                    switch (type) {
                        case Q4_K -> {
                            data.set(SHORT, o, scale);
                            data.set(SHORT, o + 2, scale);
                        }
                        case Q6_K -> data.set(SHORT, o + 208, scale);
                        default -> data.set(SHORT, o, scale);
                    }
                }
            }
        }
        long[] shape = {cols, rows};
        return new Tensor(name, type, shape, data);
    }
}
