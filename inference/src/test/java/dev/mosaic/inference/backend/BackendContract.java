package dev.mosaic.inference.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.engine.ForwardPass;
import dev.mosaic.inference.engine.ReferenceForward;
import dev.mosaic.inference.engine.TestModels;
import dev.mosaic.inference.kv.PagedKvCache;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Backend} keeps, written once: each kernel against a float64
 * reference on fresh seeded random inputs, ragged mixed prefill/decode attention batches,
 * block-table edge cases, row gathers, prepared-step lifetimes, and whole forward passes against
 * the test-side {@code ReferenceForward}. A subclass names the backend and its tolerances (the
 * CPU backend computes in float32, a GPU one in bf16 with float32 accumulation); errors are
 * relative in the 2-norm over whole outputs, so a bf16 backend is held to bf16's precision and
 * not to per-element luck near zero.
 */
public abstract class BackendContract {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    protected Backend backend;
    private Arena arena;

    /** A fresh backend for one test. */
    protected abstract Backend createBackend();

    /** Largest relative 2-norm error of one kernel's output against float64. */
    protected abstract double kernelTolerance();

    /** Largest relative 2-norm error of a forward pass's logits against float64. */
    protected abstract double forwardTolerance();

    @BeforeEach
    void open() {
        backend = createBackend();
        arena = Arena.ofShared();
    }

