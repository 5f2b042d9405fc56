package dev.mosaic.inference.backend.cuda;

import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.backend.StepMetadata;

/**
 * The host-side arithmetic of the CUDA backend, kept free of native calls so that it is tested
 * on machines without a GPU: how a step's metadata is packed into one upload, what the attention
 * kernel gets per row, how the KV positions are split across blocks, and the sizes of things.
 * Stateless.
 */
final class CudaPlans {

    /** Positions per flash-decoding chunk: a multiple of the kernel's 128-position tile. */
    static final int SPLIT_LEN = 256;
    /** Most chunks per (row, head). */
    static final int MAX_SPLITS = 64;
    /** Alignment of each part of a packed step (bytes). */
    static final int PART_ALIGN = 16;

    private CudaPlans() {}

    /** The int arrays of a step in {@link CudaStep} part order (null where absent), and the longest attended length. */
    record PackedStep(int[][] parts, int maxLength) {

        /** Byte offset of each part in the packed upload (parts aligned to {@link #PART_ALIGN}); the last entry is the total. */
        long[] offsets() {
            long[] off = new long[parts.length + 1];
            long at = 0;
            for (int i = 0; i < parts.length; i++) {
                off[i] = at;
                if (parts[i] != null) {
                    at += ((long) parts[i].length * Integer.BYTES + PART_ALIGN - 1) / PART_ALIGN * PART_ALIGN;
                }
            }
            off[parts.length] = at;
            return off;
        }
    }

    /**
     * Packs {@code m}. The attention batch becomes per-row sequence indices and positions, as
     * the kernel reads them; its rows must be {@code 0 .. rows-1}, each in exactly one sequence
     * (how the engine builds batches).
     *
     * @throws IllegalArgumentException when the attention rows leave a gap or overlap
     */
    static PackedStep pack(StepMetadata m) {
        int[][] parts = new int[CudaStep.PARTS][];
        parts[CudaStep.TOKENS] = m.tokens();
        parts[CudaStep.POSITIONS] = m.positions();
        parts[CudaStep.SLOTS] = m.slots();
        parts[CudaStep.GATHER] = m.gatherRows();
        int maxLength = 0;
        AttentionBatch a = m.attention();
        if (a != null) {
            int rows = a.rows();
            int[] rowSeq = new int[rows];
            int[] rowPos = new int[rows];
            boolean[] seen = new boolean[rows];
            for (int s = 0; s < a.sequences(); s++) {
                for (int j = 0; j < a.rowCount()[s]; j++) {
                    long r = (long) a.rowStart()[s] + j;
                    if (r >= rows || seen[(int) r]) {
                        throw new IllegalArgumentException("attention: sequence " + s + " claims row " + r + ", but the CUDA"
                                + " backend needs the batch's " + rows + " rows to be 0.." + (rows - 1) + ", each in one sequence");
                    }
                    seen[(int) r] = true;
                    rowSeq[(int) r] = s;
                    long p = (long) a.firstPosition()[s] + j;
                    if (p >= Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("attention: sequence " + s + " reaches position " + p);
                    }
                    rowPos[(int) r] = (int) p;
                    maxLength = (int) Math.max(maxLength, p + 1);
                }
            }
            parts[CudaStep.ROW_SEQ] = rowSeq;
            parts[CudaStep.ROW_POSITIONS] = rowPos;
            parts[CudaStep.TABLE_START] = a.blockTableStart();
            parts[CudaStep.TABLES] = a.blockTables();
        }
        return new PackedStep(parts, maxLength);
    }

    /**
     * Chunks per (row, head) for flash-decoding: one when there are already enough (row, head)
     * blocks to fill the GPU ({@code 2 * multiprocessors}) or the sequences are short, else enough
     * chunks of {@link #SPLIT_LEN} to cover {@code maxLength}, at most {@link #MAX_SPLITS}; the
     * chunk length grows so that {@code splits * splitLen >= maxLength} always.
     *
     * @return {@code {splits, splitLen}}
     */
    static int[] attentionSplits(long rowHeads, int maxLength, int multiprocessors) {
        if (maxLength < 1) {
            return new int[] {1, 1};
        }
        if (rowHeads >= 2L * multiprocessors || maxLength <= SPLIT_LEN) {
            return new int[] {1, maxLength};
        }
        int splits = (int) Math.min(MAX_SPLITS, (maxLength + SPLIT_LEN - 1) / SPLIT_LEN);
        int len = (maxLength + splits - 1) / splits;
        len = (len + 127) / 128 * 128;
        // rounding the length up may leave trailing chunks empty: drop them
        return new int[] {(maxLength + len - 1) / len, len};
    }

    /** Floats of attention workspace for {@code rowHeads} (row, head) pairs cut into {@code splits} chunks (0 for one chunk). */
    static long workspaceFloats(long rowHeads, int splits, int headDim) {
        return splits <= 1 ? 0 : rowHeads * splits * (headDim + 2L);
    }
}
