package dev.mosaic.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.backend.KvStorage;
import dev.mosaic.inference.kv.PagedKvCache;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The batch scheduler's policy on its own, without a model: admission, batches, growth, preemption, KV accounting. */
class BatchSchedulerTest {
    private static final int BLOCK = 4;

    /** KV storage that only has a geometry: the scheduler never touches the memory. */
    private record NoStorage(KvGeometry geometry) implements KvStorage {
        @Override
        public void close() {
        }
    }

    private static BatchScheduler scheduler(int blocks, int maxSequences, int maxBatchTokens) {
        return new BatchScheduler(new PagedKvCache(new NoStorage(new KvGeometry(1, blocks, BLOCK, 1, 4))), maxSequences,
                maxBatchTokens);
    }

    private static long ids;

    private static Sequence sequence(int promptLength, int maxTokens) {
        int[] prompt = new int[promptLength];
        for (int i = 0; i < promptLength; i++) {
            prompt[i] = 1 + i;
        }
        return new Sequence(new GenerationHandle(++ids, () -> { }), GenerationRequest.ofTokens(prompt).withMaxTokens(maxTokens),
                prompt, maxTokens, Set.of());
    }

    /** What the engine does after a step: processed advances; sampled sequences get a token. */
    private static void advance(BatchScheduler.Batch b) {
        for (var e : b.chunks().entrySet()) {
            e.getKey().processed += e.getValue();
        }
        for (Sequence s : b.sampled()) {
            s.append(7);
        }
    }

    @Test
    void admitsInArrivalOrderAndSaysWhyTheRestWait() {
        try (BatchScheduler sch = scheduler(4, 2, 64)) {
            Sequence a = sequence(5, 4);
            Sequence b = sequence(5, 4);
            Sequence c = sequence(5, 4);
            sch.enqueue(a);
            sch.enqueue(b);
            sch.enqueue(c);
            sch.admit(s -> true);
            // a takes 2 blocks (6 tokens); b needs 2 + 1 headroom for a: only 2 free
            assertEquals(1, sch.runningCount());
            assertEquals(GenerationHandle.State.RUNNING, a.handle.state());
            assertTrue(b.handle.waitingReason().orElseThrow().startsWith("KV cache full"), b.handle.waitingReason().toString());
            assertTrue(c.handle.waitingReason().orElseThrow().contains("queued behind request " + b.id()));
            QueueSnapshot q = sch.snapshot();
            assertEquals(2, q.waiting());
            assertEquals(2, q.kvBlocksUsed());
            assertEquals(12, q.waitingTokens());
        }
    }

    @Test
    void slotsLimitAdmissionAndAFailedPreparationIsDropped() {
        try (BatchScheduler sch = scheduler(64, 1, 64)) {
            Sequence bad = sequence(3, 2);
            Sequence a = sequence(3, 2);
            Sequence b = sequence(3, 2);
            sch.enqueue(bad);
            sch.enqueue(a);
            sch.enqueue(b);
            sch.admit(s -> s != bad);
            assertEquals(1, sch.runningCount());
            assertEquals(1, sch.waitingCount());
            assertTrue(b.handle.waitingReason().orElseThrow().startsWith("engine busy"));
            assertEquals(1, sch.cache().sequenceCount(), "the dropped one holds no blocks");
        }
    }

    @Test
    void decodeRowsComeFirstThenPromptChunksWithinTheTokenBudget() {
        try (BatchScheduler sch = scheduler(64, 4, 8)) {
            Sequence a = sequence(6, 4);
            sch.enqueue(a);
            sch.admit(s -> true);
            BatchScheduler.Batch first = sch.schedule();
            assertEquals(Map.of(a, 6), first.chunks());
            assertEquals(List.of(a), first.sampled());
            advance(first);
            Sequence b = sequence(20, 4);
            sch.enqueue(b);
            sch.admit(s -> true);
            BatchScheduler.Batch second = sch.schedule();
            List<Sequence> order = new ArrayList<>(second.chunks().keySet());
            assertEquals(List.of(a, b), order, "the decode row first");
            assertEquals(1, second.chunks().get(a));
            assertEquals(7, second.chunks().get(b), "the prompt chunk fills the budget of 8 rows");
            assertEquals(List.of(a), second.sampled(), "b's prompt is not done: no logits for it");
            assertEquals(8, second.step().tokens().length);
            assertEquals(6, second.step().positions()[0], "a's next position");
            assertEquals(0, second.step().positions()[1]);
        }
    }

