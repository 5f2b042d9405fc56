package dev.mosaic.bindings.cuda;

import dev.mosaic.bindings.NativeLibraries;
import dev.mosaic.bindings.NativeLibraryException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the CUDA runtime at run time, never bundled: {@code -Dmosaic.cudart.library} /
 * {@code $MOSAIC_CUDART_LIBRARY}, then {@code $CUDA_HOME/lib64}, {@code /usr/local/cuda*}/lib64,
 * the directories of {@code $LD_LIBRARY_PATH}, the {@code nvidia/*}/lib folders of Python
 * installs (pip's {@code nvidia-cuda-runtime-cu13} and friends), and finally the bare sonames
 * for the dynamic linker; versioned sonames ({@code libcudart.so.13}, {@code .so.12}) first.
 * Thread-safe; a failed lookup is retried on the next call.
 */
public final class CudaLibraries {

    private static final List<String> CUDART_NAMES = List.of("libcudart.so.13", "libcudart.so.12", "libcudart.so");
    private static volatile NativeLibraries.Loaded cudart;

    private CudaLibraries() {}

    /** The loaded cudart. @throws NativeLibraryException saying every place tried */
    public static NativeLibraries.Loaded cudart() {
        NativeLibraries.Loaded c = cudart;
        if (c == null) {
            synchronized (CudaLibraries.class) {
                c = cudart;
                if (c == null) {
                    c = NativeLibraries.loadExternal("mosaic.cudart.library", "MOSAIC_CUDART_LIBRARY", candidates(CUDART_NAMES));
                    cudart = c;
                }
            }
        }
        return c;
    }

    /** Absolute candidates in every searched directory, then the bare names. */
    static List<String> candidates(List<String> names) {
        Set<Path> dirs = new LinkedHashSet<>();
        String home = System.getenv("CUDA_HOME");
        if (home != null && !home.isBlank()) {
            dirs.add(Path.of(home, "lib64"));
            dirs.add(Path.of(home, "lib"));
        }
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        dirs.addAll(glob(Path.of("/usr/local"), "cuda-*", "lib64"));
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String d : ld.split(":")) {
                if (!d.isBlank()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        for (Path site : pythonSitePackages()) {
            dirs.addAll(glob(site.resolve("nvidia"), "*", "lib"));
        }
        List<String> out = new ArrayList<>();
        for (Path d : dirs) {
            for (String n : names) {
                out.add(d.resolve(n).toString());
            }
        }
        out.addAll(names);
        return out;
    }

    private static List<Path> glob(Path dir, String pattern, String child) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, pattern)) {
            for (Path p : s) {
                out.add(p.resolve(child));
            }
        } catch (IOException e) {
            // an unreadable directory is simply not searched
        }
        out.sort(null);
        return out.reversed(); // newest version first
    }

    private static List<Path> pythonSitePackages() {
        List<Path> out = new ArrayList<>();
        for (Path lib : List.of(Path.of("/usr/local/lib"), Path.of("/usr/lib"), Path.of(System.getProperty("user.home"), ".local/lib"))) {
            for (Path py : glob(lib, "python3*", "")) {
                out.add(py.resolve("site-packages"));
                out.add(py.resolve("dist-packages"));
            }
        }
        return out;
    }
}
