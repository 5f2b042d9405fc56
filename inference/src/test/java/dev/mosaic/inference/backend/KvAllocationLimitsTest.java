package dev.mosaic.inference.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.cpu.CpuBackend;
import dev.mosaic.inference.backend.cpu.HostMemory;
import dev.mosaic.inference.backend.cuda.CudaBackend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** KV shapes and sizes the backends refuse, checked on the host before anything is allocated. */
class KvAllocationLimitsTest {

    @Test
    void theCpuBackendRefusesAKvCacheLargerThanTheMachinesAvailableMemoryAndStaysUsable() throws Exception {
        // 64 layers x 2^24 slots x 16 heads x 512 x F32 x 2 = 64 TiB
        KvGeometry huge = new KvGeometry(64, 1 << 20, 16, 16, 512);
        Assumptions.assumeTrue(HostMemory.available() < huge.bytes(), "this machine has 64 TiB available");
        try (CpuBackend b = new CpuBackend(1)) {
            InsufficientMemoryException e = assertThrows(InsufficientMemoryException.class, () -> b.allocateKv(huge));
            assertEquals(huge.bytes(), e.requestedBytes());
            assertTrue(e.getMessage().contains("MiB of memory this machine has available"), e.getMessage());
            try (KvStorage small = b.allocateKv(new KvGeometry(2, 4, 16, 2, 64))) {
                assertEquals(2L * 2 * 64 * 2 * 64 * Float.BYTES, small.geometry().bytes());
            }
        }
    }

    @Test
    void kvByteCountsThatOverflowALongAreRefusedNotWrapped() {
        KvGeometry g = new KvGeometry(Integer.MAX_VALUE, Integer.MAX_VALUE, 1 << 20, 4096, 512);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, g::bytes);
        assertTrue(e.getMessage().contains("overflow"), e.getMessage());
    }

    @Test
    void theCudaHeadDimensionLimitIsCheckedOnTheHost() {
        assertNull(CudaBackend.kvGeometryProblem(new KvGeometry(2, 4, 16, 2, 256, DType.BF16)));
        assertNull(CudaBackend.kvGeometryProblem(new KvGeometry(2, 4, 16, 2, 64, DType.BF16)));
        String wide = CudaBackend.kvGeometryProblem(new KvGeometry(2, 4, 16, 2, 320, DType.BF16));
        assertTrue(wide != null && wide.contains("head dimension 320") && wide.contains("256"), wide);
        String odd = CudaBackend.kvGeometryProblem(new KvGeometry(2, 4, 16, 2, 63, DType.BF16));
        assertTrue(odd != null && odd.contains("63"), odd);
        String f32 = CudaBackend.kvGeometryProblem(new KvGeometry(2, 4, 16, 2, 64, DType.F32));
        assertTrue(f32 != null && f32.contains("BF16"), f32);
    }
}
