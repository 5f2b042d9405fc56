package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Weight blocks cut from shared mappings: aligned, zero-filled, disjoint, freed together, unusable after. */
class WeightSlabTest {

    @Test
    void blocksAreAlignedZeroedDisjointAndFreedTogether() {
        WeightSlab slab = new WeightSlab();
        SplittableRandom rnd = new SplittableRandom(11);
        List<MemorySegment> blocks = new ArrayList<>();
        long asked = 0;
        for (int i = 0; i < 60; i++) {
            long bytes = 1 + rnd.nextLong(2L << 20); // up to 2 MiB: many share a chunk
            blocks.add(slab.allocate(bytes, "w" + i));
            asked += bytes;
        }
        MemorySegment big = slab.allocate(WeightSlab.CHUNK_BYTES / 4 + 1, "big"); // a mapping of its own
        blocks.add(big);
        for (int i = 0; i < blocks.size(); i++) {
            MemorySegment b = blocks.get(i);
            assertEquals(0, b.address() % OwnedMemory.ALIGNMENT, "block " + i + " is 64-byte aligned");
            assertEquals(0, b.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(0, b.get(ValueLayout.JAVA_BYTE, b.byteSize() - 1), "zero-filled to its end");
            b.set(ValueLayout.JAVA_BYTE, 0, (byte) (i + 1));
            b.set(ValueLayout.JAVA_BYTE, b.byteSize() - 1, (byte) (i + 1));
        }
        for (int i = 0; i < blocks.size(); i++) {
            MemorySegment b = blocks.get(i);
            assertEquals((byte) (i + 1), b.get(ValueLayout.JAVA_BYTE, 0), "no block overlaps another");
            assertEquals((byte) (i + 1), b.get(ValueLayout.JAVA_BYTE, b.byteSize() - 1));
        }
        long mapped = slab.mappedBytes();
        assertTrue(mapped >= asked + big.byteSize() && mapped < asked + big.byteSize() + 6 * WeightSlab.CHUNK_BYTES,
                "mapped " + mapped + " for " + asked);
        slab.close();
        slab.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> blocks.get(0).get(ValueLayout.JAVA_BYTE, 0), "use after free throws");
        assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_BYTE, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> slab.allocate(64, "weight x"));
        assertTrue(e.getMessage().contains("weight x"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new WeightSlab().allocate(0, "empty"));
    }
}
