package dev.mosaic.inference.backend;

/**
 * How the rows of a mixed prefill/decode batch map to sequences for {@link Backend#attention}.
 *
 * <p>Sequence {@code s} owns query rows {@code rowStart[s] .. rowStart[s] + rowCount[s] - 1};
 * its first row sits at position {@code firstPosition[s]}, so row {@code i} of it is at
 * position {@code firstPosition[s] + i} and attends causally to positions {@code 0 ..} that
 * position, whose K/V rows were already stored. Position {@code p} of sequence {@code s} lives
 * in slot {@code blockTables[blockTableStart[s] + p / blockSize] * blockSize + p % blockSize}.
 *
 * <p>Not thread-safe by itself: the arrays are shared, not copied; build it, then leave the arrays unchanged
 * while any thread uses it.
 */
public record AttentionBatch(int[] rowStart, int[] rowCount, int[] firstPosition, int[] blockTableStart,
                             int[] blockTables) {

    public AttentionBatch {
        int n = rowStart.length;
        if (rowCount.length != n || firstPosition.length != n || blockTableStart.length != n) {
            throw new IllegalArgumentException("attention batch arrays differ in length");
        }
    }

    /** Number of sequences. */
    public int sequences() {
        return rowStart.length;
    }

    /** Total query rows. */
    public int rows() {
        int r = 0;
        for (int c : rowCount) {
            r += c;
        }
        return r;
    }
}
