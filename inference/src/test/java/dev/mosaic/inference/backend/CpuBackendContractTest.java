package dev.mosaic.inference.backend;

/** The backend contract on the CPU backend (float32 throughout), in every CI run. */
class CpuBackendContractTest extends BackendContract {

    @Override
    protected Backend createBackend() {
        return Backends.create("cpu", BackendOptions.threads(2).withSetting("activations", "float32"));
    }

    @Override
    protected double kernelTolerance() {
        return 2e-6;
    }

    @Override
    protected double forwardTolerance() {
        return 1e-4;
    }
}
