package dev.mosaic.inference.backend;

/**
 * Makes backends of one kind; found by {@link Backends} through {@link java.util.ServiceLoader}
 * (listed in {@code META-INF/services/dev.mosaic.inference.backend.BackendProvider}).
 * Implementations are stateless and thread-safe.
 */
public interface BackendProvider {

    /** The name users choose it by, e.g. {@code cpu} or {@code cuda}. */
    String name();

    /** A short description of the settings, e.g. {@code "cpu(4 threads, int8 activations)"}. */
    String describe(BackendOptions options);

    /**
     * A new backend; the caller owns and closes it.
     *
     * @throws BackendUnavailableException when the machine cannot run this backend (no library, no device)
     * @throws IllegalArgumentException when a setting is invalid
     */
    Backend create(BackendOptions options);
}
