package dev.mosaic.inference.kv;

import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.backend.KvStorage;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Bookkeeping of a paged KV cache: which fixed-size blocks of a backend's {@link KvStorage}
 * belong to which sequence. Blocks come from a free list; each sequence has a block table
 * (its blocks in position order), so position {@code p} of a sequence lives in slot
 * {@code table[p / blockSize] * blockSize + p % blockSize}.
 *
 * <p>Capacity is counted exactly in blocks: a sequence holding capacity for {@code t} tokens
 * owns {@code ceil(t / blockSize)} blocks. Callers ask {@link #canAdmit} (or
 * {@link #admissionBlocker} for the reason) before {@link #reserve}; asking for more than is
 * free throws {@link KvCacheFullException} and changes nothing.
 *
 * <p>The cache owns its storage and closes it. It is not thread-safe: the engine's step loop
 * is its only user.
 */
public final class PagedKvCache implements AutoCloseable {
    private final KvStorage storage;
    private final KvGeometry geometry;
    private final int blockSize;
    /** Free block ids; the top of the stack is {@code free[freeCount - 1]}. */
    private final int[] free;
    private int freeCount;
    private final Map<Long, Sequence> sequences = new HashMap<>();
    private boolean closed;

    private static final class Sequence {
        int[] blocks = new int[4];
        int blockCount;
        int capacityTokens;
    }

    /** Takes ownership of {@code storage}; all of its blocks start free. */
    public PagedKvCache(KvStorage storage) {
        this.storage = storage;
        this.geometry = storage.geometry();
        this.blockSize = geometry.blockSize();
        this.free = new int[geometry.blocks()];
        // Lowest block ids on top of the stack, so a fresh cache hands out blocks 0, 1, 2, ...
        for (int i = 0; i < free.length; i++) {
            free[i] = free.length - 1 - i;
        }
        this.freeCount = free.length;
    }

    /** The backend storage these blocks index into. */
    public KvStorage storage() {
        return storage;
    }

    public KvGeometry geometry() {
        return geometry;
    }

    /** Token slots per block. */
    public int blockSize() {
        return blockSize;
    }

    public int totalBlocks() {
        return free.length;
    }

    public int freeBlocks() {
        return freeCount;
    }

    public int usedBlocks() {
        return free.length - freeCount;
    }

    /** Token slots not owned by any sequence. */
    public long freeTokens() {
        return (long) freeCount * blockSize;
    }

    /** Number of sequences holding blocks. */
    public int sequenceCount() {
        return sequences.size();
    }

    /** Blocks needed to hold {@code tokens} positions. */
    public int blocksFor(long tokens) {
        if (tokens < 0) {
            throw new IllegalArgumentException("negative token count " + tokens);
        }
        return Math.toIntExact((tokens + blockSize - 1) / blockSize);
    }

    /** Whether a new sequence of {@code tokens} positions fits in the free blocks now. */
    public boolean canAdmit(long tokens) {
        return blocksFor(tokens) <= freeCount;
    }

    /** Whether a sequence of {@code tokens} positions could ever fit, i.e. in an empty cache. */
    public boolean fitsEver(long tokens) {
        return blocksFor(tokens) <= free.length;
    }

    /** Why a new sequence of {@code tokens} positions cannot be admitted now, or empty if it can. */
    public Optional<String> admissionBlocker(long tokens) {
        int need = blocksFor(tokens);
        if (need <= freeCount) {
            return Optional.empty();
        }
        if (need > free.length) {
            return Optional.of("KV cache too small: " + tokens + " tokens need " + need + " blocks of " + blockSize
                    + " but the cache has only " + free.length + " blocks in all");
        }
        return Optional.of("KV cache full: " + tokens + " tokens need " + need + " blocks, " + freeCount + " of "
                + free.length + " free (" + sequences.size() + " sequences hold the rest)");
    }

    /**
     * Gives new sequence {@code id} capacity for {@code tokens} positions.
     *
     * @throws IllegalStateException if {@code id} already holds blocks
     * @throws KvCacheFullException if not enough blocks are free (nothing is allocated)
     */
    public void reserve(long id, int tokens) {
        ensureOpen();
        if (sequences.containsKey(id)) {
            throw new IllegalStateException("sequence " + id + " already holds KV blocks");
        }
        Sequence s = new Sequence();
        grow(id, s, tokens);
        sequences.put(id, s);
    }

    /**
     * Grows sequence {@code id} to capacity for at least {@code tokens} positions; a smaller
     * count is a no-op.
     *
     * @throws KvCacheFullException if not enough blocks are free (nothing is allocated)
     */
    public void extend(long id, int tokens) {
        ensureOpen();
        grow(id, sequence(id), tokens);
    }

    /** Returns every block of sequence {@code id} to the free list; unknown ids are ignored. */
    public void release(long id) {
        Sequence s = sequences.remove(id);
        if (s == null) {
            return;
        }
        for (int i = s.blockCount - 1; i >= 0; i--) {
            free[freeCount++] = s.blocks[i];
        }
    }

    /** Whether sequence {@code id} holds blocks. */
    public boolean contains(long id) {
        return sequences.containsKey(id);
    }

    /** Positions sequence {@code id} has room for (a multiple of the block size). */
    public int capacity(long id) {
        return sequence(id).capacityTokens;
    }

    /** A copy of sequence {@code id}'s block table, in position order. */
    public int[] blockTable(long id) {
        Sequence s = sequence(id);
        return Arrays.copyOf(s.blocks, s.blockCount);
    }

    /** Number of blocks sequence {@code id} holds. */
    public int blockCount(long id) {
        return sequence(id).blockCount;
    }

    /** Appends sequence {@code id}'s block table to {@code dst} at {@code offset}; returns the count written. */
    public int copyBlockTable(long id, int[] dst, int offset) {
        Sequence s = sequence(id);
        System.arraycopy(s.blocks, 0, dst, offset, s.blockCount);
        return s.blockCount;
    }

    /** The storage slot of position {@code position} of sequence {@code id}. */
    public int slot(long id, int position) {
        Sequence s = sequence(id);
        if (position < 0 || position >= s.capacityTokens) {
            throw new IndexOutOfBoundsException("position " + position + " of sequence " + id + " is outside its "
                    + s.capacityTokens + " reserved positions");
        }
        return s.blocks[position / blockSize] * blockSize + position % blockSize;
    }

    /** Closes the storage; blocks still held are dropped with it. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            sequences.clear();
            storage.close();
        }
    }

    private void grow(long id, Sequence s, int tokens) {
        int need = blocksFor(tokens) - s.blockCount;
        if (need <= 0) {
            return;
        }
        if (need > freeCount) {
            throw new KvCacheFullException("KV cache full: sequence " + id + " needs " + need + " more blocks for "
                    + tokens + " tokens, " + freeCount + " of " + free.length + " free", need, freeCount);
        }
        if (s.blocks.length < s.blockCount + need) {
            s.blocks = Arrays.copyOf(s.blocks, Math.max(s.blocks.length * 2, s.blockCount + need));
        }
        for (int i = 0; i < need; i++) {
            s.blocks[s.blockCount++] = free[--freeCount];
        }
        s.capacityTokens = s.blockCount * blockSize;
    }

    private Sequence sequence(long id) {
        Sequence s = sequences.get(id);
        if (s == null) {
            throw new IllegalArgumentException("sequence " + id + " holds no KV blocks");
        }
        return s;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("KV cache is closed");
        }
    }
}
