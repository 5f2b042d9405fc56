package dev.mosaic.inference.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.backend.KvGeometry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kvStore and paged attention over a hand-built cache: non-contiguous blocks, a mixed batch of
 * a prefill, a decode and a chunked-prefill sequence, GQA and not, vs naive float64 attention.
 */
class AttentionTest {

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (CpuIsa isa : IsaSupport.supported()) {
            out.add(Arguments.of(isa, 4, 4, 16)); // multi-head, no GQA
            out.add(Arguments.of(isa, 6, 2, 20)); // GQA, head size not a multiple of the SIMD width
            out.add(Arguments.of(isa, 4, 1, 64)); // multi-query
            out.add(Arguments.of(isa, 20, 2, 32)); // groups of 10 query heads: split into sub-groups
        }
        return out;
    }

    /** One sequence of the batch: its block table and its query rows. */
    record Seq(int[] blocks, int firstPosition, int rows) {}

    @ParameterizedTest(name = "{0} heads {1} kvHeads {2} headDim {3}")
    @MethodSource("cases")
    void pagedAttentionMatchesNaiveAttention(CpuIsa isa, int heads, int kvHeads, int headDim) throws Exception {
        IsaSupport.with(isa, () -> {
            Random rnd = new Random(heads * 100L + kvHeads * 10L + headDim);
            int blockSize = 4;
            KvGeometry geometry = new KvGeometry(2, 40, blockSize, kvHeads, headDim);
            int layer = 1;
            int kvWidth = kvHeads * headDim;
            int qWidth = heads * headDim;
            // prefill from 0 (5 rows), decode at position 9, chunked prefill of 3 rows from 4 and a
            // long decode crossing several attention chunks (position 70)
            List<Seq> seqs = List.of(new Seq(new int[] {7, 2}, 0, 5), new Seq(new int[] {3, 11, 0}, 9, 1),
                    new Seq(new int[] {5, 9}, 4, 3), new Seq(new int[] {39, 20, 21, 30, 17, 18, 25, 22, 23, 24, 38, 26, 27, 28, 29, 19, 31, 32}, 70, 1));
            // rows of the batch in a different order from the sequences
            int[] rowStart = {0, 9, 5, 8};
            int totalRows = 10;
            try (CpuBackend backend = new CpuBackend(2); CpuKvStorage kv = backend.allocateKv(geometry)) {
                double[][][] keys = new double[seqs.size()][][];
                double[][][] values = new double[seqs.size()][][];
                int[] tables = new int[seqs.stream().mapToInt(s -> s.blocks().length).sum()];
                int[] tableStart = new int[seqs.size()];
                int t = 0;
                for (int s = 0; s < seqs.size(); s++) {
                    Seq seq = seqs.get(s);
                    tableStart[s] = t;
                    System.arraycopy(seq.blocks(), 0, tables, t, seq.blocks().length);
                    t += seq.blocks().length;
                    int positions = seq.firstPosition() + seq.rows();
                    keys[s] = MatmulTest.randomMatrix(rnd, positions, kvWidth);
                    values[s] = MatmulTest.randomMatrix(rnd, positions, kvWidth);
                    int[] slots = new int[positions];
                    for (int p = 0; p < positions; p++) {
                        slots[p] = seq.blocks()[p / blockSize] * blockSize + p % blockSize;
                    }
                    try (CpuBuffer k = backend.allocate((long) positions * kvWidth);
                         CpuBuffer v = backend.allocate((long) positions * kvWidth)) {
                        MatmulTest.upload(backend, k, keys[s]);
                        MatmulTest.upload(backend, v, values[s]);
                        backend.kvStore(kv, layer, k, v, slots);
                    }
                    // the cache holds exactly what was stored, at the slots given
                    MemorySegment kLayer = kv.keys(layer);
                    for (int p = 0; p < positions; p++) {
                        for (int c = 0; c < kvWidth; c++) {
                            assertEquals((float) keys[s][p][c],
                                    kLayer.getAtIndex(ValueLayout.JAVA_FLOAT, (long) slots[p] * kvWidth + c));
                        }
                    }
                }

                double[][] q = MatmulTest.randomMatrix(rnd, totalRows, qWidth);
                AttentionBatch batch = new AttentionBatch(rowStart,
                        seqs.stream().mapToInt(Seq::rows).toArray(),
                        seqs.stream().mapToInt(Seq::firstPosition).toArray(), tableStart, tables);
                float scale = (float) (1 / Math.sqrt(headDim));
                try (CpuBuffer qb = backend.allocate((long) totalRows * qWidth);
                     CpuBuffer out = backend.allocate((long) totalRows * qWidth)) {
                    MatmulTest.upload(backend, qb, q);
                    backend.attention(out, qb, kv, layer, batch, heads, scale);
                    int group = heads / kvHeads;
                    for (int s = 0; s < seqs.size(); s++) {
                        Seq seq = seqs.get(s);
                        for (int i = 0; i < seq.rows(); i++) {
                            int row = rowStart[s] + i;
                            int last = seq.firstPosition() + i;
                            for (int h = 0; h < heads; h++) {
                                int kvOff = (h / group) * headDim;
                                double[] scores = new double[last + 1];
                                double max = Double.NEGATIVE_INFINITY;
                                for (int p = 0; p <= last; p++) {
                                    double dot = 0;
                                    for (int d = 0; d < headDim; d++) {
                                        dot += q[row][h * headDim + d] * keys[s][p][kvOff + d];
                                    }
                                    scores[p] = scale * dot;
                                    max = Math.max(max, scores[p]);
                                }
                                double sum = 0;
                                for (int p = 0; p <= last; p++) {
                                    scores[p] = Math.exp(scores[p] - max);
                                    sum += scores[p];
                                }
                                for (int d = 0; d < headDim; d++) {
                                    double ref = 0;
                                    double mag = 0;
                                    for (int p = 0; p <= last; p++) {
                                        ref += scores[p] / sum * values[s][p][kvOff + d];
                                        mag += scores[p] / sum * Math.abs(values[s][p][kvOff + d]);
                                    }
                                    double got = out.get((long) row * qWidth + h * headDim + d);
                                    if (!(Math.abs(got - ref) <= 1e-5 * mag)) {
                                        throw new AssertionError(isa + " seq " + s + " row " + i + " head " + h + " dim " + d
                                                + ": " + got + " vs " + ref);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
    }
}
