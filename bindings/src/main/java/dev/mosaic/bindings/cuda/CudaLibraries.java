package dev.mosaic.bindings.cuda;

import dev.mosaic.bindings.NativeLibraries;
import dev.mosaic.bindings.NativeLibraryException;
import dev.mosaic.common.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Finds the CUDA libraries at run time. cudart and cuBLAS are never bundled: an explicit file
 * ({@code -Dmosaic.cudart.library} / {@code $MOSAIC_CUDART_LIBRARY}, {@code -Dmosaic.cublas.library}
 * / {@code $MOSAIC_CUBLAS_LIBRARY}), then {@code $CUDA_HOME/lib64}, {@code $CUDA_PATH/lib64},
 * {@code /usr/local/cuda/lib64}, {@code /usr/local/cuda-*}/lib64 (newest first), the directories
 * of {@code $LD_LIBRARY_PATH}, the {@code nvidia/*}/lib folders of Python installs (pip's
 * {@code nvidia-cublas} and friends: {@code $VIRTUAL_ENV}, {@code /opt/*}/.venv, {@code /usr/local/lib},
 * {@code /usr/lib}, {@code ~/.local/lib}), and finally the bare sonames for the dynamic linker;
 * in each directory the versioned sonames ({@code .so.13}, {@code .so.12}) first.
 *
 * <p>Our kernels ({@code libmosaic_cuda.so}) come from {@code -Dmosaic.cuda.library} /
 * {@code $MOSAIC_CUDA_LIBRARY}, else the copy the bindings jar bundles (extracted into
 * {@link NativeLibraries#cacheDir()}, content-addressed), else the directory libmosaic was loaded
 * from. cudart is loaded first, so the kernels' dependency on {@code libcudart.so.13} resolves to
 * the same runtime (one context, shared streams).
 *
 * <p>Thread-safe; a failed lookup caches nothing and is retried on the next call.
 */
public final class CudaLibraries {

    static final List<String> CUDART_NAMES = List.of("libcudart.so.13", "libcudart.so.12", "libcudart.so");
    static final List<String> CUBLAS_NAMES = List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so");
    static final String KERNELS_FILE = "libmosaic_cuda.so";
    static final String KERNELS_RESOURCE = "native/linux-x86_64/" + KERNELS_FILE;

    private static volatile NativeLibraries.Loaded cudart;
    private static volatile NativeLibraries.Loaded cublas;
    private static volatile NativeLibraries.Loaded kernels;

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

    /** The loaded cuBLAS (cudart first). @throws NativeLibraryException saying every place tried */
    public static NativeLibraries.Loaded cublas() {
        NativeLibraries.Loaded c = cublas;
        if (c == null) {
            cudart();
            synchronized (CudaLibraries.class) {
                c = cublas;
                if (c == null) {
                    c = NativeLibraries.loadExternal("mosaic.cublas.library", "MOSAIC_CUBLAS_LIBRARY", candidates(CUBLAS_NAMES));
                    cublas = c;
                }
            }
        }
        return c;
    }

    /** The loaded libmosaic_cuda (cudart first). @throws NativeLibraryException saying every place tried */
    public static NativeLibraries.Loaded mosaicCuda() {
        NativeLibraries.Loaded c = kernels;
        if (c == null) {
            cudart();
            synchronized (CudaLibraries.class) {
                c = kernels;
                if (c == null) {
                    c = NativeLibraries.loadExternal("mosaic.cuda.library", "MOSAIC_CUDA_LIBRARY", kernelCandidates());
                    kernels = c;
                }
            }
        }
        return c;
    }

    /** Where libmosaic_cuda may be: the extracted bundled copy, then beside libmosaic, then the bare name. */
    private static List<String> kernelCandidates() {
        List<String> out = new ArrayList<>();
        Path extracted = extractBundledKernels();
        if (extracted != null) {
            out.add(extracted.toString());
        }
        try {
            Path mosaic = NativeLibraries.load(NativeLibraries.Library.MOSAIC).path();
            if (mosaic.getParent() != null) {
                out.add(mosaic.getParent().resolve(KERNELS_FILE).toString());
            }
        } catch (NativeLibraryException e) {
            // libmosaic not loadable: its directory is simply not searched
        }
        out.add(KERNELS_FILE);
        return out;
    }

    /** Copies the bundled libmosaic_cuda.so into {@code <cache>/native/<sha256 prefix>/}, or null if none is bundled or it cannot be written. */
    private static Path extractBundledKernels() {
        byte[] bytes;
        try (InputStream in = CudaLibraries.class.getClassLoader() == null ? null
                : CudaLibraries.class.getClassLoader().getResourceAsStream(KERNELS_RESOURCE)) {
            if (in == null) {
                return null;
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
        String hash;
        try {
            hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
        Path target = NativeLibraries.cacheDir().resolve("native").resolve(hash).resolve(KERNELS_FILE);
        try {
            if (!(Files.isRegularFile(target) && Files.size(target) == bytes.length)) {
                AtomicFiles.write(target, bytes);
            }
            return target;
        } catch (IOException e) {
            return null;
        }
    }

    /** Absolute candidates in every searched directory of this process's environment, then the bare names. */
    static List<String> candidates(List<String> names) {
        return candidates(names, System::getenv, Path.of("/"), Path.of(System.getProperty("user.home")));
    }

    /**
     * The search order for {@code names} given an environment, the file-system root the standard
     * directories ({@code /usr/local}, {@code /opt}, {@code /usr/lib}) are resolved against, and
     * the home directory. Directories are listed whether or not they exist (the loader reports
     * each miss); globs ({@code cuda-*}, {@code python3*}, {@code nvidia/*}) expand only what exists.
     */
    static List<String> candidates(List<String> names, Function<String, String> env, Path root, Path home) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
            String v = env.apply(var);
            if (v != null && !v.isBlank()) {
                dirs.add(Path.of(v, "lib64"));
                dirs.add(Path.of(v, "lib"));
            }
        }
        Path usrLocal = root.resolve("usr/local");
        dirs.add(usrLocal.resolve("cuda/lib64"));
        dirs.addAll(glob(usrLocal, "cuda-*", "lib64"));
        String ld = env.apply("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String d : ld.split(":")) {
                if (!d.isBlank()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        for (Path site : pythonSitePackages(env, root, home)) {
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
                if (Files.isDirectory(p)) {
                    out.add(child.isEmpty() ? p : p.resolve(child));
                }
            }
        } catch (IOException e) {
            // an unreadable directory is simply not searched
        }
        out.sort(null);
        return out.reversed(); // newest version first
    }

    private static List<Path> pythonSitePackages(Function<String, String> env, Path root, Path home) {
        List<Path> libs = new ArrayList<>();
        String venv = env.apply("VIRTUAL_ENV");
        if (venv != null && !venv.isBlank()) {
            libs.add(Path.of(venv, "lib"));
        }
        for (Path opt : glob(root.resolve("opt"), "*", ".venv")) {
            libs.add(opt.resolve("lib"));
        }
        libs.add(root.resolve("usr/local/lib"));
        libs.add(root.resolve("usr/lib"));
        libs.add(home.resolve(".local/lib"));
        List<Path> out = new ArrayList<>();
        for (Path lib : libs) {
            for (Path py : glob(lib, "python3*", "")) {
                out.add(py.resolve("site-packages"));
                out.add(py.resolve("dist-packages"));
            }
        }
        return out;
    }
}
