package dev.mosaic.bindings;

import dev.mosaic.common.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * environment variable; then a copy bundled on the class path (or module path), extracted into a
 * cache directory (content-addressed and checked: a cached copy is loaded only if its SHA-256 is
 * the bundled one's, else it is rewritten atomically, so concurrent JVMs, upgrades and a corrupted
 * cache never load a half-written or altered file); when the cache directory cannot be written, a private temporary directory (owner-only,
 * under {@code java.io.tmpdir}) instead; then, where it makes sense, the dynamic linker's own
 * search ({@code libhighs.so.1} installed system-wide). Libraries are loaded into
 * {@link Arena#global()}: they stay mapped for the life of the process, which is what the dynamic
 * linker does anyway.
 *
 * <p><b>Explicit and retryable.</b> Nothing is loaded in a static initialiser: the safe wrappers
 * ({@code Highs}, the CPU backend) call {@link #load(Library)} before their first downcall. A
 * failed load throws {@link NativeLibraryException} naming every path tried and caches nothing,
 * so after fixing the cause (setting {@code -Dmosaic.highs.library}, freeing disk space, ...) the
 * next call tries again in the same JVM.
 *
 * <p>Thread safety: all methods may be called from any thread; a library is resolved by at most
 * one thread at a time and, once loaded, the same {@link Loaded} is returned to every caller.
 */
public final class NativeLibraries {

    /** A library MOSAIC knows how to find. Immutable; thread-safe. */
    public enum Library {
        /** HiGHS C API; bundled in {@code dev.mosaic:mosaic-highs-native} (a dependency of mosaic-scheduler). */
        HIGHS("mosaic.highs.library", "MOSAIC_HIGHS_LIBRARY", "libhighs.so.1",
                List.of("native/linux-x86_64/libhighs.so.1", "ortools-linux-x86-64/libhighs.so.1"),
                List.of("libhighs.so.1", "libhighs.so")),
        /** Our own C ABI and CPU kernels (native/), packed into the bindings jar by the Maven build. */
        MOSAIC("mosaic.native.library", "MOSAIC_NATIVE_LIBRARY", "libmosaic.so",
                List.of("native/linux-x86_64/libmosaic.so"), List.of());

        final String property;
        final String envVariable;
        final String fileName;
        final List<String> resources;
        final List<String> systemNames;

        Library(String property, String envVariable, String fileName, List<String> resources, List<String> systemNames) {
            this.property = property;
            this.envVariable = envVariable;
            this.fileName = fileName;
            this.resources = resources;
            this.systemNames = systemNames;
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

    /**
     * A loaded library: where it came from and how to look up its symbols. {@code library} is
     * null for {@link #loadExternal} libraries. Immutable; safe to share between threads.
     */
    public record Loaded(Library library, Path path, SymbolLookup lookup) {}

    private static final Registry DEFAULT = new Registry();

    private NativeLibraries() {}

    /**
     * Loads (once) and returns the given library, or throws {@link NativeLibraryException} with
     * everything that was tried. A failure is not remembered: a later call tries again.
     */
    public static Loaded load(Library library) {
        return DEFAULT.load(library);
    }

    /** Whether {@code library} has been loaded successfully in this JVM. */
    public static boolean isLoaded(Library library) {
        return DEFAULT.loaded.containsKey(library);
    }

    /** Symbols of the HiGHS shared library (loads it first). */
    public static SymbolLookup highs() {
        return load(Library.HIGHS).lookup();
    }

    /** Symbols of libmosaic (native/) (loads it first). */
    public static SymbolLookup mosaic() {
        return load(Library.MOSAIC).lookup();
    }

    /**
     * Loads a library that is never bundled (cuBLAS, cudart, ...) from an explicit override or
     * the first of {@code candidates} that the dynamic linker or the file system can open. Not
     * cached here (the dynamic linker keeps one copy per process anyway); callers hold the result.
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
            Loaded l = tryOpen(null, candidate, tried);
            if (l != null) {
                return l;
            }
        }
        throw new NativeLibraryException("cannot load native library; tried:\n  " + String.join("\n  ", tried)
                + "\nSet -D" + property + "=/path/to/lib or " + envVariable + ".");
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

    /**
     * Loaded libraries and the private fallback directory. One per process in production
     * ({@link #DEFAULT}); tests make their own to exercise failure and retry.
     */
    static final class Registry {
        final Map<Library, Loaded> loaded = new ConcurrentHashMap<>();
        private Path privateTempDir;

        Loaded load(Library library) {
            Loaded l = loaded.get(library);
            if (l != null) {
                return l;
            }
            synchronized (this) {
                l = loaded.get(library);
                if (l == null) {
                    l = resolve(library);   // throws on failure; nothing is cached then
                    loaded.put(library, l);
                }
                return l;
            }
        }

        private Loaded resolve(Library library) {
            List<String> tried = new ArrayList<>();
            Optional<Path> explicit = explicitPath(library.property, library.envVariable, tried);
            if (explicit.isPresent()) {
                return new Loaded(library, explicit.get(), open(explicit.get(), tried));
            }
            for (String resource : library.resources) {
                byte[] bytes = readResource(resource, tried);
                if (bytes == null) {
                    continue;
                }
                Path extracted = extract(library, resource, bytes, tried);
                if (extracted != null) {
                    return new Loaded(library, extracted, open(extracted, tried));
                }
            }
            for (String soname : library.systemNames) {
                Loaded l = tryOpen(library, soname, tried);
                if (l != null) {
                    return l;
                }
            }
            throw new NativeLibraryException("cannot load " + library.fileName + "; tried:\n  " + String.join("\n  ", tried)
                    + "\nPoint -D" + library.property + " or " + library.envVariable + " at a " + library.fileName
                    + " file, or put the jar that bundles it" + (library == Library.HIGHS ? " (dev.mosaic:mosaic-highs-native)" : "")
                    + " on the class path.");
        }

        /**
         * Copies the resource into {@code <dir>/native/<sha256 prefix>/<name>}, first under
         * {@link #cacheDir()}, then under a private temporary directory. The content hash in the
         * path names the only content the copy may have: a JVM uses a copy found there only if its
         * SHA-256 is the resource's, and otherwise (missing, half-written by hand, corrupted on disk,
         * truncated, even at the same size) writes it again atomically ({@link AtomicFiles}: temp
         * file, then move), so no JVM loads a library other than the bundled one.
         */
        private Path extract(Library library, String resource, byte[] bytes, List<String> tried) {
            byte[] digest = sha256(bytes);
            String hash = HexFormat.of().formatHex(digest).substring(0, 16);
            Path target = cacheDir().resolve("native").resolve(hash).resolve(library.fileName);
            if (writeOnce(target, bytes, digest, resource, tried)) {
                return target;
            }
            Path temp;
            try {
                temp = privateTempDir();
            } catch (IOException | RuntimeException e) {
                tried.add("private temporary directory under " + System.getProperty("java.io.tmpdir") + ": " + e);
                return null;
            }
            Path fallback = temp.resolve(hash).resolve(library.fileName);
            return writeOnce(fallback, bytes, digest, resource, tried) ? fallback : null;
        }

        private synchronized Path privateTempDir() throws IOException {
            if (privateTempDir == null || !Files.isDirectory(privateTempDir)) {
                Path base = Path.of(System.getProperty("java.io.tmpdir"));
                privateTempDir = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                        ? Files.createTempDirectory(base, "mosaic-native-",
                                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
                        : Files.createTempDirectory(base, "mosaic-native-");
            }
            return privateTempDir;
        }
    }

    /** Makes {@code target} hold {@code bytes} (whose SHA-256 is {@code digest}), keeping a copy that already does. */
    private static boolean writeOnce(Path target, byte[] bytes, byte[] digest, String resource, List<String> tried) {
        try {
            if (Files.isRegularFile(target) && Files.size(target) == bytes.length
                    && MessageDigest.isEqual(sha256(Files.readAllBytes(target)), digest)) {
                return true;
            }
            // Replaced by a rename, never rewritten in place: a JVM that mapped the old file keeps its pages.
            AtomicFiles.write(target, bytes);
            return true;
        } catch (IOException | RuntimeException e) {
            tried.add("extract " + resource + " to " + target + ": " + e);
            return false;
        }
    }

    private static byte[] readResource(String resource, List<String> tried) {
        // Resource directories such as native/linux-x86_64 are not package names, so they are
        // visible across modules on the module path as well as on the class path.
        ClassLoader loader = NativeLibraries.class.getClassLoader();
        try (InputStream in = loader == null ? ClassLoader.getSystemResourceAsStream(resource) : loader.getResourceAsStream(resource)) {
            if (in == null) {
                tried.add("class-path resource " + resource + ": not found");
                return null;
            }
            return in.readAllBytes();
        } catch (IOException e) {
            tried.add("class-path resource " + resource + ": " + e.getMessage());
            return null;
        }
    }

    private static Optional<Path> explicitPath(String property, String envVariable, List<String> tried) {
        String fromProperty = System.getProperty(property);
        String fromEnv = System.getenv(envVariable);
        String source = fromProperty != null ? "-D" + property : "$" + envVariable;
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

    /** Opens a path or a bare soname; null (and a line in {@code tried}) when it cannot. */
    private static Loaded tryOpen(Library library, String candidate, List<String> tried) {
        try {
            if (candidate.contains("/")) {
                Path p = Path.of(candidate);
                if (!Files.isRegularFile(p)) {
                    tried.add(candidate + ": no such file");
                    return null;
                }
                return new Loaded(library, p, SymbolLookup.libraryLookup(p, Arena.global()));
            }
            return new Loaded(library, Path.of(candidate), SymbolLookup.libraryLookup(candidate, Arena.global()));
        } catch (IllegalCallerException e) {
            throw nativeAccessDenied(e);
        } catch (IllegalArgumentException e) {
            tried.add((candidate.contains("/") ? "" : "dynamic linker: ") + candidate + ": " + e.getMessage());
            return null;
        }
    }

    private static SymbolLookup open(Path path, List<String> tried) {
        try {
            return SymbolLookup.libraryLookup(path, Arena.global());
        } catch (IllegalCallerException e) {
            throw nativeAccessDenied(e);
        } catch (IllegalArgumentException e) {
            tried.add(path + ": " + e.getMessage());
            throw new NativeLibraryException("cannot load " + path + " (" + e.getMessage() + "); tried:\n  "
                    + String.join("\n  ", tried), e);
        }
    }

    /** Loading a library is a restricted method: say which flag grants it. */
    private static NativeLibraryException nativeAccessDenied(IllegalCallerException e) {
        Module m = NativeLibraries.class.getModule();
        String who = m.isNamed() ? m.getName() : "ALL-UNNAMED";
        return new NativeLibraryException("native access is not enabled for " + (m.isNamed() ? "module " + who : "the class path")
                + " (" + e.getMessage() + "); run the JVM with --enable-native-access=" + who, e);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is mandatory in every JDK", e);
        }
    }
}
