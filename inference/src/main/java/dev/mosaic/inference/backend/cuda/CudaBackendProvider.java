package dev.mosaic.inference.backend.cuda;

import dev.mosaic.bindings.NativeLibraryException;
import dev.mosaic.bindings.cuda.CublasException;
import dev.mosaic.bindings.cuda.Cuda;
import dev.mosaic.bindings.cuda.CudaException;
import dev.mosaic.bindings.cuda.CudaLibraries;
import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.BackendOptions;
import dev.mosaic.inference.backend.BackendProvider;
import dev.mosaic.inference.backend.BackendUnavailableException;

/**
 * The {@code cuda} backend for {@link dev.mosaic.inference.backend.Backends}. It locates cudart
 * ({@link CudaLibraries}) and asks it for devices; where that fails it throws
 * {@link BackendUnavailableException} with "CUDA not available: " and what was tried.
 *
 * <p>Where a device exists it makes a {@link CudaBackend}, which also needs cuBLAS and our
 * kernels (libmosaic_cuda.so); a missing one is reported the same way. Status: written and tested
 * on the host side only; it has not run on a GPU yet (README section "CUDA backend").
 *
 * <p>Stateless; thread-safe.
 */
public final class CudaBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String describe(BackendOptions options) {
        return "cuda(device " + options.device() + ")";
    }

    /** Probes the runtime: the number of devices, or an exception saying why there are none usable. */
    public static int probe() {
        String where;
        try {
            where = CudaLibraries.cudart().path().toString();
        } catch (NativeLibraryException e) {
            throw new BackendUnavailableException("CUDA not available: " + e.getMessage(), e);
        }
        int count;
        try {
            count = Cuda.deviceCount();
        } catch (CudaException e) {
            throw new BackendUnavailableException("CUDA not available: loaded " + where + ", but " + e.getMessage(), e);
        }
        if (count < 1) {
            throw new BackendUnavailableException("CUDA not available: loaded " + where + ", which reports no devices");
        }
        return count;
    }

    @Override
    public Backend create(BackendOptions options) {
        int count = probe();
        if (options.device() >= count) {
            throw new IllegalArgumentException("cuda backend: device " + options.device() + " requested, " + count + " present");
        }
        try {
            return new CudaBackend(options.device());
        } catch (NativeLibraryException e) {
            throw new BackendUnavailableException("CUDA not available: " + count + " device(s) found, but " + e.getMessage(), e);
        } catch (CudaException | CublasException e) {
            throw new BackendUnavailableException("CUDA not available: device " + options.device() + " cannot be used: "
                    + e.getMessage(), e);
        }
    }
}
