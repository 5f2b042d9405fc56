package dev.mosaic.inference.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mosaic.inference.backend.BackendOptions;
import dev.mosaic.inference.backend.BackendUnavailableException;
import dev.mosaic.inference.backend.Backends;
import org.junit.jupiter.api.Test;

/** Where no GPU is usable, choosing the cuda backend fails with a message saying what was tried. */
class CudaAvailabilityTest {

    private static boolean deviceUsable() {
        try {
            return CudaBackendProvider.probe() > 0;
        } catch (BackendUnavailableException e) {
            return false;
        }
    }

    @Test
    void cudaIsFoundByName() {
        assertTrue(Backends.names().contains("cuda"), Backends.names().toString());
        assertTrue(Backends.names().contains("cpu"), Backends.names().toString());
    }

    @Test
    void withoutADeviceCreatingTheBackendExplainsWhy() {
        assumeTrue(!deviceUsable(), "a CUDA device is usable here; this test covers machines without one");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.create("cuda", BackendOptions.threads(1)));
        assertTrue(e.getMessage().startsWith("CUDA not available: "), e.getMessage());
        // either the list of places searched for cudart, or the runtime's own error
        assertTrue(e.getMessage().contains("libcudart") || e.getMessage().contains("tried"), e.getMessage());
    }

    @Test
    void unknownBackendNamesTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.provider("tpu"));
        assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("cuda"), e.getMessage());
    }
}
