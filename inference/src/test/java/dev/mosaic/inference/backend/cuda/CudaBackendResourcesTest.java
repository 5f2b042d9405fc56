package dev.mosaic.inference.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mosaic.inference.backend.BackendOptions;
import dev.mosaic.inference.backend.BackendUnavailableException;
import dev.mosaic.inference.backend.Backends;
import dev.mosaic.inference.backend.DType;
import dev.mosaic.inference.backend.DeviceBuffer;
import dev.mosaic.inference.backend.KvStorage;
import dev.mosaic.inference.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Ownership of device memory on a GPU: counted, freed once, freed by the backend's close; skipped without a device. */
@Tag("gpu")
class CudaBackendResourcesTest {

    private static CudaBackend open() {
        try {
            return (CudaBackend) Backends.create("cuda", BackendOptions.threads(1));
        } catch (BackendUnavailableException e) {
            assumeTrue(false, "skipped: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void buffersAndKvAreCountedAndFreedOnce() {
        CudaBackend b = open();
        try {
            long before = dev.mosaic.bindings.cuda.Cuda.memoryInfo()[0];
            DeviceBuffer x = b.allocate(1 << 20);
            DeviceBuffer logits = b.allocate(1 << 20, DType.F32);
            KvStorage kv = b.allocateKv(b.kvGeometry(2, 64, 16, 2, 64));
            assertEquals(3, b.openResources());
            assertTrue(dev.mosaic.bindings.cuda.Cuda.memoryInfo()[0] < before, "device memory was taken");
            x.close();
            x.close(); // idempotent
            assertEquals(2, b.openResources());
            assertThrows(IllegalArgumentException.class, () -> b.add(x, logits, 1));
            assertThrows(IllegalArgumentException.class, () -> b.allocate(8, DType.F16));
            assertThrows(IllegalArgumentException.class, () -> b.allocateKv(new dev.mosaic.inference.backend.KvGeometry(1, 1, 1, 1, 8)));
            kv.close();
            assertEquals(1, b.openResources());
        } finally {
            b.close();
        }
        assertEquals(0, b.openResources());
        assertThrows(IllegalStateException.class, () -> b.allocate(8));
        b.close(); // idempotent
    }

    @Test
    void buffersOfAnotherBackendAreRejected() {
        try (CudaBackend b = open(); CpuBackend cpu = new CpuBackend(1); DeviceBuffer foreign = cpu.allocate(16);
             DeviceBuffer mine = b.allocate(16)) {
            assertThrows(IllegalArgumentException.class, () -> b.add(mine, foreign, 16));
            assertThrows(IllegalArgumentException.class, () -> b.add(mine, mine, 17));
        }
    }
}
