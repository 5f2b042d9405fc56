package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.backend.cpu.CpuBackend.MatmulActivations;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * AMX is used only after the kernel granted the tile-data permission: the status follows the CPU's
 * flags, switching AMX off reports DENIED (or UNSUPPORTED) and the int8 matmul then still runs, on
 * the AVX-512/AVX2 kernels, with unchanged results.
 */
class AmxFallbackTest {

    @Test
    void statusFollowsTheCpuAndTheSwitch() throws IOException {
        boolean cpuHasAmx = cpuFlags().contains(" amx_tile") && cpuFlags().contains(" amx_int8");
        try {
            CpuIsa.Amx allowed = CpuIsa.allowAmx(true);
            if (!cpuHasAmx) {
                assertEquals(CpuIsa.Amx.UNSUPPORTED, allowed);
            } else {
                assertNotEquals(CpuIsa.Amx.UNSUPPORTED, allowed, "CPU flags list amx_tile and amx_int8");
            }
            CpuIsa.Amx off = CpuIsa.allowAmx(false);
            assertEquals(cpuHasAmx ? CpuIsa.Amx.DENIED : CpuIsa.Amx.UNSUPPORTED, off);
            assertTrue(CpuIsa.describe().contains(cpuHasAmx ? "amx=denied" : "amx=unsupported"), CpuIsa.describe());
        } finally {
            CpuIsa.allowAmx(true);
        }
    }

    @Test
    void matmulWithAmxForbiddenGivesTheSameBits() {
        Random rnd = new Random(77);
        int cols = 512;
        int outRows = 40;
        try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(2, MatmulActivations.INT8)) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_K}) {
                TestWeights.Weight w = TestWeights.random("w", type, outRows, cols, rnd, arena);
                BackendWeight bw = backend.prepare(w.tensor());
                float[][] x = Int8MatmulTest.randomActivations(rnd, 9, cols);
                float[] allowed;
                float[] forbidden;
                try {
                    CpuIsa.allowAmx(true);
                    allowed = Int8MatmulTest.run(backend, bw, x, outRows);
                    assertNotEquals(CpuIsa.Amx.GRANTED, CpuIsa.allowAmx(false));
                    forbidden = Int8MatmulTest.run(backend, bw, x, outRows);
                } finally {
                    CpuIsa.allowAmx(true);
                }
                for (int r = 0; r < x.length; r++) {
                    for (int o = 0; o < outRows; o++) {
                        double ref = 0;
                        double mag = 0;
                        for (int c = 0; c < cols; c++) {
                            ref += w.values()[o][c] * x[r][c];
                            mag += Math.abs(w.values()[o][c] * x[r][c]);
                        }
                        float got = forbidden[r * outRows + o];
                        assertTrue(Math.abs(got - ref) <= 0.02 * mag, type + " [" + r + "][" + o + "]: " + got + " vs " + ref);
                        if (CpuIsa.amx() != CpuIsa.Amx.GRANTED) {
                            // no tile kernel ran either time: the same kernel, the same bits
                            assertEquals(Float.floatToRawIntBits(allowed[r * outRows + o]), Float.floatToRawIntBits(got));
                        }
                    }
                }
            }
        }
    }

    private static String cpuFlags() throws IOException {
        Path info = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(info)) {
            return "";
        }
        return Files.readAllLines(info).stream().filter(l -> l.startsWith("flags")).findFirst().orElse("") + " ";
    }
}
