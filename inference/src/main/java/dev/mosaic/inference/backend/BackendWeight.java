package dev.mosaic.inference.backend;

import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;

/**
 * A weight tensor made usable by a backend ({@link Backend#prepare}): a zero-copy view of the
 * memory-mapped file on the CPU, an uploaded copy on a GPU. Owned by the backend and released
 * when it closes.
 *
 * <p>Implementations are immutable views once prepared; they follow their backend's threading rule (one
 * thread at a time) for use in ops.
 */
public interface BackendWeight {

    /** The tensor it was prepared from. */
    Tensor tensor();

    default GgmlType type() {
        return tensor().type();
    }

    /** Output rows ({@code y = W x} has this many entries). */
    default long rows() {
        return tensor().rows();
    }

    /** Input columns (elements per row). */
    default long cols() {
        return tensor().cols();
    }
}
