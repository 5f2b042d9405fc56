package dev.mosaic.inference.backend.cuda;

import dev.mosaic.bindings.NativeLibraryException;
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
 * <p>Status: the kernels (kernels/, libmosaic_cuda.so) compile, but the Java {@code CudaBackend}
 * that drives them is not written yet, so on a machine with a GPU this provider says so rather
 * than pretending; see the README section "CUDA backend".
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
        throw new BackendUnavailableException("CUDA backend: " + count + " device(s) found, but this build has only the"
                + " CUDA kernels (libmosaic_cuda.so), not yet the Java backend that runs them");
    }
}
