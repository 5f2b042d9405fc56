package dev.mosaic.inference.backend.cpu;

import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/** A zero-copy view of a tensor's off-heap bytes (usually the memory-mapped model file). */
record CpuWeight(CpuBackend owner, Tensor tensor) implements BackendWeight {

    MemorySegment data() {
        return tensor.data();
    }

    @Override
    public String toString() {
        return "CpuWeight[" + tensor + "]";
    }
}
