package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.bindings.mosaic.mosaic_h;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Owned memory small (arena) and large (OS pages): zero-filled, aligned, writable, and unusable after free. */
class OwnedMemoryTest {

    @Test
    void smallAndLargeBlocksAreZeroAlignedAndWritableAndThrowAfterFree() {
        for (long bytes : new long[] {1, 4096, OwnedMemory.PAGES_MIN_BYTES - 1, OwnedMemory.PAGES_MIN_BYTES + 3, (5L << 20) + 7}) {
            OwnedMemory m = new OwnedMemory(bytes);
            MemorySegment s = m.segment("test");
            assertEquals(bytes, s.byteSize());
            assertEquals(0, s.address() % OwnedMemory.ALIGNMENT, bytes + " bytes: cache-line aligned");
            if (bytes >= (2L << 20)) {
                assertEquals(0, s.address() % (2L << 20), bytes + " bytes: starts on a 2 MiB boundary (huge pages)");
            }
            for (long i = 0; i < bytes; i += Math.max(1, bytes / 97)) {
                assertEquals(0, s.get(ValueLayout.JAVA_BYTE, i), bytes + " bytes: zero at " + i);
            }
            s.set(ValueLayout.JAVA_BYTE, bytes - 1, (byte) 7);
            assertEquals(7, s.get(ValueLayout.JAVA_BYTE, bytes - 1));
            assertTrue(m.markClosed());
            m.free();
            assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0),
                    bytes + " bytes: a use after free throws instead of touching unmapped memory");
            assertThrows(IllegalStateException.class, () -> m.segment("test"));
        }
    }

    @Test
    void pagesRefuseNonPositiveSizes() {
        assertEquals(0, mosaic_h.mosaic_pages_alloc(0).address());
        assertEquals(0, mosaic_h.mosaic_pages_alloc(-5).address());
        mosaic_h.mosaic_pages_free(MemorySegment.NULL, 100); // ignored
    }
}
