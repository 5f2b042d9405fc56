package dev.mosaic.bench;

import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.engine.GenerationResult;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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

/**
 * End-to-end prefill and decode throughput of the {@link Engine} (forward pass, sampling,
 * batching) on the ~110M-parameter synthetic llama model (dim 768, 12 layers, 12 heads, 4 KV
 * heads, FFN 2048, vocab 32000), per weight type, thread count and batch size.
 *
 * <p>{@code prefill}: each invocation submits {@code batch} prompts of {@value #PROMPT} random
 * tokens and generates one token each. {@code decode}: {@code batch} one-token prompts each
 * generate {@value #DECODE} tokens, so every step is a decode step of {@code batch} rows. The
 * {@code tokens} secondary result is the rate in tokens per second (prompt tokens for prefill,
 * generated tokens for decode).
 *
 * <p>The model file is generated once per weight type into {@code $TMPDIR/mosaic-bench/} and
 * reused by later forks. Run:
 * {@code java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar DecodeBench}
 *
 * <p>Not thread-safe: JMH benchmark state, driven by the one benchmark thread JMH runs by default (no Threads
 * annotation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class DecodeBench {
    static final int PROMPT = 128;
    static final int DECODE = 32;

    @Param({"F32", "Q8_0"})
    public String type;

    @Param({"1", "2"})
    public int threads;

    @Param({"1", "8"})
    public int batch;

    private Model model;
    private Engine engine;
    private final SplittableRandom random = new SplittableRandom(1);

    /** Tokens processed, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public long tokens;

        @Setup(Level.Iteration)
        public void reset() {
            tokens = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "mosaic-bench");
        Files.createDirectories(dir);
        Path file = dir.resolve("bench110m-" + type.toLowerCase(Locale.ROOT) + ".gguf");
        if (!Files.exists(file)) {
            SyntheticModel.writeGguf(SyntheticModel.bench110M(), GgmlType.valueOf(type), 42, file); // atomic move into place
        }
        model = ModelLoader.open(file);
        engine = Engine.create(model, EngineConfig.cpu(threads).withMaxSequences(batch).withMaxBatchTokens(batch * PROMPT)
                .withKvBudgetBytes((long) batch * (PROMPT + DECODE) * 2 * 12 * 256 * Float.BYTES + (16L << 20)));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
        model.close();
    }

    @Benchmark
    public long prefill(Tokens counter) {
        long sum = run(PROMPT, 1);
        counter.tokens += (long) batch * PROMPT;
        return sum;
    }

    @Benchmark
    public long decode(Tokens counter) {
        long sum = run(1, DECODE);
        counter.tokens += (long) batch * DECODE;
        return sum;
    }

    private long run(int promptLength, int maxTokens) {
        List<GenerationRequest> requests = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            int[] prompt = new int[promptLength];
            for (int i = 0; i < promptLength; i++) {
                prompt[i] = random.nextInt(32000);
            }
            requests.add(GenerationRequest.ofTokens(prompt).withMaxTokens(maxTokens).withStopAtEos(false));
        }
        long sum = 0;
        for (GenerationResult r : engine.generateAll(requests)) {
            sum += r.tokenIds()[r.generatedTokens() - 1];
            r.close();
        }
        return sum;
    }
}
