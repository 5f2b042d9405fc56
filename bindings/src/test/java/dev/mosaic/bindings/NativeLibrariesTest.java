package dev.mosaic.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import org.junit.jupiter.api.Test;

class NativeLibrariesTest {

    @Test
    void loadsBundledLibmosaicAndCallsIt() throws Throwable {
        NativeLibraries.Loaded lib = NativeLibraries.load(NativeLibraries.Library.MOSAIC);
        assertTrue(lib.path().toString().endsWith("libmosaic.so"), lib.path().toString());
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
        NativeLibraryException e = org.junit.jupiter.api.Assertions.assertThrows(NativeLibraryException.class,
                () -> NativeLibraries.loadExternal("mosaic.test.none", "MOSAIC_TEST_NONE",
                        List.of("/nonexistent/libnothing.so", "libdefinitely-not-here-mosaic.so")));
        assertTrue(e.getMessage().contains("/nonexistent/libnothing.so"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dmosaic.test.none"), e.getMessage());
    }
}
