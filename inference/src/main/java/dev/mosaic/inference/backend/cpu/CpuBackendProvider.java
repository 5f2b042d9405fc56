package dev.mosaic.inference.backend.cpu;

import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.BackendOptions;
import dev.mosaic.inference.backend.BackendProvider;
import java.util.Locale;

/**
 * The {@code cpu} backend for {@link dev.mosaic.inference.backend.Backends}. Setting
 * {@code activations}: {@code int8} (default; Q8_0/Q4_0 matmul activations quantised per 32 as
 * llama.cpp does) or {@code float32}.
 *
 * <p>Stateless; thread-safe.
 */
public final class CpuBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String describe(BackendOptions options) {
        return "cpu(" + options.threads() + " threads, " + activations(options).name().toLowerCase(Locale.ROOT) + " activations)";
    }

    @Override
    public Backend create(BackendOptions options) {
        return new CpuBackend(options.threads(), activations(options));
    }

    private static CpuBackend.MatmulActivations activations(BackendOptions options) {
        String a = options.setting("activations", "int8");
        try {
            return CpuBackend.MatmulActivations.valueOf(a.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cpu backend: setting activations must be int8 or float32, got '" + a + "'", e);
        }
    }
}
