package dev.mosaic.inference.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Finds backends by name among the {@link BackendProvider}s on the class path (the CPU and CUDA
 * backends ship with this module). Thread-safe; the provider list is read once.
 */
public final class Backends {

    private static final class Holder {
        static final TreeMap<String, BackendProvider> PROVIDERS = load();
    }

    private Backends() {}

    private static TreeMap<String, BackendProvider> load() {
        TreeMap<String, BackendProvider> m = new TreeMap<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
            m.putIfAbsent(p.name().toLowerCase(Locale.ROOT), p);
        }
        return m;
    }

    /** Names of the known backends, sorted. */
    public static List<String> names() {
        return new ArrayList<>(Holder.PROVIDERS.keySet());
    }

    /**
     * The provider called {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the known backends when there is none
     */
    public static BackendProvider provider(String name) {
        BackendProvider p = Holder.PROVIDERS.get(name.toLowerCase(Locale.ROOT));
        if (p == null) {
            throw new IllegalArgumentException("unknown backend '" + name + "' (known: " + String.join(", ", names()) + ")");
        }
        return p;
    }

    /** A new backend called {@code name} built from {@code options}; see {@link BackendProvider#create}. */
    public static Backend create(String name, BackendOptions options) {
        return provider(name).create(options);
    }

    /** A factory of backends called {@code name}; the provider is looked up now, the backend made on each call. */
    public static Supplier<Backend> factory(String name, BackendOptions options) {
        BackendProvider p = provider(name);
        return () -> p.create(options);
    }
}
