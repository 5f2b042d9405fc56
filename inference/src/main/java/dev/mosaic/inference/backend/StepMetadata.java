package dev.mosaic.inference.backend;

/**
 * The integer metadata of one forward step, on the host: per row its token id, position and KV
 * slot; how rows map to sequences and their block tables ({@link AttentionBatch}); and which rows
 * {@link Backend#gatherRows} collects (the rows whose logits are wanted). A backend uploads it
 * once per step ({@link Backend#prepareStep}) and every op of every layer refers to that copy.
 *
 * <p>A part an op does not need may be {@code null} (a step used only for RoPE needs only
 * positions). Every part present must agree on the number of rows. The arrays are not copied;
 * do not change them while the step is in use. Positions must be non-negative and gather rows
 * inside the step; slots and block tables are checked against a cache's geometry by the ops that
 * use one ({@link #checkAgainst}).
 *
 * <p>Not thread-safe by itself: the arrays are shared, not copied; confine a step to one thread (the engine's
 * step loop).
 */
public record StepMetadata(int[] tokens, int[] positions, int[] slots, AttentionBatch attention, int[] gatherRows) {

    public StepMetadata {
        int n = -1;
        n = agree(n, tokens == null ? -1 : tokens.length, "tokens");
        n = agree(n, positions == null ? -1 : positions.length, "positions");
        n = agree(n, slots == null ? -1 : slots.length, "slots");
        n = agree(n, attention == null ? -1 : attention.rows(), "attention rows");
        if (positions != null) {
            for (int r = 0; r < positions.length; r++) {
                if (positions[r] < 0) {
                    throw new IllegalArgumentException("step: position " + positions[r] + " of row " + r + " is negative");
                }
            }
        }
        if (attention != null) {
            for (int s = 0; s < attention.sequences(); s++) {
                if (attention.rowCount()[s] < 0 || attention.firstPosition()[s] < 0 || attention.blockTableStart()[s] < 0
                        || attention.rowStart()[s] < 0) {
                    throw new IllegalArgumentException("step: attention sequence " + s + " has a negative row start, row count,"
                            + " first position or block table start");
                }
            }
        }
        if (gatherRows != null) {
            int rows = Math.max(n, 0);
            for (int i = 0; i < gatherRows.length; i++) {
                if (gatherRows[i] < 0 || (n >= 0 && gatherRows[i] >= rows)) {
                    throw new IllegalArgumentException("step: gather row " + gatherRows[i] + " at index " + i
                            + " is outside the step's " + rows + " rows");
                }
            }
        }
    }

    private static int agree(int n, int length, String what) {
        if (length < 0) {
            return n;
        }
        if (n >= 0 && n != length) {
            throw new IllegalArgumentException("step arrays disagree: " + what + " has " + length + " rows, others " + n);
        }
        return length;
    }

    /** A step of token ids only (for {@link Backend#embedding}). */
    public static StepMetadata ofTokens(int[] tokens) {
        return new StepMetadata(tokens, null, null, null, null);
    }

    /** A step of positions only (for {@link Backend#rope}). */
    public static StepMetadata ofPositions(int[] positions) {
        return new StepMetadata(null, positions, null, null, null);
    }

    /** A step of KV slots only (for {@link Backend#kvStore}). */
    public static StepMetadata ofSlots(int[] slots) {
        return new StepMetadata(null, null, slots, null, null);
    }

    /** A step of an attention batch only (for {@link Backend#attention}). */
    public static StepMetadata ofAttention(AttentionBatch attention) {
        return new StepMetadata(null, null, null, attention, null);
    }

    /** A step of gather rows only (for {@link Backend#gatherRows}). */
    public static StepMetadata ofGather(int[] gatherRows) {
        return new StepMetadata(null, null, null, null, gatherRows);
    }

    /** Rows of the step: the length of any row array present, else 0. */
    public int rows() {
        if (tokens != null) {
            return tokens.length;
        }
        if (positions != null) {
            return positions.length;
        }
        if (slots != null) {
            return slots.length;
        }
        return attention != null ? attention.rows() : 0;
    }

    /**
     * Checks the slots and the attention batch against {@code g}: every slot inside the cache,
     * every block table entry it reads inside the table
     * and naming a block of the cache.
     *
     * @throws IllegalArgumentException naming the first offending entry
     */
    public void checkAgainst(KvGeometry g, String op) {
        if (slots != null) {
            long slotCount = g.slots();
            for (int r = 0; r < slots.length; r++) {
                if (slots[r] < 0 || slots[r] >= slotCount) {
                    throw new IllegalArgumentException(op + ": slot " + slots[r] + " of row " + r
                            + " is outside the cache's " + slotCount + " slots");
                }
            }
        }
        if (attention != null) {
            int[] tables = attention.blockTables();
            for (int i = 0; i < attention.sequences(); i++) {
                int count = attention.rowCount()[i];
                if (count == 0) {
                    continue;
                }
                long positions = (long) attention.firstPosition()[i] + count;
                long blocksNeeded = (positions + g.blockSize() - 1) / g.blockSize();
                int tableStart = attention.blockTableStart()[i];
                if (tableStart + blocksNeeded > tables.length) {
                    throw new IllegalArgumentException(op + ": sequence " + i + " needs " + blocksNeeded
                            + " block table entries from index " + tableStart + " but blockTables has " + tables.length);
                }
                for (long b = tableStart; b < tableStart + blocksNeeded; b++) {
                    int block = tables[(int) b];
                    if (block < 0 || block >= g.blocks()) {
                        throw new IllegalArgumentException(op + ": sequence " + i + " block table entry " + b + " = "
                                + block + " is outside the cache's " + g.blocks() + " blocks");
                    }
                }
            }
        }
    }
}
