package dev.mosaic.bindings.highs;

import java.util.Arrays;

/**
 * An immutable mixed-integer linear model in the form HiGHS takes it: column costs, bounds and
 * integrality, row bounds and the constraint matrix in compressed sparse row form
 * ({@code rowStart} has {@code numRows + 1} entries). Infinite bounds are
 * {@link Double#POSITIVE_INFINITY} / {@link Double#NEGATIVE_INFINITY}. Every size and index is
 * checked here, so a model that exists can be passed to native code safely.
 *
 * <p>Immutable once built and thread-safe; its {@code Builder} is not thread-safe.
 */
public final class MipModel {

    /** Objective sense ({@code kHighsObjSense*}). Immutable; thread-safe. */
    public enum Sense {
        MINIMIZE(1), MAXIMIZE(-1);

        private final int code;

        Sense(int code) {
            this.code = code;
        }

        /** The C constant. */
        public int code() {
            return code;
        }
    }

    private final Sense sense;
    private final double offset;
    private final double[] colCost;
    private final double[] colLower;
    private final double[] colUpper;
    private final HighsVarType[] integrality;
    private final double[] rowLower;
    private final double[] rowUpper;
    private final int[] rowStart;
    private final int[] index;
    private final double[] value;

    /**
     * Builds a model from raw arrays (copied) and validates it.
     *
     * @throws IllegalArgumentException naming the array and the position of the first problem
     */
    public MipModel(Sense sense, double offset, double[] colCost, double[] colLower, double[] colUpper,
                    HighsVarType[] integrality, double[] rowLower, double[] rowUpper, int[] rowStart, int[] index,
                    double[] value) {
        if (sense == null) {
            throw new IllegalArgumentException("sense: null");
        }
        this.sense = sense;
        this.offset = offset;
        this.colCost = colCost.clone();
        this.colLower = colLower.clone();
        this.colUpper = colUpper.clone();
        this.integrality = integrality.clone();
        this.rowLower = rowLower.clone();
        this.rowUpper = rowUpper.clone();
        this.rowStart = rowStart.clone();
        this.index = index.clone();
        this.value = value.clone();
        validate();
    }

    private void validate() {
        int nc = colCost.length;
        int nr = rowLower.length;
        if (!Double.isFinite(offset)) {
            throw new IllegalArgumentException("offset: not finite (" + offset + ")");
        }
        requireLength("colLower", colLower.length, nc);
        requireLength("colUpper", colUpper.length, nc);
        requireLength("integrality", integrality.length, nc);
        requireLength("rowUpper", rowUpper.length, nr);
        requireLength("rowStart", rowStart.length, nr + 1);
        requireLength("value", value.length, index.length);
        for (int c = 0; c < nc; c++) {
            if (!Double.isFinite(colCost[c])) {
                throw new IllegalArgumentException("colCost[" + c + "]: not finite (" + colCost[c] + ")");
            }
            checkBounds("col", c, colLower[c], colUpper[c]);
            if (integrality[c] == null) {
                throw new IllegalArgumentException("integrality[" + c + "]: null");
            }
        }
        for (int r = 0; r < nr; r++) {
            checkBounds("row", r, rowLower[r], rowUpper[r]);
        }
        if (rowStart[0] != 0) {
            throw new IllegalArgumentException("rowStart[0]: must be 0, is " + rowStart[0]);
        }
        for (int r = 0; r < nr; r++) {
            if (rowStart[r + 1] < rowStart[r]) {
                throw new IllegalArgumentException("rowStart[" + (r + 1) + "]: decreases (" + rowStart[r + 1] + " < " + rowStart[r] + ")");
            }
        }
        if (rowStart[nr] != index.length) {
            throw new IllegalArgumentException("rowStart[" + nr + "]: must equal the number of nonzeros " + index.length + ", is " + rowStart[nr]);
        }
        for (int k = 0; k < index.length; k++) {
            if (index[k] < 0 || index[k] >= nc) {
                throw new IllegalArgumentException("index[" + k + "]: column " + index[k] + " outside [0, " + nc + ")");
            }
            if (!Double.isFinite(value[k])) {
                throw new IllegalArgumentException("value[" + k + "]: not finite (" + value[k] + ")");
            }
        }
    }

