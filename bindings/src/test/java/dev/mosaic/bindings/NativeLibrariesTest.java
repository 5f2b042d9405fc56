package dev.mosaic.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibrariesTest {

    @TempDir
    Path tmp;

    @Test
    void loadsBundledLibmosaicAndCallsIt() throws Throwable {
        NativeLibraries.Loaded lib = NativeLibraries.load(NativeLibraries.Library.MOSAIC);
        assertTrue(lib.path().toString().endsWith("libmosaic.so"), lib.path().toString());
        assertTrue(NativeLibraries.isLoaded(NativeLibraries.Library.MOSAIC));
        MethodHandle abi = Linker.nativeLinker().downcallHandle(
                lib.lookup().find("mosaic_abi_version").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
        assertEquals(1, (int) abi.invokeExact());
    }

    @Test
    void extractsBundledHighs() {
        NativeLibraries.Loaded lib = NativeLibraries.load(NativeLibraries.Library.HIGHS);
        assertTrue(lib.lookup().find("Highs_create").isPresent());
        assertTrue(lib.path().startsWith(NativeLibraries.cacheDir()), lib.path().toString());
    }

    @Test
    void externalLibraryErrorListsWhatWasTried() {
        NativeLibraryException e = assertThrows(NativeLibraryException.class,
                () -> NativeLibraries.loadExternal("mosaic.test.none", "MOSAIC_TEST_NONE",
                        List.of("/nonexistent/libnothing.so", "libdefinitely-not-here-mosaic.so")));
        assertTrue(e.getMessage().contains("/nonexistent/libnothing.so"), e.getMessage());
        assertTrue(e.getMessage().contains("libdefinitely-not-here-mosaic.so"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dmosaic.test.none"), e.getMessage());
    }

    @Test
    void aFailedLoadCanBeRetriedInTheSameJvm() throws IOException {
        Path notALibrary = Files.writeString(tmp.resolve("libmosaic.so"), "not an ELF file");
        NativeLibraries.Registry registry = new NativeLibraries.Registry();
        withProperty("mosaic.native.library", notALibrary.toString(), () -> {
            NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> registry.load(NativeLibraries.Library.MOSAIC));
            assertTrue(e.getMessage().contains(notALibrary.toString()), e.getMessage());
        });
        assertFalse(registry.loaded.containsKey(NativeLibraries.Library.MOSAIC), "a failure must not be cached");
        NativeLibraries.Loaded lib = registry.load(NativeLibraries.Library.MOSAIC);
        assertTrue(lib.lookup().find("mosaic_abi_version").isPresent());
        assertEquals(lib, registry.load(NativeLibraries.Library.MOSAIC), "a success is cached");
    }

    @Test
    void unwritableCacheDirFallsBackToAPrivateTempDir() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Path unwritable = file.resolve("cache");   // below a regular file: cannot be created, even by root
        Path tempBase = Files.createDirectory(tmp.resolve("tmpdir"));
        NativeLibraries.Registry registry = new NativeLibraries.Registry();
        withProperty("mosaic.cache.dir", unwritable.toString(), () -> withProperty("java.io.tmpdir", tempBase.toString(), () -> {
            NativeLibraries.Loaded lib = registry.load(NativeLibraries.Library.MOSAIC);
            assertTrue(lib.path().startsWith(tempBase), lib.path().toString());
            Path privateDir = tempBase.relativize(lib.path()).getName(0);
            assertTrue(privateDir.toString().startsWith("mosaic-native-"), lib.path().toString());
            try {
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tempBase.resolve(privateDir))));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            assertTrue(lib.lookup().find("mosaic_abi_version").isPresent());
        }));
    }

    /**
     * Issue 12: a cached copy was checked by size only, so a same-size corrupted libmosaic.so was
     * loaded (a crash when its code ran). The corruption here is all zero bytes, so that without
     * the content check the load fails cleanly (not an ELF file) instead of taking the JVM down.
     */
    @Test
    void aCorruptedCachedCopyOfTheSameSizeIsReplaced() throws Throwable {
        Path firstCache = tmp.resolve("first-cache");
        Path secondCache = tmp.resolve("second-cache");
        // Where the cache puts libmosaic, from a clean extraction (mapped from now on: never touched again).
        Path[] extracted = new Path[1];
        withProperty("mosaic.cache.dir", firstCache.toString(),
                () -> extracted[0] = new NativeLibraries.Registry().load(NativeLibraries.Library.MOSAIC).path());
        byte[] good = Files.readAllBytes(extracted[0]);
        Path corrupted = secondCache.resolve(firstCache.relativize(extracted[0]));
        Files.createDirectories(corrupted.getParent());
        Files.write(corrupted, new byte[good.length]);
        Object corruptedFile = Files.readAttributes(corrupted, BasicFileAttributes.class).fileKey();

        NativeLibraries.Loaded[] lib = new NativeLibraries.Loaded[1];
        withProperty("mosaic.cache.dir", secondCache.toString(),
                () -> lib[0] = new NativeLibraries.Registry().load(NativeLibraries.Library.MOSAIC));
        assertEquals(corrupted, lib[0].path());
        assertArrayEquals(good, Files.readAllBytes(corrupted), "the corrupted copy was rewritten with the bundled bytes");
        assertNotEquals(corruptedFile, Files.readAttributes(corrupted, BasicFileAttributes.class).fileKey(),
                "replaced by a move, not rewritten in place");
        try (var files = Files.list(corrupted.getParent())) {
            assertEquals(List.of(corrupted.getFileName()), files.map(Path::getFileName).toList(), "no temporary left");
        }
        MethodHandle abi = Linker.nativeLinker().downcallHandle(
                lib[0].lookup().find("mosaic_abi_version").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
        assertEquals(1, (int) abi.invokeExact());

        // An intact copy is kept as it is (same file).
        Object intactFile = Files.readAttributes(corrupted, BasicFileAttributes.class).fileKey();
        withProperty("mosaic.cache.dir", secondCache.toString(),
                () -> new NativeLibraries.Registry().load(NativeLibraries.Library.MOSAIC));
        assertEquals(intactFile, Files.readAttributes(corrupted, BasicFileAttributes.class).fileKey());
    }

    @Test
    void errorNamesEveryPathTried() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        NativeLibraries.Registry registry = new NativeLibraries.Registry();
        withProperty("mosaic.cache.dir", file.resolve("cache").toString(), () -> withProperty("java.io.tmpdir", file.resolve("tmp").toString(), () -> {
            NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> registry.load(NativeLibraries.Library.MOSAIC));
            String m = e.getMessage();
            assertTrue(m.contains("-Dmosaic.native.library / $MOSAIC_NATIVE_LIBRARY: not set"), m);
            assertTrue(m.contains(file.resolve("cache").toString()), m);
            assertTrue(m.contains("private temporary directory under " + file.resolve("tmp")), m);
            assertTrue(m.contains("-Dmosaic.native.library or MOSAIC_NATIVE_LIBRARY"), m);
        }));
        assertTrue(registry.load(NativeLibraries.Library.MOSAIC).lookup().find("mosaic_abi_version").isPresent(), "retry after the fix");
    }

    /**
     * The user-visible promise, in a fresh JVM where nothing is loaded yet: a wrapper call that
     * fails to load HiGHS throws NativeLibraryException (not ExceptionInInitializerError) and the
     * same call succeeds once the cause is gone (no NoClassDefFoundError forever); without native
     * access under {@code --illegal-native-access=deny} the message names the flag.
     */
    @Test
    void freshJvmRetriesAndExplainsNativeAccess() throws Exception {
        Path notALibrary = Files.writeString(tmp.resolve("libhighs.so"), "not an ELF file");
        String out = runJava(List.of("--enable-native-access=ALL-UNNAMED"), RetryMain.class.getName(), notALibrary.toString());
        assertTrue(out.contains("first: NativeLibraryException"), out);
        assertTrue(out.contains("second: 1."), out);
        String denied = runJava(List.of("--illegal-native-access=deny"), RetryMain.class.getName(), notALibrary.toString());
        assertTrue(denied.contains("first: NativeLibraryException"), denied);
        assertTrue(denied.contains("--enable-native-access=ALL-UNNAMED"), denied);
    }

    /** Entry point of the fresh JVM in {@link #freshJvmRetriesAndExplainsNativeAccess}. */
    public static final class RetryMain {
        public static void main(String[] args) {
            System.setProperty("mosaic.highs.library", args[0]);
            try {
                System.out.println("first: " + dev.mosaic.bindings.highs.Highs.version());
            } catch (RuntimeException e) {
                System.out.println("first: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            System.clearProperty("mosaic.highs.library");
            try {
                System.out.println("second: " + dev.mosaic.bindings.highs.Highs.version());
            } catch (RuntimeException e) {
                System.out.println("second: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    static String runJava(List<String> jvmArgs, String mainClass, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not finish in 60 s: " + cmd);
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void withProperty(String key, String value, Runnable body) {
        String old = System.getProperty(key);
        System.setProperty(key, value);
        try {
            body.run();
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }
}
