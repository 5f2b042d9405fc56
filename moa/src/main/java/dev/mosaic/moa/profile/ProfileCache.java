package dev.mosaic.moa.profile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mosaic.common.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Profiles already measured, one JSON file each under a directory, keyed by the model file (its
 * path, size, modification time and a hash of its first MiB, which holds a GGUF header) and the
 * worker's profile key (kind, threads, KV budget, batch, ISA, CPU model). A changed file or
 * another worker shape misses the cache. Files are written atomically; an unreadable entry is
 * treated as a miss. Thread-safe.
 */
public final class ProfileCache {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int HEADER_BYTES = 1 << 20;
    /** Changes whenever the profiler measures something new, so older cached profiles are measured again. */
    static final String PROFILE_FORMAT = "profile-v5:context-term,warmed-load,warm-process,5-runs,host-probe";

    private final Path dir;

    public ProfileCache(Path dir) {
        this.dir = dir;
    }

    /** The default location: {@code <mosaic cache dir>/profiles}. */
    public static ProfileCache standard() {
        return new ProfileCache(dev.mosaic.bindings.NativeLibraries.cacheDir().resolve("profiles"));
    }

    public Path dir() {
        return dir;
    }

    /** The cached profile of {@code model} on workers of {@code workerKey}, if any. */
    public Optional<ModelProfile> find(Path model, String workerKey) {
        Path f = dir.resolve(key(model, workerKey) + ".json");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), ModelProfile.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Stores {@code profile} for {@code model} on workers of {@code workerKey}. */
    public void put(Path model, String workerKey, ModelProfile profile) {
        try {
            Files.createDirectories(dir);
            AtomicFiles.write(dir.resolve(key(model, workerKey) + ".json"), JSON.writeValueAsBytes(profile));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write profile cache " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The cache key: a hash of the model's identity and the worker key. */
    static String key(Path model, String workerKey) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Path p = model.toAbsolutePath().normalize();
            Path file = Files.isDirectory(p) ? firstFile(p) : p;
            md.update(p.toString().getBytes(StandardCharsets.UTF_8));
            md.update(Long.toString(Files.size(file)).getBytes(StandardCharsets.UTF_8));
            md.update(Files.getLastModifiedTime(file).toString().getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(file)) {
                md.update(in.readNBytes(HEADER_BYTES));
            }
            md.update(workerKey.getBytes(StandardCharsets.UTF_8));
            md.update(PROFILE_FORMAT.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 32);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + model + " for its profile key: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The largest file of a safetensors directory (its weights), for the key. */
    private static Path firstFile(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).max(java.util.Comparator.comparingLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return -1L;
                }
            })).orElseThrow(() -> new IOException("empty model directory " + dir));
        }
    }
}
