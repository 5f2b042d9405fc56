package dev.mosaic.inference.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.backend.DType;
import dev.mosaic.inference.backend.StepMetadata;
import dev.mosaic.inference.tensor.Quantization;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The CUDA backend's host-side arithmetic, which runs without a GPU. */
class CudaPlansTest {

    @Test
    void attentionRowsBecomePerRowSequenceAndPosition() {
        // decode at 13, prefill of 3 from 0, a sequence with no rows, chunk of 2 from 6
        AttentionBatch b = new AttentionBatch(new int[] {0, 1, 4, 4}, new int[] {1, 3, 0, 2}, new int[] {13, 0, 9, 6},
                new int[] {0, 4, 5, 6}, new int[] {3, 1, 0, 2, 7, 8, 9, 5});
        CudaPlans.PackedStep p = CudaPlans.pack(new StepMetadata(null, null, null, b, new int[] {0, 5}));
        assertArrayEquals(new int[] {0, 1, 1, 1, 3, 3}, p.parts()[CudaStep.ROW_SEQ]);
        assertArrayEquals(new int[] {13, 0, 1, 2, 6, 7}, p.parts()[CudaStep.ROW_POSITIONS]);
        assertArrayEquals(b.blockTableStart(), p.parts()[CudaStep.TABLE_START]);
        assertArrayEquals(b.blockTables(), p.parts()[CudaStep.TABLES]);
        assertArrayEquals(new int[] {0, 5}, p.parts()[CudaStep.GATHER]);
        assertNull(p.parts()[CudaStep.TOKENS]);
        assertEquals(14, p.maxLength());
    }

    @Test
    void attentionRowsWithGapsOrOverlapsAreRejected() {
        AttentionBatch gap = new AttentionBatch(new int[] {0, 2}, new int[] {1, 1}, new int[] {0, 0}, new int[] {0, 1}, new int[] {0, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaPlans.pack(StepMetadata.ofAttention(gap)));
        assertTrue(e.getMessage().contains("row 2"), e.getMessage());
        AttentionBatch overlap = new AttentionBatch(new int[] {0, 0}, new int[] {1, 1}, new int[] {0, 0}, new int[] {0, 1},
                new int[] {0, 1});
        assertThrows(IllegalArgumentException.class, () -> CudaPlans.pack(StepMetadata.ofAttention(overlap)));
    }

    @Test
    void partsArePackedAlignedBackToBack() {
        StepMetadata m = new StepMetadata(new int[] {1, 2, 3}, new int[] {0, 1, 2}, new int[] {4, 5, 6}, null, new int[] {2});
        long[] off = CudaPlans.pack(m).offsets();
        assertEquals(CudaStep.PARTS + 1, off.length);
        assertEquals(0, off[CudaStep.TOKENS]);
        assertEquals(16, off[CudaStep.POSITIONS]); // 12 bytes rounded up to 16
        assertEquals(32, off[CudaStep.SLOTS]);
        assertEquals(48, off[CudaStep.ROW_SEQ]); // absent parts take no room
        assertEquals(48, off[CudaStep.GATHER]);
        assertEquals(64, off[CudaStep.PARTS]);
        for (long o : off) {
            assertEquals(0, o % CudaPlans.PART_ALIGN);
        }
    }

    @Test
    void splitsCoverEveryPositionAndStayBounded() {
        int sms = 132;
        assertArrayEquals(new int[] {1, 1}, CudaPlans.attentionSplits(8, 0, sms));
        assertArrayEquals(new int[] {1, 200}, CudaPlans.attentionSplits(8, 200, sms), "short: one chunk");
        assertArrayEquals(new int[] {1, 5000}, CudaPlans.attentionSplits(264, 5000, sms), "GPU already full: one chunk");
        Random rnd = new Random(3);
        for (int i = 0; i < 2000; i++) {
            long rowHeads = 1 + rnd.nextInt(600);
            int len = 1 + rnd.nextInt(1 << (1 + rnd.nextInt(20)));
            int[] s = CudaPlans.attentionSplits(rowHeads, len, sms);
            assertTrue(s[0] >= 1 && s[0] <= CudaPlans.MAX_SPLITS, "splits " + s[0]);
            assertTrue(s[1] >= 1, "split length " + s[1]);
            assertTrue((long) s[0] * s[1] >= len, rowHeads + " x " + len + ": " + s[0] + " x " + s[1] + " misses positions");
            assertTrue((long) (s[0] - 1) * s[1] < len, "an empty trailing chunk for " + len + ": " + s[0] + " x " + s[1]);
            if (s[0] > 1) {
                assertEquals(0, s[1] % 128, "chunks are whole 128-position tiles");
            }
        }
        assertEquals(0, CudaPlans.workspaceFloats(100, 1, 64));
        assertEquals(100L * 4 * 66, CudaPlans.workspaceFloats(100, 4, 64));
    }

    @Test
    void hostEncodingRoundsToNearestEven() {
        Random rnd = new Random(9);
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * Math.pow(10, rnd.nextInt(8) - 4));
        }
        v[0] = Float.intBitsToFloat(0x3F808000); // a tie: rounds to even (down)
        v[1] = Float.intBitsToFloat(0x3F818000); // a tie: rounds to even (up)
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(2L * v.length + 6);
            CudaBackend.encode(v, 0, host, 6, v.length, DType.BF16);
            for (int i = 0; i < v.length; i++) {
                short bits = host.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6 + 2L * i);
                float back = Quantization.bf16ToFloat(bits);
                assertTrue(Math.abs(back - v[i]) <= Math.abs(v[i]) * 0x1p-8, i + ": " + v[i] + " -> " + back);
                assertEquals(Quantization.floatToBf16(v[i]), bits);
            }
            assertEquals((short) 0x3F80, host.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6));
            assertEquals((short) 0x3F82, host.get(ValueLayout.JAVA_SHORT_UNALIGNED, 8));
            CudaBackend.encode(v, 10, host, 0, 4, DType.F32);
            for (int i = 0; i < 4; i++) {
                assertEquals(v[10 + i], host.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i));
            }
        }
    }
}