    @AfterEach
    void closeAll() {
        if (backend != null) {
            backend.close();
        }
        if (arena != null) {
            arena.close();
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static double[] randomVector(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (rnd.nextDouble() * 2 - 1) * (0.25 + rnd.nextDouble());
        }
        return v;
    }

    /** A buffer of the backend's activation type holding {@code values} (rounded to float32 first). */
    private DeviceBuffer upload(double[] values) {
        DeviceBuffer b = backend.allocate(values.length);
        MemorySegment host = arena.allocate((long) values.length * Float.BYTES, 64);
        for (int i = 0; i < values.length; i++) {
            host.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) values[i]);
        }
        backend.write(host, b, 0, values.length);
        return b;
    }

    private float[] download(DeviceBuffer b, long n) {
        MemorySegment host = arena.allocate(n * Float.BYTES, 64);
        backend.read(b, 0, host, n);
        return host.toArray(ValueLayout.JAVA_FLOAT);
    }

    /** What the backend computes from: {@code values} rounded to its activation type. */
    private double[] asStored(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = round(values[i], backend.activationType());
        }
        return out;
    }

    private static double round(double v, DType t) {
        float f = (float) v;
        return switch (t) {
            case F32 -> f;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(f));
            case BF16 -> Float.intBitsToFloat((Float.floatToRawIntBits(f) + 0x7FFF + ((Float.floatToRawIntBits(f) >> 16) & 1)) & 0xFFFF0000);
        };
    }

    /** A {@code rows x cols} weight of {@code type} (F32, F16 or BF16) with random contents; returns the exact stored values. */
    private Tensor weight(String name, GgmlType type, int rows, int cols, Random rnd, double[][] values) {
        long rowBytes = type.byteSize(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float f = (float) ((rnd.nextDouble() * 2 - 1) / Math.sqrt(cols) * 2);
                long off = r * rowBytes;
                switch (type) {
                    case F32 -> {
                        data.set(FLOAT, off + 4L * c, f);
                        values[r][c] = f;
                    }
                    case F16 -> {
                        short h = Float.floatToFloat16(f);
                        data.set(SHORT, off + 2L * c, h);
                        values[r][c] = Float.float16ToFloat(h);
                    }
                    case BF16 -> {
                        short h = (short) (Float.floatToRawIntBits(f) >>> 16);
                        data.set(SHORT, off + 2L * c, h);
                        values[r][c] = Float.intBitsToFloat((h & 0xFFFF) << 16);
                    }
                    default -> throw new IllegalArgumentException(type.toString());
                }
            }
        }
        long[] shape = rows == 1 ? new long[] {cols} : new long[] {cols, rows};
        return new Tensor(name, type, shape, data);
    }

    private static double relError(float[] got, double[] want) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            diff += d * d;
            norm += want[i] * want[i];
        }
        return Math.sqrt(diff / Math.max(norm, 1e-300));
    }

    private void assertClose(String what, float[] got, double[] want) {
        double e = relError(got, want);
        assertTrue(e < kernelTolerance(), what + ": relative error " + e + " exceeds " + kernelTolerance());
    }

    // ---- elementwise and row ops ------------------------------------------------------------

    @Test
    void rmsNormMatchesFloat64() {
        Random rnd = new Random(11);
        int rows = 5;
        int width = 96;
        double[][] g = new double[1][width];
        BackendWeight gamma = backend.prepare(weight("norm", GgmlType.F32, 1, width, rnd, g));
        double[] x = randomVector(rnd, rows * width);
        double[] xs = asStored(x);
        DeviceBuffer xb = upload(x);
        DeviceBuffer out = backend.allocate(rows * width);
        backend.rmsNorm(out, xb, gamma, rows, 1e-5f);
        double[] want = new double[rows * width];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int c = 0; c < width; c++) {
                ss += xs[r * width + c] * xs[r * width + c];
            }
            double inv = 1 / Math.sqrt(ss / width + 1e-5);
            for (int c = 0; c < width; c++) {
                want[r * width + c] = xs[r * width + c] * inv * g[0][c];
            }
        }
        assertClose("rmsNorm", download(out, rows * width), want);
    }

    @Test
    void matmulMatchesFloat64ForEachFloatType() {
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            for (int rows : new int[] {1, 3, 17}) {
                Random rnd = new Random(31L * rows + type.ordinal());
                int outDim = 80;
                int inDim = 64;
                double[][] w = new double[outDim][inDim];
                BackendWeight bw = backend.prepare(weight("w." + type + "." + rows, type, outDim, inDim, rnd, w));
                double[] x = randomVector(rnd, rows * inDim);
                double[] xs = asStored(x);
                try (DeviceBuffer xb = upload(x); DeviceBuffer out = backend.allocate(rows * outDim)) {
                    backend.matmul(out, bw, xb, rows);
                    double[] want = new double[rows * outDim];
                    for (int r = 0; r < rows; r++) {
                        for (int o = 0; o < outDim; o++) {
                            double acc = 0;
                            for (int i = 0; i < inDim; i++) {
                                acc += w[o][i] * xs[r * inDim + i];
                            }
                            want[r * outDim + o] = acc;
                        }
                    }
                    assertClose("matmul " + type + " rows " + rows, download(out, rows * outDim), want);
                }
            }
        }
    }

    @Test
    void matmulIntoFloat32Output() {
        Random rnd = new Random(5);
        int outDim = 48;
        int inDim = 32;
        double[][] w = new double[outDim][inDim];
        BackendWeight bw = backend.prepare(weight("w", GgmlType.F32, outDim, inDim, rnd, w));
        double[] x = randomVector(rnd, 2 * inDim);
        double[] xs = asStored(x);
        DeviceBuffer xb = upload(x);
        DeviceBuffer out = backend.allocate(2 * outDim, DType.F32);
        assertEquals(DType.F32, out.type());
        backend.matmul(out, bw, xb, 2);
        double[] want = new double[2 * outDim];
        for (int r = 0; r < 2; r++) {
            for (int o = 0; o < outDim; o++) {
                for (int i = 0; i < inDim; i++) {
                    want[r * outDim + o] += w[o][i] * xs[r * inDim + i];
                }
            }
        }
        assertClose("matmul into f32", download(out, 2 * outDim), want);
    }

    @Test
    void biasSwigluAddSoftmaxMatchFloat64() {
        Random rnd = new Random(17);
        int rows = 3;
        int width = 40;
        int n = rows * width;
        double[][] bv = new double[1][width];
        BackendWeight bias = backend.prepare(weight("bias", GgmlType.F32, 1, width, rnd, bv));
        double[] x = randomVector(rnd, n);
        double[] xs = asStored(x);
        DeviceBuffer xb = upload(x);
        backend.addBias(xb, bias, rows);
        double[] want = new double[n];
        for (int i = 0; i < n; i++) {
            want[i] = xs[i] + bv[0][i % width];
        }
        assertClose("addBias", download(xb, n), want);

        double[] g = randomVector(rnd, n);
        double[] u = randomVector(rnd, n);
        double[] gs = asStored(g);
        double[] us = asStored(u);
        DeviceBuffer gb = upload(g);
        DeviceBuffer ub = upload(u);
        DeviceBuffer out = backend.allocate(n);
        backend.swiglu(out, gb, ub, n);
        for (int i = 0; i < n; i++) {
            want[i] = gs[i] / (1 + Math.exp(-gs[i])) * us[i];
        }
        assertClose("swiglu", download(out, n), want);

        backend.add(gb, ub, n);
        for (int i = 0; i < n; i++) {
            want[i] = gs[i] + us[i];
        }
        assertClose("add", download(gb, n), want);

        double[] s = randomVector(rnd, n);
        double[] ss = asStored(s);
        DeviceBuffer sb = upload(s);
        backend.softmax(sb, rows, width);
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < width; c++) {
                max = Math.max(max, ss[r * width + c]);
            }
            double sum = 0;
            for (int c = 0; c < width; c++) {
                sum += Math.exp(ss[r * width + c] - max);
            }
            for (int c = 0; c < width; c++) {
                want[r * width + c] = Math.exp(ss[r * width + c] - max) / sum;
            }
        }
        assertClose("softmax", download(sb, n), want);
    }

    @Test
    void embeddingGathersRowsOfEachFloatType() {
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            Random rnd = new Random(3 + type.ordinal());
            int vocab = 23;
            int dim = 32;
            double[][] t = new double[vocab][dim];
            BackendWeight table = backend.prepare(weight("embd." + type, type, vocab, dim, rnd, t));
            int[] ids = {22, 0, 7, 7, 13};
            try (DeviceBuffer out = backend.allocate((long) ids.length * dim)) {
                backend.embedding(out, table, backend.prepareStep(StepMetadata.ofTokens(ids)));
                double[] want = new double[ids.length * dim];
                for (int i = 0; i < ids.length; i++) {
                    System.arraycopy(t[ids[i]], 0, want, i * dim, dim);
                }
                assertClose("embedding " + type, download(out, (long) ids.length * dim), want);
            }
        }
        double[][] t = new double[4][8];
        BackendWeight small = backend.prepare(weight("small", GgmlType.F32, 4, 8, new Random(1), t));
        DeviceBuffer out = backend.allocate(16);
        assertThrows(IllegalArgumentException.class,
                () -> backend.embedding(out, small, backend.prepareStep(StepMetadata.ofTokens(new int[] {4}))));
    }

    @Test
    void ropeRotatesBothLayouts() {
        for (RopeConfig.Layout layout : RopeConfig.Layout.values()) {
            Random rnd = new Random(23 + layout.ordinal());
            int rows = 4;
            int heads = 3;
            int headDim = 16;
            int[] positions = {0, 5, 1023, 77};
            RopeConfig rope = new RopeConfig(10000f, layout);
            double[] x = randomVector(rnd, rows * heads * headDim);
            double[] xs = asStored(x);
            DeviceBuffer xb = upload(x);
            backend.rope(xb, heads, headDim, backend.prepareStep(StepMetadata.ofPositions(positions)), rope);
            double[] want = xs.clone();
            int half = headDim / 2;
            for (int r = 0; r < rows; r++) {
                for (int h = 0; h < heads; h++) {
                    int base = (r * heads + h) * headDim;
                    for (int i = 0; i < half; i++) {
                        double theta = positions[r] * rope.inverseFrequency(i, headDim);
                        int a = layout == RopeConfig.Layout.INTERLEAVED ? base + 2 * i : base + i;
                        int b = layout == RopeConfig.Layout.INTERLEAVED ? base + 2 * i + 1 : base + i + half;
                        want[a] = xs[a] * Math.cos(theta) - xs[b] * Math.sin(theta);
                        want[b] = xs[a] * Math.sin(theta) + xs[b] * Math.cos(theta);
                    }
                }
            }
            assertClose("rope " + layout, download(xb, (long) rows * heads * headDim), want);
            xb.close();
        }
    }

    // ---- paged attention --------------------------------------------------------------------

    /** One sequence of a ragged batch: its length before the step, rows in the step, its blocks. */
    private record Seq(int before, int rows, int[] blocks) {}

    /**
     * Stores random K/V for every position of every sequence through {@code kvStore} (all
     * earlier positions in one step, then the step's own rows as part of the attention step, as
     * the forward pass does), runs attention and checks it against float64.
     */
    private void checkAttention(String what, int blockSize, int blocks, int heads, int kvHeads, int headDim, List<Seq> seqs,
                                long seed, int[] tableFiller) {
        Random rnd = new Random(seed);
        KvGeometry g = backend.kvGeometry(2, blocks, blockSize, kvHeads, headDim);
        assertEquals(backend.kvType(), g.dtype());
        int kvw = kvHeads * headDim;
        int qw = heads * headDim;
        int layer = 1;
        try (KvStorage kv = backend.allocateKv(g)) {
            int n = seqs.size();
            int[] rowStart = new int[n];
            int[] rowCount = new int[n];
            int[] first = new int[n];
            int[] tableStart = new int[n];
            List<Integer> tables = new ArrayList<>();
            int rows = 0;
            double[][][] kAll = new double[n][][];
            double[][][] vAll = new double[n][][];
            List<int[]> historySlots = new ArrayList<>();
            List<double[]> historyK = new ArrayList<>();
            List<double[]> historyV = new ArrayList<>();
            for (int s = 0; s < n; s++) {
                Seq q = seqs.get(s);
                rowStart[s] = rows;
                rowCount[s] = q.rows;
                first[s] = q.before;
                tableStart[s] = tables.size();
                for (int b : q.blocks) {
                    tables.add(b);
                }
                for (int f : tableFiller) {
                    tables.add(f); // entries past the ones a sequence needs must never be read
                }
                int len = q.before + q.rows;
                kAll[s] = new double[len][];
                vAll[s] = new double[len][];
                for (int p = 0; p < len; p++) {
                    kAll[s][p] = asStored(randomVector(rnd, kvw));
                    vAll[s][p] = asStored(randomVector(rnd, kvw));
                    int slot = q.blocks[p / blockSize] * blockSize + p % blockSize;
                    if (p < q.before) {
                        historySlots.add(new int[] {slot});
                        historyK.add(kAll[s][p]);
                        historyV.add(vAll[s][p]);
                    }
                }
                rows += q.rows;
            }
            if (!historySlots.isEmpty()) {
                int h = historySlots.size();
                double[] kk = new double[h * kvw];
                double[] vv = new double[h * kvw];
                int[] slots = new int[h];
                for (int i = 0; i < h; i++) {
                    slots[i] = historySlots.get(i)[0];
                    System.arraycopy(historyK.get(i), 0, kk, i * kvw, kvw);
                    System.arraycopy(historyV.get(i), 0, vv, i * kvw, kvw);
                }
                try (DeviceBuffer kb = upload(kk); DeviceBuffer vb = upload(vv)) {
                    backend.kvStore(kv, layer, kb, vb, backend.prepareStep(StepMetadata.ofSlots(slots)));
                }
            }
            int[] slots = new int[rows];
            double[] kStep = new double[rows * kvw];
            double[] vStep = new double[rows * kvw];
            int[] positions = new int[rows];
            for (int s = 0; s < n; s++) {
                Seq q = seqs.get(s);
                for (int j = 0; j < q.rows; j++) {
                    int p = q.before + j;
                    int r = rowStart[s] + j;
                    positions[r] = p;
                    slots[r] = q.blocks[p / blockSize] * blockSize + p % blockSize;
                    System.arraycopy(kAll[s][p], 0, kStep, r * kvw, kvw);
                    System.arraycopy(vAll[s][p], 0, vStep, r * kvw, kvw);
                }
            }
            double[] qv = asStored(randomVector(rnd, Math.max(rows, 1) * qw));
            AttentionBatch batch = new AttentionBatch(rowStart, rowCount, first, tableStart,
                    tables.stream().mapToInt(Integer::intValue).toArray());
            StepMetadata meta = new StepMetadata(null, positions, slots, batch, null);
            float scale = (float) (1 / Math.sqrt(headDim));
            try (DeviceBuffer kb = upload(kStep.length == 0 ? new double[1] : kStep);
                 DeviceBuffer vb = upload(vStep.length == 0 ? new double[1] : vStep);
                 DeviceBuffer qb = upload(qv);
                 DeviceBuffer out = backend.allocate(Math.max(rows, 1) * (long) qw)) {
                PreparedStep step = backend.prepareStep(meta);
                backend.kvStore(kv, layer, kb, vb, step);
                backend.attention(out, qb, kv, layer, step, heads, scale);
                if (rows == 0) {
                    return;
                }
                double[] want = new double[rows * qw];
                int group = heads / kvHeads;
                for (int s = 0; s < n; s++) {
                    for (int j = 0; j < rowCount[s]; j++) {
                        int r = rowStart[s] + j;
                        int pos = first[s] + j;
                        for (int h = 0; h < heads; h++) {
                            int kh = h / group;
                            double[] sc = new double[pos + 1];
                            double max = Double.NEGATIVE_INFINITY;
                            for (int p = 0; p <= pos; p++) {
                                double d = 0;
                                for (int i = 0; i < headDim; i++) {
                                    d += qv[r * qw + h * headDim + i] * kAll[s][p][kh * headDim + i];
                                }
                                sc[p] = d * scale;
                                max = Math.max(max, sc[p]);
                            }
                            double sum = 0;
                            for (int p = 0; p <= pos; p++) {
                                sc[p] = Math.exp(sc[p] - max);
                                sum += sc[p];
                            }
                            for (int p = 0; p <= pos; p++) {
                                for (int i = 0; i < headDim; i++) {
                                    want[r * qw + h * headDim + i] += sc[p] / sum * vAll[s][p][kh * headDim + i];
                                }
                            }
                        }
                    }
                }
                assertClose(what, download(out, (long) rows * qw), want);
            }
        }
    }

    private static int[] shuffledBlocks(int count, long seed) {
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            b.add(i);
        }
        Collections.shuffle(b, new Random(seed));
        return b.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] take(int[] pool, int from, int count) {
        int[] out = new int[count];
        System.arraycopy(pool, from, out, 0, count);
        return out;
    }

    @Test
    void raggedMixedPrefillAndDecodeBatch() {
        int[] pool = shuffledBlocks(40, 9);
        int bs = 4;
        List<Seq> seqs = List.of(
                new Seq(13, 1, take(pool, 0, 4)),    // decode at position 13
                new Seq(0, 5, take(pool, 4, 2)),     // fresh prefill of 5
                new Seq(6, 3, take(pool, 6, 3)),     // chunked prefill continuing at 6
                new Seq(30, 1, take(pool, 9, 8)),    // long decode
                new Seq(2, 1, take(pool, 17, 1)));   // short decode
        checkAttention("ragged batch, GQA 8/2", bs, 40, 8, 2, 16, seqs, 1, new int[0]);
        checkAttention("ragged batch, MHA 2/2, head dim 64", bs, 40, 2, 2, 64, seqs, 2, new int[0]);
        checkAttention("ragged batch, MQA 4/1, head dim 128", bs, 40, 4, 1, 128, seqs, 3, new int[0]);
    }

    @Test
    void blockTableEdgeCases() {
        // block size 1: every position in its own block, blocks out of order
        int[] pool = shuffledBlocks(24, 4);
        checkAttention("block size 1", 1, 24, 4, 2, 8, List.of(new Seq(9, 2, take(pool, 0, 11)), new Seq(0, 1, take(pool, 11, 1))),
                5, new int[0]);
        // sequences ending exactly at a block boundary, and starting a new block with this step
        int[] pool2 = shuffledBlocks(16, 6);
        checkAttention("block boundaries", 4, 16, 4, 4, 8,
                List.of(new Seq(7, 1, take(pool2, 0, 2)), new Seq(8, 1, take(pool2, 2, 3)), new Seq(0, 4, take(pool2, 5, 1))),
                7, new int[0]);
        // unused table entries hold garbage that must not be read; a sequence with no rows this step
        int[] pool3 = shuffledBlocks(8, 8);
        checkAttention("garbage past the needed entries", 4, 8, 2, 1, 8,
                List.of(new Seq(5, 1, take(pool3, 0, 2)), new Seq(3, 0, take(pool3, 2, 1)), new Seq(0, 2, take(pool3, 3, 1))),
                9, new int[] {-1, 1 << 30});
        // the last block of the cache, one sequence filling the whole cache
        checkAttention("whole cache", 2, 5, 2, 2, 8, List.of(new Seq(8, 2, new int[] {4, 3, 2, 1, 0})), 10, new int[0]);
    }

    @Test
    void badSlotsAndTablesAreRejected() {
        KvGeometry g = backend.kvGeometry(1, 4, 4, 2, 8);
        try (KvStorage kv = backend.allocateKv(g);
             DeviceBuffer k = backend.allocate(64);
             DeviceBuffer v = backend.allocate(64);
             DeviceBuffer q = backend.allocate(64);
             DeviceBuffer out = backend.allocate(64)) {
            assertThrows(IllegalArgumentException.class,
                    () -> backend.kvStore(kv, 0, k, v, backend.prepareStep(StepMetadata.ofSlots(new int[] {16}))));
            assertThrows(IllegalArgumentException.class,
                    () -> backend.kvStore(kv, 1, k, v, backend.prepareStep(StepMetadata.ofSlots(new int[] {0}))));
            AttentionBatch outside = new AttentionBatch(new int[] {0}, new int[] {1}, new int[] {4}, new int[] {0}, new int[] {0, 4});
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(out, q, kv, 0, backend.prepareStep(StepMetadata.ofAttention(outside)), 4, 0.3f));
            AttentionBatch shortTable = new AttentionBatch(new int[] {0}, new int[] {1}, new int[] {4}, new int[] {0}, new int[] {0});
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(out, q, kv, 0, backend.prepareStep(StepMetadata.ofAttention(shortTable)), 4, 0.3f));
        }
    }

    // ---- gather and step lifetimes ----------------------------------------------------------

    @Test
    void gatherRowsCopiesRowsInAnyOrder() {
        Random rnd = new Random(41);
        int width = 24;
        double[] x = randomVector(rnd, 6 * width);
        double[] xs = asStored(x);
        DeviceBuffer src = upload(x);
        DeviceBuffer dst = backend.allocate(4 * width);
        int[] rows = {5, 0, 3, 3};
        backend.gatherRows(dst, src, width, backend.prepareStep(new StepMetadata(null, null, null, null, rows)));
        double[] want = new double[4 * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(xs, rows[i] * width, want, i * width, width);
        }
        float[] got = download(dst, 4 * width);
        for (int i = 0; i < want.length; i++) {
            assertEquals((float) want[i], got[i], "element " + i + " of a pure copy");
        }
        assertThrows(IllegalArgumentException.class,
                () -> backend.gatherRows(dst, src, width, backend.prepareStep(StepMetadata.ofGather(new int[] {6}))));
    }

    @Test
    void staleStepsAreRejected() {
        double[][] t = new double[4][8];
        BackendWeight table = backend.prepare(weight("t", GgmlType.F32, 4, 8, new Random(2), t));
        DeviceBuffer out = backend.allocate(32);
        PreparedStep first = backend.prepareStep(StepMetadata.ofTokens(new int[] {1}));
        backend.prepareStep(StepMetadata.ofTokens(new int[] {2}));
        assertThrows(IllegalStateException.class, () -> backend.embedding(out, table, first));
        PreparedStep noTokens = backend.prepareStep(StepMetadata.ofPositions(new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> backend.embedding(out, table, noTokens));
    }

    @Test
    void kvAccountingFollowsTheBackendsDtype() {
        KvGeometry g = backend.kvGeometry(3, 10, 16, 2, 64);
        assertEquals(2L * 3 * 2 * 64 * backend.kvType().bytes(), g.bytesPerToken());
        assertEquals(g.bytesPerToken() * 160, g.bytes());
        try (KvStorage kv = backend.allocateKv(g)) {
            assertEquals(g, kv.geometry());
        }
        DType other = backend.kvType() == DType.F32 ? DType.BF16 : DType.F32;
        if (other != backend.kvType()) {
            assertThrows(IllegalArgumentException.class, () -> backend.allocateKv(new KvGeometry(1, 1, 1, 1, 8, other)));
        }
    }

    // ---- whole forward pass -----------------------------------------------------------------

    private void checkForward(ModelConfig c, long seed) {
        Random random = new Random(seed);
        int[] tokens = new int[12];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(c.vocabSize());
        }
        try (Model model = TestModels.random(c, GgmlType.F32, seed);
             ForwardPass forward = new ForwardPass(model, backend, 16, 16);
             PagedKvCache cache = new PagedKvCache(backend.allocateKv(backend.kvGeometry(c.nLayers(), 8, 4, c.nKvHeads(), c.headDim())))) {
            double[][] want = new ReferenceForward(model).logits(tokens);
            cache.reserve(1, tokens.length);
            float[] logits = new float[16 * c.vocabSize()];
            double worst = 0;
            int[][] chunks = {{0, 7}, {7, 4}, {11, 1}};
            int[][] logitRows = {{0, 2, 6}, {3, 1}, {0}};
            for (int ci = 0; ci < chunks.length; ci++) {
                int from = chunks[ci][0];
                int count = chunks[ci][1];
                int[] ids = new int[count];
                int[] positions = new int[count];
                int[] slots = new int[count];
                for (int i = 0; i < count; i++) {
                    ids[i] = tokens[from + i];
                    positions[i] = from + i;
                    slots[i] = cache.slot(1, from + i);
                }
                AttentionBatch batch = new AttentionBatch(new int[] {0}, new int[] {count}, new int[] {from}, new int[] {0},
                        cache.blockTable(1));
                forward.run(new ForwardPass.Step(ids, positions, slots, batch, logitRows[ci]), cache.storage(), logits);
                for (int i = 0; i < logitRows[ci].length; i++) {
                    worst = Math.max(worst, ReferenceForward.relativeError(logits, i * c.vocabSize(), want[from + logitRows[ci][i]]));
                }
            }
            assertTrue(worst < forwardTolerance(), c.architecture() + ": relative logits error " + worst);
        }
    }

    @Test
    void forwardPassMatchesReferenceLlama() {
        checkForward(TestModels.llama(64, 2, 4, 2, 96, 50, RopeConfig.Layout.INTERLEAVED), 1000);
    }

    @Test
    void forwardPassMatchesReferenceQwen2() {
        checkForward(TestModels.qwen2(64, 2, 4, 2, 96, 50), 1001);
    }
}
