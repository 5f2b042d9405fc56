package dev.mosaic.inference.backend.cuda;

import dev.mosaic.inference.backend.PreparedStep;
import dev.mosaic.inference.backend.StepMetadata;
import java.lang.foreign.MemorySegment;

/**
 * A step's metadata in device memory (one upload per step, {@link CudaBackend#prepareStep}):
 * device addresses of each part, NULL where the metadata has none. For attention it also holds
 * what the kernel wants per row (sequence index and position), derived on the host.
 */
final class CudaStep implements PreparedStep {
    static final int TOKENS = 0;
    static final int POSITIONS = 1;
    static final int SLOTS = 2;
    static final int ROW_SEQ = 3;
    static final int ROW_POSITIONS = 4;
    static final int TABLE_START = 5;
    static final int TABLES = 6;
    static final int GATHER = 7;
    static final int PARTS = 8;

    private final CudaBackend owner;
    private final long generation;
    private final StepMetadata metadata;
    private final MemorySegment[] parts;
    /** Longest attended length (position + 1) over the attention rows, 0 without attention. */
    private final int maxLength;

    CudaStep(CudaBackend owner, long generation, StepMetadata metadata, MemorySegment[] parts, int maxLength) {
        this.owner = owner;
        this.generation = generation;
        this.metadata = metadata;
        this.parts = parts;
        this.maxLength = maxLength;
    }

    @Override
    public StepMetadata metadata() {
        return metadata;
    }

    CudaBackend owner() {
        return owner;
    }

    long generation() {
        return generation;
    }

    int maxLength() {
        return maxLength;
    }

    MemorySegment part(int which) {
        return parts[which];
    }

    <T> T require(T part, String op, String what) {
        if (part == null) {
            throw new IllegalArgumentException(op + ": the prepared step has no " + what);
        }
        return part;
    }
}
