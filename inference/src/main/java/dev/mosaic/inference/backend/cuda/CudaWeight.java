package dev.mosaic.inference.backend.cuda;

import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.backend.DType;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A weight uploaded by {@link CudaBackend#prepare}: matrices as bf16 (dequantised on the host
 * first), vectors (norm gains, biases) as float32. Freed when the backend closes.
 */
final class CudaWeight implements BackendWeight {
    private final CudaBackend owner;
    private final Tensor tensor;
    private final DType deviceType;
    private final MemorySegment device;

    CudaWeight(CudaBackend owner, Tensor tensor, DType deviceType, MemorySegment device) {
        this.owner = owner;
        this.tensor = tensor;
        this.deviceType = deviceType;
        this.device = device;
    }

    @Override
    public Tensor tensor() {
        return tensor;
    }

    CudaBackend owner() {
        return owner;
    }

    /** bf16 for matrices, f32 for vectors. */
    DType deviceType() {
        return deviceType;
    }

    MemorySegment device() {
        return device;
    }

    long deviceBytes() {
        return tensor.elements() * deviceType.bytes();
    }

    @Override
    public String toString() {
        return "CudaWeight[" + tensor.name() + " " + tensor.type() + " as " + deviceType + "]";
    }
}
