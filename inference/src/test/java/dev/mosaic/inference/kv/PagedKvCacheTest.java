package dev.mosaic.inference.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.backend.KvStorage;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class PagedKvCacheTest {

    /** Storage that only records its geometry and whether it was closed: the cache never touches the memory. */
    static final class CountingStorage implements KvStorage {
        final KvGeometry geometry;
        int closes;

        CountingStorage(int blocks, int blockSize) {
            geometry = new KvGeometry(1, blocks, blockSize, 1, 4);
        }

        @Override
        public KvGeometry geometry() {
            return geometry;
        }

        @Override
        public void close() {
            closes++;
        }
    }

    @Test
    void reservesWholeBlocksAndMapsPositionsToSlots() {
        try (PagedKvCache cache = new PagedKvCache(new CountingStorage(8, 4))) {
            cache.reserve(1, 5);
            assertEquals(2, cache.blockCount(1));
            assertEquals(8, cache.capacity(1));
            assertEquals(6, cache.freeBlocks());
            assertEquals(2, cache.usedBlocks());
            assertArrayEquals(new int[] {0, 1}, cache.blockTable(1));
            cache.reserve(2, 1);
            assertArrayEquals(new int[] {2}, cache.blockTable(2));
            cache.extend(1, 9);
            assertArrayEquals(new int[] {0, 1, 3}, cache.blockTable(1));
            assertEquals(3 * 4 + 0, cache.slot(1, 8));
            assertEquals(1 * 4 + 3, cache.slot(1, 7));
            assertThrows(IndexOutOfBoundsException.class, () -> cache.slot(1, 12));
            cache.extend(1, 3); // shrinking requests are no-ops
            assertEquals(3, cache.blockCount(1));
        }
    }

    @Test
    void fullCacheRefusesWithAReasonAndChangesNothing() {
        try (PagedKvCache cache = new PagedKvCache(new CountingStorage(4, 16))) {
            cache.reserve(1, 40); // 3 blocks
            assertFalse(cache.canAdmit(17));
            assertTrue(cache.canAdmit(16));
            assertTrue(cache.admissionBlocker(17).orElseThrow().contains("2 blocks, 1 of 4 free"));
            assertTrue(cache.admissionBlocker(100).orElseThrow().contains("too small"));
            assertFalse(cache.fitsEver(65));
            KvCacheFullException e = assertThrows(KvCacheFullException.class, () -> cache.reserve(2, 17));
            assertEquals(2, e.blocksNeeded());
            assertEquals(1, e.blocksFree());
            assertFalse(cache.contains(2));
            assertThrows(KvCacheFullException.class, () -> cache.extend(1, 65));
            assertEquals(3, cache.blockCount(1));
            assertEquals(1, cache.freeBlocks());
            cache.release(1);
            assertEquals(4, cache.freeBlocks());
            assertTrue(cache.canAdmit(64));
        }
    }

    @Test
    void rejectsDuplicateAndUnknownSequences() {
        try (PagedKvCache cache = new PagedKvCache(new CountingStorage(4, 16))) {
            cache.reserve(7, 1);
            assertThrows(IllegalStateException.class, () -> cache.reserve(7, 1));
            assertThrows(IllegalArgumentException.class, () -> cache.blockTable(8));
            assertThrows(IllegalArgumentException.class, () -> cache.extend(8, 3));
            cache.release(8); // harmless
            assertEquals(1, cache.usedBlocks());
        }
    }

    @Test
    void closesItsStorageOnce() {
        CountingStorage storage = new CountingStorage(2, 2);
        PagedKvCache cache = new PagedKvCache(storage);
        cache.close();
        cache.close();
        assertEquals(1, storage.closes);
        assertThrows(IllegalStateException.class, () -> cache.reserve(1, 1));
    }

    /** Random reserve/extend/release traffic: blocks never shared, counts exact, everything returned. */
    @Property(tries = 200)
    void blocksAreNeverSharedAndAllComeBack(@ForAll @IntRange(min = 1, max = 40) int blocks,
                                            @ForAll @IntRange(min = 1, max = 8) int blockSize,
                                            @ForAll long seed) {
        Random random = new Random(seed);
        Map<Long, Integer> expectedTokens = new HashMap<>();
        try (PagedKvCache cache = new PagedKvCache(new CountingStorage(blocks, blockSize))) {
            for (int op = 0; op < 200; op++) {
                long id = random.nextInt(10);
                int tokens = 1 + random.nextInt(blocks * blockSize / 2 + 1);
                int choice = random.nextInt(3);
                if (choice == 0 && !cache.contains(id)) {
                    boolean fits = cache.canAdmit(tokens);
                    if (fits) {
                        cache.reserve(id, tokens);
                        expectedTokens.put(id, tokens);
                    } else {
                        assertThrows(KvCacheFullException.class, () -> cache.reserve(id, tokens));
                    }
                } else if (choice == 1 && cache.contains(id)) {
                    int want = expectedTokens.get(id) + tokens;
                    int extra = cache.blocksFor(want) - cache.blockCount(id);
                    if (extra <= cache.freeBlocks()) {
                        cache.extend(id, want);
                        expectedTokens.put(id, want);
                    } else {
                        assertThrows(KvCacheFullException.class, () -> cache.extend(id, want));
                    }
                } else {
                    cache.release(id);
                    expectedTokens.remove(id);
                }
                BitSet owned = new BitSet();
                int used = 0;
                for (var e : expectedTokens.entrySet()) {
                    int[] table = cache.blockTable(e.getKey());
                    assertEquals(cache.blocksFor(e.getValue()), table.length);
                    for (int b : table) {
                        assertTrue(b >= 0 && b < blocks);
                        assertFalse(owned.get(b), "block " + b + " owned twice");
                        owned.set(b);
                    }
                    used += table.length;
                }
                assertEquals(used, cache.usedBlocks());
                assertEquals(blocks - used, cache.freeBlocks());
            }
            for (long id : expectedTokens.keySet()) {
                cache.release(id);
            }
            assertEquals(blocks, cache.freeBlocks());
            assertEquals(0, cache.sequenceCount());
        }
    }
}