    @Test
    void theOldestPreemptsTheNewestWhichRecomputesLater() {
        try (BatchScheduler sch = scheduler(4, 4, 64)) {
            Sequence a = sequence(4, 9); // grows to 12 tokens: 3 blocks
            Sequence b = sequence(3, 9);
            sch.enqueue(a);
            sch.admit(s -> true);
            advance(sch.schedule());
            sch.enqueue(b);
            sch.admit(s -> true);
            assertEquals(2, sch.runningCount());
            int guard = 0;
            while (sch.preemptions() == 0 && guard++ < 20) {
                BatchScheduler.Batch batch = sch.schedule();
                assertNotNull(batch);
                advance(batch);
            }
            assertEquals(1, sch.preemptions());
            assertEquals(1, sch.runningCount());
            assertEquals(0, b.processed, "the victim recomputes its K/V");
            assertTrue(b.handle.waitingReason().orElseThrow().startsWith("preempted to free KV blocks for request " + a.id()));
            assertEquals(GenerationHandle.State.WAITING, b.handle.state());
        }
    }

    @Test
    void randomWorkloadsNeverOverbookBlocksAndEveryBlockReturns() {
        SplittableRandom r = new SplittableRandom(42);
        for (int trial = 0; trial < 40; trial++) {
            int blocks = 6 + r.nextInt(20);
            try (BatchScheduler sch = scheduler(blocks, 1 + r.nextInt(4), 4 + r.nextInt(16))) {
                List<Sequence> all = new ArrayList<>();
                for (int i = 0; i < 2 + r.nextInt(6); i++) {
                    Sequence s = sequence(1 + r.nextInt(8), 1 + r.nextInt(8));
                    sch.checkFitsEver(s);
                    all.add(s);
                    sch.enqueue(s);
                }
                int finished = 0;
                for (int step = 0; step < 2000 && finished < all.size(); step++) {
                    sch.admit(s -> true);
                    BatchScheduler.Batch b = sch.schedule();
                    assertTrue(sch.cache().usedBlocks() <= blocks);
                    if (b == null) {
                        continue;
                    }
                    for (var e : b.chunks().entrySet()) {
                        Sequence s = e.getKey();
                        assertTrue(sch.cache().capacity(s.id()) >= s.processed + e.getValue(), "KV room for every row");
                    }
                    advance(b);
                    for (Sequence s : b.sampled()) {
                        if (s.length - s.promptLength >= s.maxTokens) {
                            sch.remove(s);
                            finished++;
                        }
                    }
                }
                assertEquals(all.size(), finished, "every request completes (trial " + trial + ")");
                assertTrue(sch.idle());
                assertEquals(0, sch.cache().usedBlocks());
            }
        }
    }

    @Test
    void kvArithmetic() {
        assertEquals(10, BatchScheduler.blocks(10 * 100, 100, 16, 64, 4096), "what the budget buys");
        assertEquals(4, BatchScheduler.blocks(1 << 30, 100, 16, 2, 32), "no more than all sequences at full context");
        assertThrows(IllegalArgumentException.class, () -> BatchScheduler.blocks(99, 100, 16, 1, 16));
        try (BatchScheduler sch = scheduler(2, 1, 8)) {
            var e = assertThrows(IllegalArgumentException.class, () -> sch.checkFitsEver(sequence(6, 4)));
            assertTrue(e.getMessage().contains("9 tokens need 3 blocks but the cache has 2"), e.getMessage());
            assertNull(sch.schedule());
            assertFalse(sch.hasRunning());
        }
    }
}
