package dev.mosaic.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One tokenizer shared by several threads (its pre-token cache included) gives the single-threaded ids. */
class ConcurrencyTest {

    @Test
    void sharedTokenizerIsThreadSafe() throws Exception {
        List<String> texts = new ArrayList<>();
        Random r = new Random(42);
        String[] words = {"the", " the", "hello", " world", "12345", "日本", " 🎉", "\n\n", "  ", "é"};
        for (int i = 0; i < 64; i++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 200; w++) {
                sb.append(words[r.nextInt(words.length)]);
            }
            texts.add(sb.toString());
        }
        // Expected ids from separate instances, so the shared ones start with cold caches.
        List<Tokenizer> references = RoundTripTest.tokenizers();
        List<Tokenizer> shared = RoundTripTest.tokenizers();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int k = 0; k < shared.size(); k++) {
                Tokenizer reference = references.get(k);
                Tokenizer tok = shared.get(k);
                List<int[]> expected = texts.stream().map(reference::encode).toList();
                List<Future<int[]>> results = new ArrayList<>();
                for (int round = 0; round < 4; round++) {
                    for (String t : texts) {
                        results.add(pool.submit(() -> tok.encode(t)));
                    }
                }
                for (int i = 0; i < results.size(); i++) {
                    assertArrayEquals(expected.get(i % texts.size()), results.get(i).get());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
