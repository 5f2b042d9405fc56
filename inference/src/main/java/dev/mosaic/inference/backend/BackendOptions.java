package dev.mosaic.inference.backend;

import java.util.Map;
import java.util.TreeMap;

/**
 * Settings a {@link BackendProvider} builds a backend from: host threads (the CPU backend's
 * kernel threads; a GPU backend's host-side work), a device index (GPU backends) and named
 * backend-specific settings (e.g. the CPU backend's {@code activations}). Immutable; thread-safe.
 */
public record BackendOptions(int threads, int device, Map<String, String> settings) {

    public BackendOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (device < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + device);
        }
        settings = Map.copyOf(settings);
    }

    /** {@code threads} threads, device 0, no other settings. */
    public static BackendOptions threads(int threads) {
        return new BackendOptions(threads, 0, Map.of());
    }

    /** A copy with {@code key} set to {@code value}. */
    public BackendOptions withSetting(String key, String value) {
        Map<String, String> m = new TreeMap<>(settings);
        m.put(key, value);
        return new BackendOptions(threads, device, m);
    }

    /** A copy on device {@code index}. */
    public BackendOptions withDevice(int index) {
        return new BackendOptions(threads, index, settings);
    }

    /**
     * A copy with {@code key} set to {@code value}.
     *
     * @deprecated use {@link #withSetting}
     */
    @Deprecated(forRemoval = false)
    public BackendOptions with(String key, String value) {
        return withSetting(key, value);
    }

    /**
     * A copy on device {@code index}.
     *
     * @deprecated use {@link #withDevice}
     */
    @Deprecated(forRemoval = false)
    public BackendOptions device(int index) {
        return withDevice(index);
    }

    /** The setting {@code key}, or {@code fallback} when unset. */
    public String setting(String key, String fallback) {
        return settings.getOrDefault(key, fallback);
    }
}
