package dev.mosaic.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search order for cudart and cuBLAS, on a fake file-system tree (no CUDA needed). */
class CudaLibrariesTest {

    @TempDir
    Path root;

    private Path dir(String rel) throws IOException {
        return Files.createDirectories(root.resolve(rel));
    }

    @Test
    void searchOrderIsOverridesThenToolkitsThenLdPathThenPythonThenSonames() throws IOException {
        dir("usr/local/cuda/lib64");
        dir("usr/local/cuda-12.4/lib64");
        dir("usr/local/cuda-13.0/lib64");
        dir("venv/lib/python3.12/site-packages/nvidia/cu13/lib");
        dir("venv/lib/python3.12/site-packages/nvidia/cublas/lib");
        dir("opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib");
        dir("usr/local/lib/python3.11/dist-packages/nvidia/cuda_runtime/lib");
        Path home = dir("home");
        dir("home/.local/lib/python3.10/site-packages/nvidia/cublas/lib");
        Map<String, String> env = Map.of("CUDA_HOME", "/cuda-home", "CUDA_PATH", "/cuda-path",
                "LD_LIBRARY_PATH", "/ld/one::/ld/two", "VIRTUAL_ENV", root.resolve("venv").toString());
        List<String> names = List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so");
        List<String> got = CudaLibraries.candidates(names, env::get, root, home);
        String r = root.toString();
        List<String> wantDirs = List.of("/cuda-home/lib64", "/cuda-home/lib", "/cuda-path/lib64", "/cuda-path/lib",
                r + "/usr/local/cuda/lib64", r + "/usr/local/cuda-13.0/lib64", r + "/usr/local/cuda-12.4/lib64",
                "/ld/one", "/ld/two",
                r + "/venv/lib/python3.12/site-packages/nvidia/cublas/lib",
                r + "/venv/lib/python3.12/site-packages/nvidia/cu13/lib",
                r + "/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib",
                r + "/usr/local/lib/python3.11/dist-packages/nvidia/cuda_runtime/lib",
                home + "/.local/lib/python3.10/site-packages/nvidia/cublas/lib");
        assertEquals(wantDirs.size() * 3 + 3, got.size(), String.join("\n", got));
        for (int d = 0; d < wantDirs.size(); d++) {
            for (int n = 0; n < 3; n++) {
                assertEquals(wantDirs.get(d) + "/" + names.get(n), got.get(d * 3 + n), "entry " + (d * 3 + n));
            }
        }
        assertEquals(names, got.subList(got.size() - 3, got.size()), "bare sonames last, versioned first");
    }

    @Test
    void anEmptyEnvironmentStillSearchesTheStandardToolkitAndTheLinker() {
        List<String> got = CudaLibraries.candidates(List.of("libcudart.so.13"), k -> null, root, root.resolve("nohome"));
        assertEquals(List.of(root + "/usr/local/cuda/lib64/libcudart.so.13", "libcudart.so.13"), got);
    }

    @Test
    void theProcessSearchListEndsWithTheBareSonames() {
        List<String> got = CudaLibraries.candidates(CudaLibraries.CUBLAS_NAMES);
        assertEquals(CudaLibraries.CUBLAS_NAMES, got.subList(got.size() - 3, got.size()));
        assertTrue(got.contains("/usr/local/cuda/lib64/libcublas.so.13"), got.toString());
    }
}
