package dev.mosaic.inference.engine;

import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.kv.PagedKvCache;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The engine's batch scheduler (continuous batching): the queue of waiting sequences, the running
 * set, the paged KV cache they share, and every KV decision: how many blocks a budget buys,
 * whether a request can ever fit, admission, growth, preemption and the building of each step's
 * batch. The engine runs the model and samples; this class decides what runs.
 *
 * <p>Policy. Requests wait in arrival order. One is admitted when a sequence slot is free and the
 * cache has blocks for its tokens so far plus one, while one free block per running sequence stays
 * free for them to grow (which keeps preemption rare). A step takes every decoding sequence's next
 * token first, then prompt chunks, oldest sequences first, within the token budget. When the
 * oldest running sequence needs a block and none is free, the newest is preempted: it gives its
 * blocks back, waits first in line, and recomputes its K/V when readmitted, so its tokens are the
 * same as without preemption. Only the oldest sequence preempts others, so it always progresses
 * and every admitted request completes.
 *
 * <p>Not thread-safe: confined to the engine thread. Other threads read {@link #snapshot()}'s
 * immutable result through the engine.
 */
final class BatchScheduler implements AutoCloseable {
    private final PagedKvCache cache;
    private final int maxSequences;
    private final int maxBatchTokens;
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private long preemptions;

    /** One step's batch: each scheduled sequence with its token count, and the metadata the forward pass reads. */
    record Batch(Map<Sequence, Integer> chunks, ForwardPass.Step step, List<Sequence> sampled) {}

    BatchScheduler(PagedKvCache cache, int maxSequences, int maxBatchTokens) {
        this.cache = cache;
        this.maxSequences = maxSequences;
        this.maxBatchTokens = maxBatchTokens;
    }

    /**
     * KV blocks an engine allocates: what the budget buys, but no more than all sequences at full
     * context could ever hold.
     *
     * @throws IllegalArgumentException if the budget buys less than one block
     */
    static long blocks(long budgetBytes, long bytesPerBlock, int blockSize, int maxSequences, int contextLength) {
        long usable = ((long) maxSequences * contextLength + blockSize - 1) / blockSize;
        long blocks = Math.min(budgetBytes / bytesPerBlock, usable);
        if (blocks < 1) {
            throw new IllegalArgumentException("KV budget of " + budgetBytes + " bytes is less than one block ("
                    + bytesPerBlock + " bytes for " + blockSize + " tokens of this model)");
        }
        return blocks;
    }

    /** Refuses, with the numbers, a sequence that could not fit even the empty cache. */
    void checkFitsEver(Sequence s) {
        long need = (s.kvTokens() + (long) cache.blockSize() - 1) / cache.blockSize();
        if (need > cache.totalBlocks()) {
            throw new IllegalArgumentException("KV cache too small: " + s.kvTokens() + " tokens need " + need
                    + " blocks but the cache has " + cache.totalBlocks() + " in all (raise the KV budget or lower max tokens)");
        }
    }

    PagedKvCache cache() {
        return cache;
    }

    boolean idle() {
        return running.isEmpty() && waiting.isEmpty();
    }

    boolean hasRunning() {
        return !running.isEmpty();
    }

    void enqueue(Sequence s) {
        waiting.add(s);
    }

    /** Removes the sequences whose cancellation was requested, waiting or running, and hands each to {@code onCancelled}. */
    void dropCancelled(Consumer<Sequence> onCancelled) {
        for (Iterator<Sequence> it = waiting.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.handle.cancelRequested()) {
                it.remove();
                onCancelled.accept(s);
            }
        }
        for (Iterator<Sequence> it = running.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.handle.cancelRequested()) {
                it.remove();
                cache.release(s.id());
                onCancelled.accept(s);
            }
        }
    }

    /**
     * Admits waiting sequences in arrival order while slots and blocks allow; tells the ones left
     * waiting why. {@code prepare} readies a sequence admitted for the first time and returns
     * false if it cannot run (it has then been failed and is dropped).
     */
    void admit(Predicate<Sequence> prepare) {
        while (!waiting.isEmpty()) {
            Sequence s = waiting.peek();
            if (running.size() >= maxSequences) {
                s.handle.waiting("engine busy: " + running.size() + " sequences running (max " + maxSequences + ")");
                return;
            }
            int need = cache.blocksFor(s.admissionTokens());
            int headroom = running.size();
            if (need + headroom > cache.freeBlocks()) {
                String reason = "KV cache full: " + s.admissionTokens() + " tokens need " + need + " blocks"
                        + (headroom > 0 ? " (+" + headroom + " kept free for the " + headroom + " running sequences to grow)" : "")
                        + ", " + cache.freeBlocks() + " of " + cache.totalBlocks() + " free";
                s.handle.waiting(reason);
                for (Sequence behind : waiting) {
                    if (behind != s) {
                        behind.handle.waiting("queued behind request " + s.id() + ": " + reason);
                    }
                }
                return;
            }
            waiting.poll();
            if (!s.started() && !prepare.test(s)) {
                continue;
            }
            cache.reserve(s.id(), s.admissionTokens());
            s.handle.state(GenerationHandle.State.RUNNING);
            running.add(s);
        }
    }

    /**
     * The next step's batch within the token budget (decode rows first, then prompt chunks,
     * oldest first), with the KV blocks it needs taken (preempting if it must); null when
     * nothing can run.
     */
    Batch schedule() {
        Map<Sequence, Integer> batch = new LinkedHashMap<>();
        for (Sequence s : List.copyOf(running)) {
            if (running.contains(s) && s.length - s.processed == 1 && s.processed > 0 && grow(s, s.processed + 1, batch)) {
                batch.put(s, 1);
            }
        }
        int rows = batch.size();
        for (Sequence s : List.copyOf(running)) {
            if (!running.contains(s) || batch.containsKey(s) || rows >= maxBatchTokens) {
                continue;
            }
            int chunk = Math.min(s.length - s.processed, maxBatchTokens - rows);
            int room = cache.capacity(s.id()) + cache.freeBlocks() * cache.blockSize() - s.processed;
            if (chunk > room && running.get(0) != s) {
                chunk = room; // take what is free; only the oldest sequence preempts
            }
            if (chunk > 0 && grow(s, s.processed + chunk, batch)) {
                batch.put(s, chunk);
                rows = 0;
                for (int c : batch.values()) {
                    rows += c;
                }
            }
        }
        return batch.isEmpty() ? null : build(batch, rows);
    }

    /** Token ids, positions, KV slots, block tables and logit rows of a scheduled batch. */
    private Batch build(Map<Sequence, Integer> batch, int rows) {
        int n = batch.size();
        int[] tokenIds = new int[rows];
        int[] positions = new int[rows];
        int[] slots = new int[rows];
        int[] rowStart = new int[n];
        int[] rowCount = new int[n];
        int[] firstPosition = new int[n];
        int[] tableStart = new int[n];
        int tableLength = 0;
        for (Sequence s : batch.keySet()) {
            tableLength += cache.blockCount(s.id());
        }
        int[] tables = new int[tableLength];
        List<Integer> logitRows = new ArrayList<>();
        List<Sequence> sampled = new ArrayList<>();
        int row = 0;
        int table = 0;
        int i = 0;
        for (var e : batch.entrySet()) {
            Sequence s = e.getKey();
            int count = e.getValue();
            rowStart[i] = row;
            rowCount[i] = count;
            firstPosition[i] = s.processed;
            tableStart[i] = table;
            table += cache.copyBlockTable(s.id(), tables, table);
            for (int j = 0; j < count; j++) {
                int pos = s.processed + j;
                tokenIds[row + j] = s.tokens[pos];
                positions[row + j] = pos;
                slots[row + j] = cache.slot(s.id(), pos);
            }
            row += count;
            if (s.processed + count == s.length) {
                logitRows.add(row - 1);
                sampled.add(s);
            }
            i++;
        }
        ForwardPass.Step step = new ForwardPass.Step(tokenIds, positions, slots,
                new AttentionBatch(rowStart, rowCount, firstPosition, tableStart, tables),
                logitRows.stream().mapToInt(Integer::intValue).toArray());
        return new Batch(batch, step, sampled);
    }

    /**
     * Makes room for {@code s} to store positions up to {@code tokens}, preempting the most
     * recently admitted other sequences if needed; false if {@code s} itself has to wait.
     */
    private boolean grow(Sequence s, int tokens, Map<Sequence, Integer> batch) {
        while (cache.blocksFor(tokens) - cache.blockCount(s.id()) > cache.freeBlocks()) {
            if (running.get(0) != s) {
                return false;
            }
            Sequence victim = running.get(running.size() - 1);
            if (victim == s) {
                throw new IllegalStateException("sequence " + s.id() + " alone cannot grow to " + tokens + " tokens: "
                        + cache.totalBlocks() + " blocks in all");
            }
            preempt(victim, s);
            batch.remove(victim);
        }
        cache.extend(s.id(), tokens);
        return true;
    }

    /** Frees a running sequence's blocks and puts it first in line; it recomputes its K/V when readmitted. */
    private void preempt(Sequence victim, Sequence forWhom) {
        running.remove(victim);
        cache.release(victim.id());
        victim.processed = 0;
        preemptions++;
        victim.handle.waiting("preempted to free KV blocks for request " + forWhom.id() + "; will recompute its "
                + victim.length + " tokens");
        victim.handle.state(GenerationHandle.State.WAITING);
        waiting.addFirst(victim);
    }

    /** A running sequence leaves (finished or failed): its blocks go back. */
    void remove(Sequence s) {
        running.remove(s);
        cache.release(s.id());
    }

    /** Every sequence, running then waiting, removed from the scheduler (for failing them all). */
    List<Sequence> drain() {
        List<Sequence> all = new ArrayList<>(running);
        all.addAll(waiting);
        for (Sequence s : running) {
            cache.release(s.id());
        }
        running.clear();
        waiting.clear();
        return all;
    }

    long preemptions() {
        return preemptions;
    }

    int waitingCount() {
        return waiting.size();
    }

    int runningCount() {
        return running.size();
    }

    /** The queue and KV occupancy now. */
    QueueSnapshot snapshot() {
        long waitingTokens = 0;
        for (Sequence s : waiting) {
            waitingTokens += s.admissionTokens();
        }
        return new QueueSnapshot(waiting.size(), running.size(), maxSequences, waitingTokens, cache.usedBlocks(),
                cache.totalBlocks(), cache.blockSize());
    }

    @Override
    public void close() {
        cache.close();
    }
}
