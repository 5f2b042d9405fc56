package dev.mosaic.inference.backend;

/**
 * The memory of a paged KV cache in a backend ({@link Backend#allocateKv}), owned by the backend
 * in its own dtype ({@link KvGeometry#dtype}). Layout per layer:
 * {@code K[slot][kvHead][headDim]} then {@code V[slot][kvHead][headDim]}. Which slots belong to
 * which sequence is bookkeeping kept in Java ({@code PagedKvCache}); the backend only stores rows
 * at slots and reads them back through block tables.
 *
 * <p>Not thread-safe: like the backend that made it, use it from one thread at a time; callers must not
 * assume more of an implementation.
 */
public interface KvStorage extends AutoCloseable {

    KvGeometry geometry();

    @Override
    void close();
}
