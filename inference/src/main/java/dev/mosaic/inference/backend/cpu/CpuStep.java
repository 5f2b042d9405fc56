package dev.mosaic.inference.backend.cpu;

import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.backend.PreparedStep;
import dev.mosaic.inference.backend.StepMetadata;
import java.lang.foreign.MemorySegment;

/**
 * A step's int arrays copied once into the CPU backend's step memory. Remembers the KV geometry
 * it was last checked against, so the slot and block table checks run once per step rather
 * than once per layer.
 */
final class CpuStep implements PreparedStep {
    static final int TOKENS = 0;
    static final int POSITIONS = 1;
    static final int SLOTS = 2;
    static final int ROW_START = 3;
    static final int ROW_COUNT = 4;
    static final int FIRST_POSITION = 5;
    static final int TABLE_START = 6;
    static final int TABLES = 7;

    private final CpuBackend owner;
    private final long generation;
    private final StepMetadata metadata;
    private final MemorySegment[] segments;
    private KvGeometry checkedGeometry;

    CpuStep(CpuBackend owner, long generation, StepMetadata metadata, MemorySegment[] segments) {
        this.owner = owner;
        this.generation = generation;
        this.metadata = metadata;
        this.segments = segments;
    }

    @Override
    public StepMetadata metadata() {
        return metadata;
    }

    CpuBackend owner() {
        return owner;
    }

    long generation() {
        return generation;
    }

    /** The native copy of part {@code part}; present whenever the metadata part is non-null. */
    MemorySegment segment(int part) {
        return segments[part];
    }

    /** {@code part}, or an exception saying the op needs it. */
    <T> T require(T part, String op, String what) {
        if (part == null) {
            throw new IllegalArgumentException(op + ": the step has no " + what);
        }
        return part;
    }

    void checkAgainst(KvGeometry g, String op) {
        if (!g.equals(checkedGeometry)) {
            metadata.checkAgainst(g, op);
            checkedGeometry = g;
        }
    }

    @Override
    public String toString() {
        return "CpuStep[" + metadata.rows() + " rows, generation " + generation + "]";
    }
}
