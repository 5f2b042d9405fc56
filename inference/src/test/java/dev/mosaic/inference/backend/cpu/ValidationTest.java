package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.backend.DeviceBuffer;
import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad sizes, indices and handles end in IllegalArgumentException before any native call; resources close. */
class ValidationTest {

    private static void rejects(String messagePart, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(messagePart), () -> "message '" + e.getMessage() + "' lacks '" + messagePart + "'");
    }

    @Test
    void matmulAndEmbeddingCheckShapesAndIds() {
        try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(1)) {
            Random rnd = new Random(1);
            BackendWeight w = backend.prepare(TestWeights.random("blk.0.ffn_up.weight", GgmlType.Q8_0, 8, 64, rnd, arena).tensor());
            CpuBuffer x = backend.allocate(2 * 64);
            CpuBuffer out = backend.allocate(2 * 8);
            rejects("x needs 192 floats", () -> backend.matmul(out, w, x, 3));
            rejects("out needs 24 floats", () -> backend.matmul(backend.allocate(16), w, backend.allocate(200), 3));
            rejects("different buffers", () -> backend.matmul(x, w, x, 1));
            rejects("rows must not be negative", () -> backend.matmul(out, w, x, -1));
            rejects("token id 8", () -> backend.embedding(backend.allocate(1000), w, new int[] {1, 8}));
            rejects("token id -1", () -> backend.embedding(backend.allocate(1000), w, new int[] {-1}));
            rejects("out needs 128 floats", () -> backend.embedding(out, w, new int[] {1, 2}));
            backend.matmul(out, w, x, 2); // the right sizes work
        }
    }

    @Test
    void prepareRejectsHeapDataAndBadVectors() {
        try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(1)) {
            Tensor heap = new Tensor("output.weight", GgmlType.F32, new long[] {4, 2}, MemorySegment.ofArray(new float[8]));
            rejects("output.weight", () -> backend.prepare(heap));
            rejects("no elements", () -> backend.prepare(new Tensor("empty", GgmlType.F32, new long[] {0}, arena.allocate(0))));
            rejects("threads must be in", () -> new CpuBackend(0));
            rejects("threads must be in", () -> new CpuBackend(100_000));
            BackendWeight matrix = backend.prepare(TestWeights.random("attn_norm.weight", GgmlType.F32, 3, 8, new Random(2), arena).tensor());
            CpuBuffer x = backend.allocate(24);
            rejects("must be a vector", () -> backend.rmsNorm(x, x, matrix, 1, 1e-5f));
            BackendWeight q = backend.prepare(TestWeights.random("attn_q.bias", GgmlType.Q8_0, 1, 32, new Random(3), arena).tensor());
            rejects("has type Q8_0", () -> backend.addBias(x, q, 1));
            BackendWeight g = backend.prepare(TestWeights.random("norm", GgmlType.F32, 1, 8, new Random(4), arena).tensor());
            rejects("eps", () -> backend.rmsNorm(x, x, g, 1, Float.NaN));
            rejects("x needs 32 floats", () -> backend.rmsNorm(x, x, g, 4, 1e-5f));
        }
    }

    @Test
    void ropeChecksHeadsPositionsAndCapacity() {
        try (CpuBackend backend = new CpuBackend(1)) {
            CpuBuffer x = backend.allocate(2 * 2 * 8);
            RopeConfig rope = new RopeConfig(10000f, RopeConfig.Layout.HALVES);
            rejects("even headDim", () -> backend.rope(x, 2, 2, 7, new int[] {0, 1}, rope));
            rejects("2 positions for 3 rows", () -> backend.rope(x, 3, 2, 8, new int[] {0, 1}, rope));
            rejects("negative", () -> backend.rope(x, 2, 2, 8, new int[] {0, -4}, rope));
            rejects("x needs 64 floats", () -> backend.rope(x, 2, 4, 8, new int[] {0, 1}, rope));
            rejects("frequency factors", () -> backend.rope(x, 2, 2, 8, new int[] {0, 1},
                    new RopeConfig(10000f, RopeConfig.Layout.HALVES, null, new float[2])));
        }
    }

    @Test
    void kvStoreAndAttentionCheckSlotsBlocksAndRows() {
        try (CpuBackend backend = new CpuBackend(1)) {
            KvGeometry g = new KvGeometry(2, 4, 4, 2, 8);
            CpuKvStorage kv = backend.allocateKv(g);
            CpuBuffer k = backend.allocate(3 * 16);
            CpuBuffer v = backend.allocate(3 * 16);
            rejects("slot 16", () -> backend.kvStore(kv, 0, k, v, new int[] {0, 16}));
            rejects("slot -1", () -> backend.kvStore(kv, 0, k, v, new int[] {-1}));
            rejects("layer 2", () -> backend.kvStore(kv, 2, k, v, new int[] {0}));
            rejects("k needs 64 floats", () -> backend.kvStore(kv, 0, k, v, new int[] {0, 1, 2, 3}));

            CpuBuffer q = backend.allocate(6 * 32);
            CpuBuffer out = backend.allocate(6 * 32);
            float scale = 0.3f;
            AttentionBatch blockOutOfRange = new AttentionBatch(new int[] {0}, new int[] {2}, new int[] {3},
                    new int[] {0}, new int[] {1, 4});
            rejects("= 4 is outside", () -> backend.attention(out, q, kv, 0, blockOutOfRange, 4, scale));
            AttentionBatch shortTable = new AttentionBatch(new int[] {0}, new int[] {2}, new int[] {3},
                    new int[] {0}, new int[] {1});
            rejects("needs 2 block table entries", () -> backend.attention(out, q, kv, 0, shortTable, 4, scale));
            AttentionBatch tooManyRows = new AttentionBatch(new int[] {5}, new int[] {2}, new int[] {0},
                    new int[] {0}, new int[] {1});
            rejects("q holds 6", () -> backend.attention(out, q, kv, 0, tooManyRows, 4, scale));
            AttentionBatch ok = new AttentionBatch(new int[] {0}, new int[] {2}, new int[] {0}, new int[] {0}, new int[] {1});
            rejects("not a multiple", () -> backend.attention(out, q, kv, 0, ok, 3, scale));
            rejects("different buffers", () -> backend.attention(q, q, kv, 0, ok, 4, scale));
            rejects("negative", () -> backend.attention(out, q, kv, 0,
                    new AttentionBatch(new int[] {0}, new int[] {1}, new int[] {-1}, new int[] {0}, new int[] {1}), 4, scale));
            backend.attention(out, q, kv, 0, ok, 4, scale);
        }
    }

    @Test
    void elementwiseOpsAndCopiesCheckCapacity() {
        try (CpuBackend backend = new CpuBackend(1); Arena arena = Arena.ofConfined()) {
            CpuBuffer a = backend.allocate(10);
            CpuBuffer b = backend.allocate(5);
            rejects("x needs 10 floats", () -> backend.add(a, b, 10));
            rejects("gate needs 10 floats", () -> backend.swiglu(a, b, a, 10));
            rejects("x needs 12 floats", () -> backend.softmax(a, 3, 4));
            rejects("cols must be positive", () -> backend.softmax(a, 1, 0));
            rejects("outside dst", () -> backend.write(arena.allocate(40), a, 3, 8));
            rejects("src holds 8 bytes", () -> backend.write(arena.allocate(8), a, 0, 4));
            rejects("outside src", () -> backend.read(a, -1, arena.allocate(40), 2));
            rejects("positive", () -> backend.allocate(0));
        }
    }

    @Test
    void foreignAndClosedHandlesAreRejected() {
        try (CpuBackend one = new CpuBackend(1); CpuBackend other = new CpuBackend(1)) {
            CpuBuffer mine = one.allocate(8);
            CpuBuffer theirs = other.allocate(8);
            rejects("not allocated by this CPU backend", () -> one.add(mine, theirs, 8));
            DeviceBuffer stranger = new DeviceBuffer() {
                @Override
                public long elements() {
                    return 8;
                }

                @Override
                public dev.mosaic.inference.backend.DType type() {
                    return dev.mosaic.inference.backend.DType.F32;
                }

                @Override
                public void close() {}
            };
            rejects("not allocated by this CPU backend", () -> one.add(mine, stranger, 8));
            CpuBuffer closed = one.allocate(8);
            closed.close();
            rejects("closed", () -> one.add(mine, closed, 8));
            assertThrows(IllegalStateException.class, closed::segment);
        }
    }

    @Test
    void closingTheBackendClosesWhatIsStillOpen() {
        CpuBackend backend = new CpuBackend(2);
        CpuBuffer kept = backend.allocate(16);
        CpuBuffer freed = backend.allocate(16);
        CpuKvStorage kv = backend.allocateKv(new KvGeometry(1, 2, 2, 1, 4));
        freed.close();
        freed.close(); // idempotent
        assertEquals(2, backend.openResources());
        backend.close();
        assertEquals(0, backend.openResources());
        assertThrows(IllegalStateException.class, kept::segment);
        assertThrows(IllegalStateException.class, () -> kv.keys(0));
        assertThrows(IllegalStateException.class, () -> backend.allocate(4));
        backend.close(); // idempotent
    }

    @Test
    void isaSelectionReportsAndClamps() {
        String features = CpuIsa.describe();
        assertTrue(features.startsWith("active="), features);
        CpuIsa previous = CpuIsa.active();
        try {
            assertEquals(CpuIsa.PORTABLE, CpuIsa.select(CpuIsa.PORTABLE));
            assertTrue(CpuIsa.describe().startsWith("active=portable"), CpuIsa.describe());
            // asking for more than the CPU has gives the best it has
            assertEquals(CpuIsa.best(), CpuIsa.select(CpuIsa.AVX512));
        } finally {
            CpuIsa.select(previous);
        }
    }
}