    private static void requireLength(String name, int actual, int expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(name + ": length " + actual + ", expected " + expected);
        }
    }

    private static void checkBounds(String kind, int i, double lo, double hi) {
        if (Double.isNaN(lo) || Double.isNaN(hi) || lo == Double.POSITIVE_INFINITY || hi == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException(kind + "Lower/" + kind + "Upper[" + i + "]: invalid bounds [" + lo + ", " + hi + "]");
        }
        if (lo > hi) {
            throw new IllegalArgumentException(kind + "Lower/" + kind + "Upper[" + i + "]: lower " + lo + " > upper " + hi);
        }
    }

    public Sense sense() { return sense; }
    public double offset() { return offset; }
    public int numCols() { return colCost.length; }
    public int numRows() { return rowLower.length; }
    public int numNonzeros() { return index.length; }

    // Package-private views for the wrapper, which copies them straight into native memory.
    double[] colCostArray() { return colCost; }
    double[] colLowerArray() { return colLower; }
    double[] colUpperArray() { return colUpper; }
    HighsVarType[] integralityArray() { return integrality; }
    double[] rowLowerArray() { return rowLower; }
    double[] rowUpperArray() { return rowUpper; }
    int[] rowStartArray() { return rowStart; }
    int[] indexArray() { return index; }
    double[] valueArray() { return value; }

    /** True if any column is not continuous. */
    public boolean hasIntegerColumns() {
        return Arrays.stream(integrality).anyMatch(t -> t != HighsVarType.CONTINUOUS);
    }

    /** Objective value of {@code x} (offset included), for checking solutions independently of HiGHS. */
    public double objective(double[] x) {
        requireLength("x", x.length, numCols());
        double s = offset;
        for (int c = 0; c < x.length; c++) {
            s += colCost[c] * x[c];
        }
        return s;
    }

    /** Largest violation of any bound, row or integrality by {@code x} (0 when feasible). */
    public double maxViolation(double[] x) {
        requireLength("x", x.length, numCols());
        double v = 0;
        for (int c = 0; c < x.length; c++) {
            v = Math.max(v, Math.max(colLower[c] - x[c], x[c] - colUpper[c]));
            if (integrality[c] == HighsVarType.INTEGER) {
                v = Math.max(v, Math.abs(x[c] - Math.rint(x[c])));
            }
        }
        for (int r = 0; r < numRows(); r++) {
            double a = 0;
            for (int k = rowStart[r]; k < rowStart[r + 1]; k++) {
                a += value[k] * x[index[k]];
            }
            v = Math.max(v, Math.max(rowLower[r] - a, a - rowUpper[r]));
        }
        return v;
    }

    /** Starts an empty model with the given sense. */
    public static Builder builder(Sense sense) {
        return new Builder(sense);
    }

    /** Accumulates columns and rows; {@link #build()} validates and freezes them. Not thread-safe: one thread at a time. */
    public static final class Builder {
        private final Sense sense;
        private double offset;
        private double[] colCost = new double[16];
        private double[] colLower = new double[16];
        private double[] colUpper = new double[16];
        private HighsVarType[] integrality = new HighsVarType[16];
        private int numCols;
        private double[] rowLower = new double[16];
        private double[] rowUpper = new double[16];
        private int[] rowStart = new int[17];
        private int numRows;
        private int[] index = new int[64];
        private double[] value = new double[64];
        private int nnz;

        private Builder(Sense sense) {
            this.sense = sense;
        }

        /** Sets the objective constant. */
        public Builder offset(double offset) {
            this.offset = offset;
            return this;
        }

        /** Adds a column and returns its index. */
        public int addColumn(double cost, double lower, double upper, HighsVarType type) {
            if (numCols == colCost.length) {
                int n = numCols * 2;
                colCost = Arrays.copyOf(colCost, n);
                colLower = Arrays.copyOf(colLower, n);
                colUpper = Arrays.copyOf(colUpper, n);
                integrality = Arrays.copyOf(integrality, n);
            }
            colCost[numCols] = cost;
            colLower[numCols] = lower;
            colUpper[numCols] = upper;
            integrality[numCols] = type;
            return numCols++;
        }

        /** Adds {@code lower <= sum(values[k] * x[columns[k]]) <= upper} and returns its index. */
        public int addRow(double lower, double upper, int[] columns, double[] values) {
            return addRow(lower, upper, columns, values, columns.length);
        }

        /** As {@link #addRow(double, double, int[], double[])} using the first {@code count} entries. */
        public int addRow(double lower, double upper, int[] columns, double[] values, int count) {
            if (count > columns.length || count > values.length) {
                throw new IllegalArgumentException("addRow: count " + count + " exceeds columns/values length");
            }
            if (numRows == rowLower.length) {
                int n = numRows * 2;
                rowLower = Arrays.copyOf(rowLower, n);
                rowUpper = Arrays.copyOf(rowUpper, n);
                rowStart = Arrays.copyOf(rowStart, n + 1);
            }
            while (nnz + count > index.length) {
                index = Arrays.copyOf(index, index.length * 2);
                value = Arrays.copyOf(value, value.length * 2);
            }
            System.arraycopy(columns, 0, index, nnz, count);
            System.arraycopy(values, 0, value, nnz, count);
            nnz += count;
            rowLower[numRows] = lower;
            rowUpper[numRows] = upper;
            rowStart[numRows + 1] = nnz;
            return numRows++;
        }

        /** Number of columns added so far. */
        public int numCols() {
            return numCols;
        }

        /** Validates and returns the model. */
        public MipModel build() {
            return new MipModel(sense, offset, Arrays.copyOf(colCost, numCols), Arrays.copyOf(colLower, numCols),
                    Arrays.copyOf(colUpper, numCols), Arrays.copyOf(integrality, numCols), Arrays.copyOf(rowLower, numRows),
                    Arrays.copyOf(rowUpper, numRows), Arrays.copyOf(rowStart, numRows + 1), Arrays.copyOf(index, nnz),
                    Arrays.copyOf(value, nnz));
        }
    }
}
