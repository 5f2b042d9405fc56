package dev.mosaic.bindings;

import dev.mosaic.common.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that finds each native library MOSAIC binds, loads it once per process and
 * explains failures.
 *
 * <p>Resolution order for every library: an explicit file named by a system property or an
 * environment variable; then a copy bundled on the class path, extracted once into a private
 * cache directory (content-addressed, so concurrent JVMs and upgrades never see a half-written
 * file); then, for libraries that live outside our jars (CUDA), well-known install locations.
 * Libraries are loaded into {@link Arena#global()}: they stay mapped for the life of the process,
 * which is what the dynamic linker does anyway.
 */
public final class NativeLibraries {

    /** A library MOSAIC knows how to find. */
    public enum Library {
        /** HiGHS C API; bundled in {@code dev.mosaic:mosaic-highs-native} (a dependency of mosaic-scheduler). */
        HIGHS("mosaic.highs.library", "MOSAIC_HIGHS_LIBRARY", "native/linux-x86_64/libhighs.so.1", "libhighs.so.1"),
        /** Our own C ABI and CPU kernels (native/), packed into the bindings jar by the Maven build. */
        MOSAIC("mosaic.native.library", "MOSAIC_NATIVE_LIBRARY", "native/linux-x86_64/libmosaic.so", "libmosaic.so");

        final String property;
        final String envVariable;
        final String resource;
        final String fileName;

        Library(String property, String envVariable, String resource, String fileName) {
            this.property = property;
            this.envVariable = envVariable;
            this.resource = resource;
            this.fileName = fileName;
        }

        /** The system property that overrides where this library is loaded from. */
        public String property() {
            return property;
        }

        /** The environment variable that overrides where this library is loaded from. */
        public String envVariable() {
            return envVariable;
        }
    }

    /** A loaded library: where it came from and how to look up its symbols. */
    public record Loaded(Library library, Path path, SymbolLookup lookup) {}

    private static final Map<Library, Loaded> LOADED = new ConcurrentHashMap<>();

    private NativeLibraries() {}

    /** Loads (once) and returns the given library, or throws with everything that was tried. */
    public static Loaded load(Library library) {
        Loaded loaded = LOADED.get(library);
        if (loaded != null) {
            return loaded;
        }
        synchronized (NativeLibraries.class) {
            return LOADED.computeIfAbsent(library, NativeLibraries::resolve);
        }
    }

    /** Symbols of the HiGHS shared library. */
    public static SymbolLookup highs() {
        return load(Library.HIGHS).lookup();
    }

    /** Symbols of libmosaic (native/). */
    public static SymbolLookup mosaic() {
        return load(Library.MOSAIC).lookup();
    }

    /**
     * Loads a library that is never bundled (cuBLAS, cudart, ...) from an explicit override or
     * the first of {@code candidates} that the dynamic linker or the file system can open.
     *
     * @param property system property naming the file, checked first
     * @param envVariable environment variable naming the file, checked second
     * @param candidates absolute paths or bare sonames tried in order
     */
    public static Loaded loadExternal(String property, String envVariable, List<String> candidates) {
        List<String> tried = new ArrayList<>();
        Optional<Path> explicit = explicitPath(property, envVariable, tried);
        if (explicit.isPresent()) {
            return new Loaded(null, explicit.get(), open(explicit.get(), tried));
        }
        for (String candidate : candidates) {
            try {
                if (candidate.contains("/")) {
                    Path p = Path.of(candidate);
                    if (!Files.isRegularFile(p)) {
                        tried.add(candidate + ": no such file");
                        continue;
                    }
                    return new Loaded(null, p, SymbolLookup.libraryLookup(p, Arena.global()));
                }
                return new Loaded(null, Path.of(candidate), SymbolLookup.libraryLookup(candidate, Arena.global()));
            } catch (IllegalArgumentException e) {
                tried.add(candidate + ": " + e.getMessage());
            }
        }
        throw new NativeLibraryException("cannot load native library; tried:\n  " + String.join("\n  ", tried)
                + "\nSet -D" + property + "=/path/to/lib or " + envVariable + ".");
    }

    private static Loaded resolve(Library library) {
        List<String> tried = new ArrayList<>();
        Optional<Path> explicit = explicitPath(library.property, library.envVariable, tried);
        if (explicit.isPresent()) {
            return new Loaded(library, explicit.get(), open(explicit.get(), tried));
        }
        Path extracted = extractResource(library, tried);
        if (extracted != null) {
            return new Loaded(library, extracted, open(extracted, tried));
        }
        throw new NativeLibraryException("cannot load " + library.fileName + "; tried:\n  " + String.join("\n  ", tried)
                + "\nPoint -D" + library.property + " or " + library.envVariable + " at a " + library.fileName
                + " file, or put the jar that bundles it on the class path.");
    }

    private static Optional<Path> explicitPath(String property, String envVariable, List<String> tried) {
        String fromProperty = System.getProperty(property);
        String fromEnv = System.getenv(envVariable);
        String source = fromProperty != null ? "-D" + property : envVariable;
        String value = fromProperty != null ? fromProperty : fromEnv;
        if (value == null || value.isBlank()) {
            tried.add("-D" + property + " / $" + envVariable + ": not set");
            return Optional.empty();
        }
        Path path = Path.of(value).toAbsolutePath();
        if (!Files.isRegularFile(path)) {
            throw new NativeLibraryException(source + " names " + path + ", which is not a readable file");
        }
        return Optional.of(path);
    }

    private static SymbolLookup open(Path path, List<String> tried) {
        try {
            return SymbolLookup.libraryLookup(path, Arena.global());
        } catch (IllegalArgumentException e) {
            tried.add(path + ": " + e.getMessage());
            throw new NativeLibraryException("cannot load " + path + " (" + e.getMessage() + "); tried:\n  "
                    + String.join("\n  ", tried), e);
        }
    }

    /**
     * Copies a class-path resource into {@code <cache>/native/<sha256 prefix>/<name>}. The content
     * hash in the path makes the copy immutable: a JVM either finds the complete file or writes it
     * atomically ({@link AtomicFiles}), so concurrent JVMs never load a half-written library.
     */
    private static Path extractResource(Library library, List<String> tried) {
        ClassLoader loader = NativeLibraries.class.getClassLoader();
        byte[] bytes;
        try (InputStream in = loader.getResourceAsStream(library.resource)) {
            if (in == null) {
                tried.add("class-path resource " + library.resource + ": not found");
                return null;
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            tried.add("class-path resource " + library.resource + ": " + e.getMessage());
            return null;
        }
        Path dir = cacheDir().resolve("native").resolve(sha256(bytes).substring(0, 16));
        Path target = dir.resolve(library.fileName);
        try {
            if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
                return target;
            }
            AtomicFiles.write(target, bytes);
            return target;
        } catch (IOException e) {
            tried.add("extract " + library.resource + " to " + target + ": " + e);
            return null;
        }
    }

    /** {@code -Dmosaic.cache.dir}, else {@code $MOSAIC_CACHE_DIR}, else {@code $XDG_CACHE_HOME/mosaic}, else {@code ~/.cache/mosaic}. */
    public static Path cacheDir() {
        String explicit = System.getProperty("mosaic.cache.dir", System.getenv("MOSAIC_CACHE_DIR"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "mosaic");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "mosaic");
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is mandatory in every JDK", e);
        }
    }
}
