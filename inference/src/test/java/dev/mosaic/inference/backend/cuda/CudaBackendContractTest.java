package dev.mosaic.inference.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.BackendContract;
import dev.mosaic.inference.backend.BackendOptions;
import dev.mosaic.inference.backend.BackendUnavailableException;
import dev.mosaic.inference.backend.Backends;
import org.junit.jupiter.api.Tag;

/**
 * The backend contract on the CUDA backend (bf16 activations and KV, float32 accumulation), run
 * where a GPU is usable; elsewhere every test is skipped with the reason the backend gave
 * ("CUDA not available: ...").
 */
@Tag("gpu")
class CudaBackendContractTest extends BackendContract {

    @Override
    protected Backend createBackend() {
        try {
            return Backends.create("cuda", BackendOptions.threads(1));
        } catch (BackendUnavailableException e) {
            assumeTrue(false, "skipped: " + e.getMessage());
            throw e;
        }
    }

    /** bf16 keeps 8 significant bits: a relative 2-norm error of ~2^-9 per rounding, a few roundings per kernel. */
    @Override
    protected double kernelTolerance() {
        return 1.5e-2;
    }

    /** Two layers of bf16 activations and weights. */
    @Override
    protected double forwardTolerance() {
        return 5e-2;
    }
}
