package dev.mosaic.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.RopeConfig.Layout;
import dev.mosaic.inference.tensor.GgmlType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Engines sharing a step lock take turns: never two steps at once, both finish, and outputs are as without it. */
class EngineStepLockTest {
    static final ModelConfig LLAMA = TestModels.llama(64, 2, 4, 2, 96, 300, Layout.INTERLEAVED);

    /** A fair lock that records how many holders it ever had at once and how often it was taken. */
    static final class CountingLock extends ReentrantLock {
        private static final long serialVersionUID = 1L;
        final AtomicInteger holders = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        final AtomicInteger taken = new AtomicInteger();

        CountingLock() {
            super(true);
        }

        @Override
        public void lock() {
            super.lock();
            int h = holders.incrementAndGet();
            most.accumulateAndGet(h, Math::max);
            taken.incrementAndGet();
        }

        @Override
        public void unlock() {
            holders.decrementAndGet();
            super.unlock();
        }
    }

    private static List<int[]> generate(Model a, Model b, EngineConfig config) {
        try (Engine ea = Engine.create(a, config, new TestModels.SpelledTokenizer(a.config().vocabSize()));
             Engine eb = Engine.create(b, config, new TestModels.SpelledTokenizer(b.config().vocabSize()))) {
            List<GenerationHandle> hs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Engine e = i % 2 == 0 ? ea : eb;
                hs.add(e.submit(GenerationRequest.ofTokens(new int[] {1 + i, 7, 9 + i}).withMaxTokens(12).withStopAtEos(false)));
            }
            List<int[]> out = new ArrayList<>();
            for (GenerationHandle h : hs) {
                try (GenerationResult r = h.join()) {
                    out.add(r.tokenIds());
                }
            }
            return out;
        }
    }

    @Test
    @Timeout(60)
    void enginesSharingALockNeverStepAtOnceAndGiveTheSameTokens() {
        try (Model a = TestModels.random(LLAMA, GgmlType.F32, 11); Model b = TestModels.random(LLAMA, GgmlType.Q8_0, 12)) {
            EngineConfig base = EngineConfig.cpu(1).withKvBudgetBytes(4L << 20).withBlockSize(4);
            CountingLock lock = new CountingLock();
            List<int[]> locked = generate(a, b, base.withStepLock(lock));
            List<int[]> free = generate(a, b, base);
            assertEquals(1, lock.most.get(), "two engines stepped at once");
            assertTrue(lock.taken.get() >= 24, "every step takes the lock: " + lock.taken.get());
            for (int i = 0; i < free.size(); i++) {
                assertEquals(java.util.Arrays.toString(free.get(i)), java.util.Arrays.toString(locked.get(i)), "request " + i);
            }
        }
    }
}
