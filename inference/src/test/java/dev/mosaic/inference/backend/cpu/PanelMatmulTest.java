package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mosaic.bindings.mosaic.mosaic_h;
import dev.mosaic.inference.tensor.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The 16-row panel kernels (native/src/matmul_panels.c): every output is one fused multiply-add
 * chain over the columns in order, so each path (AVX-512 and portable), batch and thread split
 * gives exactly what Math.fma in a Java loop gives, bit for bit; odd shapes included (rows past a
 * panel, columns not a multiple of anything).
 */
class PanelMatmulTest {

    @Test
    void everyPathBatchAndSplitIsOneFmaChainPerOutput() {
        Random rnd = new Random(2026);
        CpuIsa before = CpuIsa.active();
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType type : new GgmlType[] {GgmlType.F16, GgmlType.BF16, GgmlType.F32}) {
                for (int[] shape : new int[][] {{1, 1}, {15, 7}, {16, 64}, {17, 96}, {100, 33}, {130, 256}}) {
                    int wRows = shape[0];
                    int cols = shape[1];
                    TestWeights.Weight w = TestWeights.random("w", type, wRows, cols, rnd, arena);
                    float[][] wf = floats(type, w.tensor().data(), wRows, cols);
                    long bytes = mosaic_h.mosaic_panel_bytes(type.id(), wRows, cols);
                    assertEquals((wRows + 15) / 16 * 16L * cols * (type == GgmlType.F32 ? 4 : 2), bytes);
                    MemorySegment panels = arena.allocate(bytes, 64);
                    assertEquals(1, mosaic_h.mosaic_pack_panels(type.id(), w.tensor().data(), wRows, cols, panels, 2));
                    for (int rows : new int[] {1, 2, 5, 7, 13}) {
                        float[][] x = new float[rows][cols];
                        MemorySegment xs = arena.allocate((long) rows * cols * Float.BYTES, 64);
                        for (int r = 0; r < rows; r++) {
                            for (int k = 0; k < cols; k++) {
                                x[r][k] = (float) rnd.nextGaussian();
                                xs.setAtIndex(ValueLayout.JAVA_FLOAT, (long) r * cols + k, x[r][k]);
                            }
                        }
                        for (CpuIsa isa : new CpuIsa[] {CpuIsa.AVX512, CpuIsa.PORTABLE}) {
                            if (CpuIsa.select(isa) != isa) {
                                continue; // this CPU lacks the path
                            }
                            for (int threads : new int[] {1, 3}) {
                                MemorySegment out = arena.allocate((long) rows * wRows * Float.BYTES, 64);
                                assertEquals(1, mosaic_h.mosaic_matmul_panels(type.id(), panels, wRows, cols, xs, rows, out, threads));
                                for (int r = 0; r < rows; r++) {
                                    for (int o = 0; o < wRows; o++) {
                                        float acc = 0;
                                        for (int k = 0; k < cols; k++) {
                                            acc = Math.fma(wf[o][k], x[r][k], acc);
                                        }
                                        float got = out.getAtIndex(ValueLayout.JAVA_FLOAT, (long) r * wRows + o);
                                        assertEquals(Float.floatToRawIntBits(acc), Float.floatToRawIntBits(got),
                                                type + " " + wRows + "x" + cols + ", " + rows + " rows, " + isa + ", " + threads
                                                        + " threads: out[" + r + "][" + o + "] " + got + " vs " + acc);
                                    }
                                }
                            }
                        }
                        CpuIsa.select(before);
                    }
                }
            }
            assertEquals(0, mosaic_h.mosaic_panel_bytes(GgmlType.Q8_0.id(), 16, 32), "quantised types have no panel layout");
            assertEquals(0, mosaic_h.mosaic_matmul_panels(GgmlType.Q8_0.id(), MemorySegment.NULL, 16, 32, MemorySegment.NULL, 1,
                    MemorySegment.NULL, 1));
        } finally {
            CpuIsa.select(before);
        }
    }

    private static float[][] floats(GgmlType type, MemorySegment data, int rows, int cols) {
        float[][] f = new float[rows][cols];
        for (int o = 0; o < rows; o++) {
            for (int k = 0; k < cols; k++) {
                long i = (long) o * cols + k;
                f[o][k] = switch (type) {
                    case F32 -> data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                    case F16 -> Float.float16ToFloat(data.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
                    default -> Float.intBitsToFloat((data.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) & 0xffff) << 16);
                };
            }
        }
        return f;
    }
}
