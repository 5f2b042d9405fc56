package dev.mosaic.cli;

import dev.mosaic.inference.backend.BackendOptions;
import dev.mosaic.inference.backend.cpu.HostMemory;
import dev.mosaic.inference.backend.cpu.CpuBackend;
import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.engine.GenerationResult;
import dev.mosaic.inference.engine.ProfilingBackend;
import dev.mosaic.inference.model.Model;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mosaic bench-decode}: prefill and decode throughput of the engine on one model. Each run
 * submits {@code batch} random prompts of {@code prompt-tokens} tokens together and generates
 * {@code gen-tokens} tokens for each (greedy, no early stop). Prefill rate = prompt tokens of
 * the batch / time until every sequence has its first token; decode rate = later tokens of the
 * batch / the remaining time. A quick number for the command line; JMH's DecodeBench is the
 * careful measurement.
 */
@Command(name = "bench-decode", mixinStandardHelpOptions = true,
        description = "Measure prefill and decode tokens/s (min/median/max over runs).")
final class BenchDecodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    ModelOptions modelOptions;

    @Option(names = "--no-mmap", description = ModelOptions.NO_MMAP)
    boolean noMmap;

    @Option(names = "--threads", paramLabel = "T", description = "CPU threads (default: available processors)")
    Integer threads;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu", description = "compute backend: cpu or cuda (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--device", paramLabel = "D", defaultValue = "0", description = "GPU index for --backend cuda (default: ${DEFAULT-VALUE})")
    int device;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "1", description = "sequences decoded together (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--runs", paramLabel = "R", defaultValue = "3", description = "measured runs after one warm-up run (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--prompt-tokens", paramLabel = "P", defaultValue = "128", description = "prompt length (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "N", defaultValue = "64", description = "tokens generated per sequence (default: ${DEFAULT-VALUE})")
    int genTokens;

    @Option(names = "--activations", paramLabel = "A", defaultValue = "INT8",
            description = "Q8_0/Q4_0/Q4_K/Q6_K matmul activations: INT8 (quantised per 32, like llama.cpp) or FLOAT32 (default: ${DEFAULT-VALUE})")
    CpuBackend.MatmulActivations activations;

    @Option(names = "--engines", paramLabel = "E", defaultValue = "1",
            description = "also run E engines (sharing the model, T threads each) at once, interleaved with single-engine runs,"
                    + " and print their aggregate decode tokens/s and the ratio to one engine (default: ${DEFAULT-VALUE})")
    int engines;

    @Option(names = "--profile", description = "also print where the time goes, per backend operation (measured runs only)")
    boolean profile;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (batch < 1 || runs < 1 || promptTokens < 1 || genTokens < 2) {
            throw new BadInputException("need --batch >= 1, --runs >= 1, --prompt-tokens >= 1 and --gen-tokens >= 2");
        }
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (t < 1) {
            throw new BadInputException("--threads must be >= 1");
        }
        Path scratch = ModelOptions.scratch();
        try (Model model = modelOptions.open(scratch, !noMmap)) {
            if ((long) promptTokens + genTokens > model.config().contextLength()) {
                throw new BadInputException("--prompt-tokens + --gen-tokens (" + ((long) promptTokens + genTokens)
                        + ") exceed the context of " + model.source().getFileName() + " (" + model.config().contextLength() + ")");
            }
            if (device < 0) {
                throw new BadInputException("--device must be >= 0");
            }
            int perStep = (int) Math.max(batch, Math.min((long) batch * promptTokens, 512));
            EngineConfig sized = ModelOptions.backend(backend, BackendOptions.threads(t).withDevice(device)
                            .withSetting("activations", activations.name().toLowerCase(Locale.ROOT)))
                    .withMaxSequences(batch).withMaxBatchTokens(perStep);
            EngineConfig plain = sized.withKvBudgetBytes(kvBytes(model, sized.blockSize()));
            ProfilingBackend[] profiler = new ProfilingBackend[1];
            EngineConfig config = !profile ? plain : plain.withBackend(plain.backendName() + " profiled",
                    () -> profiler[0] = new ProfilingBackend(plain.backend().get()));
            try (Engine engine = ModelOptions.engine(model, config)) {
                out.printf(Locale.ROOT, "model %s: %s, dim %d, %d layers, vocab %d; %s; batch %d, prompt %d, generate %d%n",
                        model.source().getFileName(), model.tensor("blk.0.ffn_up.weight").type(), model.config().dim(),
                        model.config().nLayers(), model.config().vocabSize(), config.backendName(), batch, promptTokens, genTokens);
                out.flush();
                double[] prefill = new double[runs];
                double[] decode = new double[runs];
                SplittableRandom random = new SplittableRandom(7);
                for (int run = -1; run < runs; run++) {
                    if (run == 0 && profiler[0] != null) {
                        profiler[0].reset(); // the warm-up run does not count
                    }
                    double[] rates = runOnce(engine, model.config().vocabSize(), random);
                    if (run >= 0) {
                        prefill[run] = rates[0];
                        decode[run] = rates[1];
                    }
                }
                if (engines > 1) {
                    compareEngines(out, model, config, engine, random);
                }
                print(out, "prefill", prefill);
                print(out, "decode ", decode);
                if (profiler[0] != null) {
                    printProfile(out, profiler[0].snapshot());
                }
                // Batch-1 decode reads every weight once per token: bytes per token / copy bandwidth bounds it.
                double bytesPerStep = engine.weightBytesPerToken();
                double bandwidth = CopyBandwidth.measure(t);
                double boundSteps = bandwidth / 2 / bytesPerStep; // a copy moves each byte twice (read + write)
                double steps = median(decode) / batch;
                out.printf(Locale.ROOT, "weights read per decode step: %.1f MB; copy bandwidth (%d threads): %.1f GB/s read+write%n",
                        bytesPerStep / 1e6, t, bandwidth / 1e9);
                out.printf(Locale.ROOT, "bandwidth bound: %.1f decode steps/s; measured median %.1f steps/s = %.0f%% of the bound%n",
                        boundSteps, steps, 100 * steps / boundSteps);
                out.flush();
            }
        } finally {
            ModelOptions.deleteScratch(scratch);
        }
        return 0;
    }

    /**
     * The KV budget of one engine: every sequence of the batch holds prompt plus generated tokens
     * (one spare block each for the block boundary); refused (exit 2, naming the flags) where the
     * CPU backend's caches of all {@code --engines} would exceed the memory the machine has available.
     */
    private long kvBytes(Model model, int blockSize) {
        var c = model.config();
        long perSequence = ((long) promptTokens + genTokens + blockSize - 1) / blockSize + 1;
        long oneEngine;
        long all;
        try {
            long bytesPerToken = Math.multiplyExact(2L * c.nLayers(), (long) c.kvDim() * Float.BYTES);
            oneEngine = Math.multiplyExact(Math.multiplyExact(perSequence * blockSize, (long) batch), bytesPerToken);
            all = Math.multiplyExact(oneEngine, (long) engines);
        } catch (ArithmeticException e) {
            oneEngine = Long.MAX_VALUE;
            all = Long.MAX_VALUE;
        }
        long available = HostMemory.available();
        if (backend.equalsIgnoreCase("cpu") && available > 0 && all > available) {
            throw new BadInputException(String.format(Locale.ROOT,
                    "--batch %d, --prompt-tokens %d, --gen-tokens %d, --engines %d: the KV caches need %,d MiB, but the machine"
                            + " has %,d MiB of memory available (%,d MiB in all); lower one of them",
                    batch, promptTokens, genTokens, engines, all == Long.MAX_VALUE ? Long.MAX_VALUE >> 20 : all >> 20,
                    available >> 20, HostMemory.total() >> 20));
        }
        return oneEngine;
    }

    /**
     * Interleaved rounds: one engine alone, then {@code engines} engines at once (each its own
     * batch); prints both decode rates (aggregate: all decoded tokens / span from the first engine's
     * last first token to the last finish) and their ratio, min/median/max; then the ratio of the
     * sum of each engine's own rate (its tokens / its own span) to one engine's rate, which is how
     * separate processes (two llama-bench runs) are compared, so the two can be set side by side.
     */
    private void compareEngines(PrintWriter out, Model model, EngineConfig config, Engine first, SplittableRandom random) {
        List<Engine> all = new ArrayList<>(List.of(first));
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int e = 1; e < engines; e++) {
                all.add(ModelOptions.engine(model, config));
            }
            double[] solo = new double[runs];
            double[] together = new double[runs];
            double[] ratio = new double[runs];
            double[] sumRatio = new double[runs];
            for (int run = -1; run < runs; run++) {
                double alone = runOnce(first, model.config().vocabSize(), random)[1];
                List<java.util.concurrent.CompletableFuture<long[]>> spans = new ArrayList<>();
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                for (Engine e : all) {
                    SplittableRandom r = random.split();
                    spans.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                        return decodeSpan(e, model.config().vocabSize(), r);
                    }, executor));
                }
                go.countDown();
                long firstToken = Long.MAX_VALUE;
                long end = 0;
                long decoded = 0;
                double rates = 0;
                for (var f : spans) {
                    long[] s = f.join();
                    firstToken = Math.min(firstToken, s[0]);
                    end = Math.max(end, s[1]);
                    decoded += s[2];
                    rates += s[2] / ((s[1] - s[0]) / 1e9);
                }
                if (run >= 0) {
                    solo[run] = alone;
                    together[run] = decoded / ((end - firstToken) / 1e9);
                    ratio[run] = together[run] / alone;
                    sumRatio[run] = rates / alone;
                }
            }
            print(out, "decode, 1 engine ", solo);
            print(out, "decode, " + engines + " engines", together);
            double[] s = ratio.clone();
            Arrays.sort(s);
            out.printf(Locale.ROOT, "%d engines / 1 engine decode ratio: min %.2f  median %.2f  max %.2f  (%d runs)%n", engines,
                    s[0], median(s), s[s.length - 1], s.length);
            double[] u = sumRatio.clone();
            Arrays.sort(u);
            out.printf(Locale.ROOT, "%d engines / 1 engine decode ratio (sum of per-engine rates): min %.2f  median %.2f  max %.2f  (%d runs)%n",
                    engines, u[0], median(u), u[u.length - 1], u.length);
        } finally {
            for (Engine e : all.subList(1, all.size())) {
                e.close();
            }
        }
    }

    /** One batch on {@code engine}: {last first-token time, last finish time, decoded tokens}. */
    private long[] decodeSpan(Engine engine, int vocab, SplittableRandom random) {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int[] prompt = new int[promptTokens];
            for (int i = 0; i < promptTokens; i++) {
                prompt[i] = random.nextInt(vocab);
            }
            requests.add(GenerationRequest.ofTokens(prompt).withMaxTokens(genTokens).withStopAtEos(false));
        }
        long firstAll = 0;
        long end = 0;
        long decoded = 0;
        for (GenerationResult r : engine.generateAll(requests)) {
            firstAll = Math.max(firstAll, r.firstTokenNanos());
            end = Math.max(end, r.finishedNanos());
            decoded += r.generatedTokens() - 1;
            r.close();
        }
        return new long[] {firstAll, end, decoded};
    }

    /** One batch: returns {prefill tokens/s, decode tokens/s}. */
    private double[] runOnce(Engine engine, int vocab, SplittableRandom random) {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int[] prompt = new int[promptTokens];
            for (int i = 0; i < promptTokens; i++) {
                prompt[i] = random.nextInt(vocab);
            }
            requests.add(GenerationRequest.ofTokens(prompt).withMaxTokens(genTokens).withStopAtEos(false));
        }
        long start = System.nanoTime();
        List<GenerationResult> results = engine.generateAll(requests);
        long firstAll = 0;
        long end = 0;
        long decoded = 0;
        for (GenerationResult r : results) {
            firstAll = Math.max(firstAll, r.firstTokenNanos());
            end = Math.max(end, r.finishedNanos());
            decoded += r.generatedTokens() - 1;
            r.close();
        }
        double prefillRate = (double) batch * promptTokens / ((firstAll - start) / 1e9);
        double decodeRate = decoded / ((end - firstAll) / 1e9);
        return new double[] {prefillRate, decodeRate};
    }

    private static void printProfile(PrintWriter out, List<ProfilingBackend.OpTime> ops) {
        long total = 0;
        for (ProfilingBackend.OpTime op : ops) {
            total += op.nanos();
        }
        out.printf(Locale.ROOT, "%-28s %9s %10s %7s %10s%n", "backend operation", "calls", "total ms", "share", "us/call");
        for (ProfilingBackend.OpTime op : ops) {
            out.printf(Locale.ROOT, "%-28s %9d %10.1f %6.1f%% %10.1f%n", op.op(), op.calls(), op.nanos() / 1e6,
                    100.0 * op.nanos() / total, op.nanos() / 1e3 / op.calls());
        }
    }

    private static void print(PrintWriter out, String what, double[] rates) {
        double[] s = rates.clone();
        Arrays.sort(s);
        out.printf(Locale.ROOT, "%s tokens/s: min %.1f  median %.1f  max %.1f  (%d runs)%n", what, s[0], median(s), s[s.length - 1], s.length);
    }

    private static double median(double[] rates) {
        double[] s = rates.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
