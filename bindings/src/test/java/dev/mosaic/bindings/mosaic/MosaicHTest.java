package dev.mosaic.bindings.mosaic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bindings match the library: every bound symbol resolves, and the ABI version agrees. */
class MosaicHTest {

    @Test
    void everyBoundFunctionResolvesInLibmosaic() throws Exception {
        List<Method> addresses = Arrays.stream(mosaic_h.class.getMethods())
                .filter(m -> Modifier.isStatic(m.getModifiers()) && m.getName().endsWith("$address"))
                .toList();
        assertTrue(addresses.size() >= 18, "expected all mosaic.h functions, found " + addresses.size());
        for (Method m : addresses) {
            MemorySegment address = (MemorySegment) m.invoke(null);
            assertFalse(address.equals(MemorySegment.NULL), m.getName());
        }
    }

    @Test
    void abiVersionAndFeaturesAreReported() {
        assertEquals(mosaic_h.MOSAIC_ABI_VERSION(), mosaic_h.mosaic_abi_version());
        String features = mosaic_h.mosaic_cpu_features().reinterpret(256).getString(0);
        assertTrue(features.startsWith("active="), features);
        assertEquals(1, mosaic_h.mosaic_type_supported(mosaic_h.MOSAIC_TYPE_Q6_K()));
        assertEquals(1, mosaic_h.mosaic_type_supported(mosaic_h.MOSAIC_TYPE_Q5_K()));
        assertEquals(0, mosaic_h.mosaic_type_supported(16)); // IQ2_XXS: known to the table, not run
    }
}
