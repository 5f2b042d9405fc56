package dev.mosaic.bench.tokenizer;

import dev.mosaic.inference.tokenizer.SplitPatterns;
import dev.mosaic.inference.tokenizer.Tokenizer;
import dev.mosaic.inference.tokenizer.Tokenizers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding and decoding 100 KB of text. The vocabularies are trained in setup by plain BPE
 * (most frequent pair first, 2000 merges) on a seeded synthetic corpus of words, numbers,
 * punctuation, accents, CJK and emoji, so merges fire as they do on real text:
 * {@code llama3}/{@code qwen2} are byte-level BPE with those split patterns, {@code spm} a
 * SentencePiece vocabulary with the same pieces (spaces as ▁) scored by merge order.
 * {@code encodeColdCache} builds a fresh tokenizer per call so the pre-token cache starts empty.
 *
 * <p>Not thread-safe: JMH benchmark state, driven by the one benchmark thread JMH runs by default (no Threads
 * annotation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenizerBenchmark {

    @Param({"llama3", "qwen2", "spm"})
    public String vocab;

    private static final int TEXT_BYTES = 100_000;
    private static final int MERGES = 2000;

    private Map<String, Object> metadata;
    private String text;
    private Tokenizer tokenizer;
    private Tokenizer fresh;
    private int[] ids;

    @Setup
    public void setup() {
        text = corpus(new Random(20261121), TEXT_BYTES);
        String training = corpus(new Random(7), TEXT_BYTES);
        metadata = vocab.equals("spm") ? sentencePiece(training) : byteLevel(training, vocab);
        tokenizer = Tokenizers.fromGguf(metadata);
        ids = tokenizer.encode(text);
        if (!tokenizer.decode(ids).equals(text)) {
            throw new IllegalStateException("round trip failed for " + vocab);
        }
    }

    @Setup(Level.Invocation)
    public void freshTokenizer() {
        fresh = Tokenizers.fromGguf(metadata);
    }

    @Benchmark
    public int[] encode() {
        return tokenizer.encode(text);
    }

    @Benchmark
    public int[] encodeColdCache() {
        return fresh.encode(text);
    }

    @Benchmark
    public String decode() {
        return tokenizer.decode(ids);
    }

    // ---- corpus and training (setup only) ----

    private static final String[] SYLLABLES = {"the", "an", "re", "in", "on", "er", "at", "st", "ion", "ing", "ex", "pro",
        "con", "al", "ma", "to", "de", "ve", "li", "ca", "mo", "sa", "ti", "ne", "ou", "ch", "sh", "qu", "ly", "ed"};
    private static final String[] EXTRAS = {"café", "naïve", "Zürich", "日本語", "中文", "한국어", "🎉", "👍🏽", "—", "…", "½"};

    static String corpus(Random r, int bytes) {
        StringBuilder sb = new StringBuilder();
        while (sb.toString().getBytes(StandardCharsets.UTF_8).length < bytes) {
            for (int sentence = 0; sentence < 50; sentence++) {
                int words = 4 + r.nextInt(14);
                for (int w = 0; w < words; w++) {
                    if (w > 0) {
                        sb.append(' ');
                    }
                    int kind = r.nextInt(40);
                    if (kind == 0) {
                        sb.append(r.nextInt(100_000));
                    } else if (kind == 1) {
                        sb.append(EXTRAS[r.nextInt(EXTRAS.length)]);
                    } else {
                        int syl = 1 + r.nextInt(3);
                        StringBuilder word = new StringBuilder();
                        for (int s = 0; s < syl; s++) {
                            word.append(SYLLABLES[(int) Math.min(SYLLABLES.length - 1, Math.abs(r.nextGaussian()) * 8)]);
                        }
                        if (w == 0 || r.nextInt(12) == 0) {
                            word.setCharAt(0, Character.toUpperCase(word.charAt(0)));
                        }
                        sb.append(word);
                    }
                }
                sb.append(r.nextInt(6) == 0 ? "?" : ".");
                sb.append(r.nextInt(5) == 0 ? "\n\n" : " ");
            }
        }
        return sb.toString();
    }

    /** GPT-2's byte-to-character mapping (the same table the tokenizer uses). */
    static char[] byteChars() {
        char[] map = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) (256 + n++);
        }
        return map;
    }

    /** Word -> count, each word as its initial symbols. */
    private static Map<List<String>, Integer> words(String corpus, Pattern split, java.util.function.Function<String, List<String>> symbols) {
        Map<List<String>, Integer> counts = new LinkedHashMap<>();
        Matcher m = split.matcher(corpus);
        while (m.find()) {
            counts.merge(symbols.apply(m.group()), 1, Integer::sum);
        }
        return counts;
    }

    /** Classic BPE training: merge the most frequent adjacent pair (ties broken by text) MERGES times. */
    private static List<String[]> train(Map<List<String>, Integer> counts) {
        List<List<String>> words = new ArrayList<>();
        List<Integer> freqs = new ArrayList<>();
        counts.forEach((w, c) -> {
            words.add(new ArrayList<>(w));
            freqs.add(c);
        });
        List<String[]> merges = new ArrayList<>();
        for (int step = 0; step < MERGES; step++) {
            Map<String, Integer> pairs = new HashMap<>();
            for (int i = 0; i < words.size(); i++) {
                List<String> w = words.get(i);
                for (int j = 0; j + 1 < w.size(); j++) {
                    pairs.merge(w.get(j) + "\u0000" + w.get(j + 1), freqs.get(i), Integer::sum);
                }
            }
            String best = null;
            int bestCount = 1;
            for (var e : pairs.entrySet()) {
                if (e.getValue() > bestCount || (e.getValue() == bestCount && best != null && e.getKey().compareTo(best) < 0)) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (best == null) {
                break;
            }
            String[] pair = best.split("\u0000", -1);
            merges.add(pair);
            String joined = pair[0] + pair[1];
            for (List<String> w : words) {
                for (int j = 0; j + 1 < w.size(); j++) {
                    if (w.get(j).equals(pair[0]) && w.get(j + 1).equals(pair[1])) {
                        w.set(j, joined);
                        w.remove(j + 1);
                    }
                }
            }
        }
        return merges;
    }

    private static Map<String, Object> byteLevel(String corpus, String pre) {
        char[] map = byteChars();
        Pattern split = SplitPatterns.compile(pre.equals("qwen2") ? SplitPatterns.QWEN2 : SplitPatterns.LLAMA3);
        List<String[]> merges = train(words(corpus, split, word -> {
            List<String> s = new ArrayList<>();
            for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
                s.add(String.valueOf(map[b & 0xFF]));
            }
            return s;
        }));
        List<Object> tokens = new ArrayList<>();
        for (char c : map) {
            tokens.add(String.valueOf(c));
        }
        List<Object> rules = new ArrayList<>();
        for (String[] m : merges) {
            tokens.add(m[0] + m[1]);
            rules.add(m[0] + " " + m[1]);
        }
        tokens.add("<|endoftext|>");
        List<Object> types = new ArrayList<>(java.util.Collections.nCopies(tokens.size() - 1, 1L));
        types.add(3L);
        Map<String, Object> md = new HashMap<>();
        md.put("tokenizer.ggml.model", "gpt2");
        md.put("tokenizer.ggml.pre", pre.equals("qwen2") ? "qwen2" : "llama-bpe");
        md.put("tokenizer.ggml.tokens", tokens);
        md.put("tokenizer.ggml.token_type", types);
        md.put("tokenizer.ggml.merges", rules);
        md.put("tokenizer.ggml.eos_token_id", (long) tokens.size() - 1);
        return md;
    }

    private static Map<String, Object> sentencePiece(String corpus) {
        // Words as SentencePiece sees them: each starts with ▁ (spaces), split only to keep training fast.
        Pattern split = Pattern.compile("\u2581?[^\u2581]+|\u2581+");
        String escaped = (" " + corpus).replace(' ', '\u2581');
        List<String[]> merges = train(words(escaped, split, word -> word.codePoints().mapToObj(Character::toString).toList()));
        List<Object> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Object> types = new ArrayList<>(List.of(2L, 3L, 3L));
        List<Object> scores = new ArrayList<>(List.of(0.0, 0.0, 0.0));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(6L);
            scores.add(0.0);
        }
        escaped.codePoints().distinct().sorted().forEach(cp -> {
            tokens.add(Character.toString(cp));
            types.add(1L);
            scores.add(-1e6);
        });
        for (int i = 0; i < merges.size(); i++) {
            tokens.add(merges.get(i)[0] + merges.get(i)[1]);
            types.add(1L);
            scores.add((double) -i);
        }
        Map<String, Object> md = new HashMap<>();
        md.put("tokenizer.ggml.model", "llama");
        md.put("tokenizer.ggml.tokens", tokens);
        md.put("tokenizer.ggml.token_type", types);
        md.put("tokenizer.ggml.scores", scores);
        md.put("tokenizer.ggml.bos_token_id", 1L);
        md.put("tokenizer.ggml.eos_token_id", 2L);
        md.put("tokenizer.ggml.unknown_token_id", 0L);
        return md;
    }

    /** Prints the token counts, for a quick look without JMH. */
    public static void main(String[] args) {
        for (String v : List.of("llama3", "qwen2", "spm")) {
            TokenizerBenchmark b = new TokenizerBenchmark();
            b.vocab = v;
            long t0 = System.nanoTime();
            b.setup();
            System.out.printf("%s: %d bytes -> %d tokens (setup %d ms)%n", v, b.text.getBytes(StandardCharsets.UTF_8).length,
                    b.ids.length, (System.nanoTime() - t0) / 1_000_000);
            System.out.println(Arrays.toString(Arrays.copyOf(b.ids, 12)));
        }
    }
}
