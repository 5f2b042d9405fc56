package dev.mosaic.bench;

import dev.mosaic.moa.agreement.AgreementScorer;
import dev.mosaic.moa.extract.AnswerExtractors;
import dev.mosaic.moa.extract.SpanLogprob;
import dev.mosaic.moa.worker.JobOutput;
import dev.mosaic.scheduler.aggregation.AgreementRules;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The online bypass decision at scale: 10,000 prompts x 3 experts x 2,000 generated tokens held
 * off-heap (ids, log-probs, byte offsets, UTF-8 bytes, as engines leave them), each prompt's
 * answers extracted from the bytes and scored by the rule, as the runtime does when a prompt's
 * last expert finishes. The score is milliseconds per 10,000 prompts; divide by 10,000 for the
 * cost of one decision. Text: random words, the answer ("Answer: X") 40 tokens before the end
 * (so the backward scan reads them), one expert in ten without one (a full scan, an abstention).
 *
 * <p>Run: {@code scripts/bench AgreementScorerBench}
 *
 * <p>Not thread-safe: JMH benchmark state, driven by the one benchmark thread JMH runs by default (no Threads
 * annotation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class AgreementScorerBench {
    static final int PROMPTS = 10_000;
    static final int EXPERTS = 3;
    static final int TOKENS = 2_000;

    @Param({"choice", "lastline", "regex:Answer: ([A-J])"})
    public String extractor;

    @Param({"unanimity", "beta:0.9", "weighted:0.6"})
    public String rule;

    private Arena arena;
    private JobOutput[] outputs;
    private AgreementScorer scorer;

    /** One generated answer in off-heap memory, as a local engine's pooled token buffer holds it. */
    record OffHeapOutput(MemorySegment bytes, MemorySegment offsets, MemorySegment logprobs, int tokens) implements JobOutput {
        @Override
        public int promptTokens() {
            return 0;
        }

        @Override
        public MemorySegment utf8() {
            return bytes;
        }

        @Override
        public double meanLogprob(long start, long end) {
            return SpanLogprob.mean(logprobs, offsets, tokens, start, end);
        }

        @Override
        public String text() {
            return new String(bytes.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }

        @Override
        public double seconds() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        scorer = new AgreementScorer(AnswerExtractors.parse(extractor), AgreementRules.parse(rule));
        arena = Arena.ofShared();
        SplittableRandom rnd = new SplittableRandom(7);
        String[] words = {" the", " model", " answer", " is", " because", " of", " energy", " data", " which", " gives", " 42",
                " we", " see", "\n", " so", " result", " ,", ".", " value", " then"};
        outputs = new JobOutput[PROMPTS * EXPERTS];
        for (int q = 0; q < PROMPTS; q++) {
            char truth = (char) ('A' + rnd.nextInt(4));
            for (int e = 0; e < EXPERTS; e++) {
                char ans = rnd.nextInt(4) == 0 ? (char) ('A' + rnd.nextInt(4)) : truth;
                boolean abstain = rnd.nextInt(10) == 0;
                StringBuilder text = new StringBuilder();
                int[] off = new int[TOKENS + 1];
                for (int t = 0; t < TOKENS; t++) {
                    off[t] = text.length();
                    if (t == TOKENS - 40 && !abstain) {
                        text.append("\nAnswer: ").append(ans);
                    } else {
                        text.append(words[rnd.nextInt(words.length)]);
                    }
                }
                off[TOKENS] = text.length();
                byte[] b = text.toString().getBytes(StandardCharsets.US_ASCII);
                MemorySegment bytes = arena.allocate(b.length);
                MemorySegment.copy(b, 0, bytes, ValueLayout.JAVA_BYTE, 0, b.length);
                MemorySegment offs = arena.allocateFrom(ValueLayout.JAVA_INT, off);
                float[] lp = new float[TOKENS];
                for (int t = 0; t < TOKENS; t++) {
                    lp[t] = (float) -rnd.nextDouble(3);
                }
                MemorySegment lps = arena.allocateFrom(ValueLayout.JAVA_FLOAT, lp);
                outputs[q * EXPERTS + e] = new OffHeapOutput(bytes.asReadOnly(), offs.asReadOnly(), lps.asReadOnly(), TOKENS);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void decideAll(Blackhole bh) {
        Map<String, Integer> ids = new HashMap<>();
        int[] answers = new int[EXPERTS];
        int[] experts = {0, 1, 2};
        double[] logprobs = new double[EXPERTS];
        for (int q = 0; q < PROMPTS; q++) {
            for (int e = 0; e < EXPERTS; e++) {
                AgreementScorer.Extraction x = scorer.extract(outputs[q * EXPERTS + e]);
                answers[e] = x.answer() == null ? -1 : ids.computeIfAbsent(x.answer(), k -> ids.size());
                logprobs[e] = x.logprob();
            }
            bh.consume(scorer.decide(EXPERTS, answers, experts, logprobs));
        }
    }
}
