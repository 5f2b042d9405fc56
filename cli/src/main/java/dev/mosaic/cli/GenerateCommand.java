package dev.mosaic.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mosaic.inference.backend.BackendOptions;
import dev.mosaic.inference.backend.cpu.HostMemory;
import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.engine.GenerationResult;
import dev.mosaic.inference.engine.SamplingParams;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.tokenizer.Tokenizer;
import dev.mosaic.inference.tokenizer.Tokenizers;
import dev.mosaic.inference.tokenizer.ChatMessage;
import dev.mosaic.inference.tokenizer.ChatTemplate;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mosaic generate}: one prompt through the engine, streamed to stdout or printed as JSON. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt with a GGUF or safetensors model (CPU by default, or --backend cuda).")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    ModelOptions modelOptions;

    @Option(names = "--no-mmap", description = ModelOptions.NO_MMAP)
    boolean noMmap;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "prompt text (BOS is prepended when the tokenizer has one)")
        String text;

        @Option(names = "--prompt-tokens", paramLabel = "IDS", split = ",", description = "prompt as comma-separated token ids, fed as they are")
        int[] tokens;
    }

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128", description = "most tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--greedy", description = "always pick the most likely token")
    boolean greedy;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8", description = "sampling temperature; 0 means greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "sample among the K most likely tokens; 0 = all (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "nucleus sampling threshold (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: random; printed with --json)")
    Long seed;

    @Option(names = "--threads", paramLabel = "T", description = "CPU threads (default: available processors)")
    Integer threads;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu", description = "compute backend: cpu or cuda (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--device", paramLabel = "D", defaultValue = "0", description = "GPU index for --backend cuda (default: ${DEFAULT-VALUE})")
    int device;

        @Option(names = "--stop", paramLabel = "STR",
            description = "stop when the text contains STR (repeatable; escapes \\n \\t \\r \\\\ \\uXXXX, e.g. \"\\n\\n\")")
    List<String> stops = new ArrayList<>();

    @Option(names = "--chat", description = "wrap the prompt as a user message in the model's chat template")
    boolean chat;

    @Option(names = "--json", description = "print generated token ids, logprobs and text as JSON instead of streaming")
    boolean json;

    @Option(names = "--kv-mib", paramLabel = "MIB", defaultValue = "256", description = "KV cache budget in MiB (default: ${DEFAULT-VALUE})")
    long kvMib;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long usedSeed = seed != null ? seed : System.nanoTime();
        SamplingParams sampling;
        try {
            sampling = greedy || temperature == 0 ? SamplingParams.greedyDecoding()
                    : new SamplingParams(false, temperature, topK, topP, usedSeed);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        if (maxTokens < 1) {
            throw new BadInputException("--max-tokens must be >= 1");
        }
        if (kvMib < 1 || kvMib > (1L << 30)) {
            throw new BadInputException("--kv-mib must be between 1 and 2^30");
        }
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (t < 1) {
            throw new BadInputException("--threads must be >= 1");
        }
        if (device < 0) {
            throw new BadInputException("--device must be >= 0");
        }
        EngineConfig config = ModelOptions.backend(backend, BackendOptions.threads(t).withDevice(device));
        Path scratch = ModelOptions.scratch();
        try (Model model = modelOptions.open(scratch, !noMmap)) {
            Tokenizer tokenizer;
            try {
                tokenizer = Tokenizers.forModel(model);
            } catch (dev.mosaic.inference.model.ModelFormatException e) {
                throw new BadInputException(e.getMessage(), e);
            }
            GenerationRequest base = request(tokenizer, model);
            long kvBytes = kvBytes(model.config(), config, promptTokensAtMost(tokenizer, base), backend);
            try (Engine engine = ModelOptions.engine(model, config.withKvBudgetBytes(kvBytes).withMaxSequences(1), tokenizer)) {
                run(out, engine, base, sampling, usedSeed);
            }
        } finally {
            ModelOptions.deleteScratch(scratch);
        }
        return 0;
    }

    /**
     * The KV budget to allocate: {@code --kv-mib}, but never more than this one request can use
     * (prompt plus {@code --max-tokens}, within the context), so that a file claiming an absurd
     * context cannot size the allocation; refused (exit 2) where the CPU backend would hold more
     * than the machine's available memory.
     */
    private long kvBytes(ModelConfig c, EngineConfig engineConfig, long promptTokens, String backendName) {
        long tokens = Math.min((long) c.contextLength(), promptTokens + maxTokens);
        int block = engineConfig.blockSize();
        long blocks = (tokens + block - 1) / block + 1;
        // the CPU backend stores K and V as F32; others store as much or less per token
        long bytesPerToken = 2L * c.nLayers() * c.nKvHeads() * c.headDim() * Float.BYTES;
        long needed = Math.multiplyHigh(blocks * block, bytesPerToken) != 0 ? Long.MAX_VALUE : blocks * block * bytesPerToken;
        long budget = Math.min(kvMib << 20, needed);
        if (backendName.equalsIgnoreCase("cpu")) {
            long available = HostMemory.available();
            if (available > 0 && budget > available) {
                throw new BadInputException(String.format(Locale.ROOT,
                        "--kv-mib %d: this request's KV cache needs %,d MiB (%,d tokens of up to %,d), but the machine has %,d MiB"
                                + " of memory available (%,d MiB in all); lower --kv-mib or --max-tokens",
                        kvMib, budget >> 20, tokens, (long) c.contextLength(), available >> 20, HostMemory.total() >> 20));
            }
        }
        return Math.max(budget, 1);
    }

    /** An upper bound on the prompt's length in tokens (exact for token ids; text encoded once here, plus BOS). */
    private static long promptTokensAtMost(Tokenizer tokenizer, GenerationRequest r) {
        if (r.promptTokens() != null) {
            return r.promptTokens().length;
        }
        return tokenizer.encode(r.promptText(), r.parseSpecial()).length + 1L;
    }

    private void run(PrintWriter out, Engine engine, GenerationRequest base, SamplingParams sampling, long usedSeed) throws Exception {
        {
            GenerationRequest request = base.withMaxTokens(maxTokens).withSampling(sampling).withStopStrings(
                    stops.stream().map(x -> Escapes.unescape(x, "--stop")).toList());
            if (!json) {
                request = request.withListener((token, logprob, text) -> {
                    out.print(text);
                    out.flush();
                });
            }
            try (GenerationResult r = join(engine, request)) {
                if (json) {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("prompt_tokens", r.promptTokens());
                    doc.put("tokens", r.tokenIds());
                    doc.put("logprobs", r.logprobs());
                    doc.put("text", r.text());
                    doc.put("finish_reason", r.finishReason().name().toLowerCase(Locale.ROOT));
                    doc.put("seed", sampling.greedy() ? null : usedSeed);
                    out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
                } else {
                    out.println();
                    double prefill = (r.firstTokenNanos() - r.admittedNanos()) / 1e9;
                    double decode = (r.finishedNanos() - r.firstTokenNanos()) / 1e9;
                    spec.commandLine().getErr().printf(Locale.ROOT,
                            "[%d prompt tokens in %.2f s, %d generated in %.2f s (%.1f tokens/s), %s]%n", r.promptTokens(), prefill,
                            r.generatedTokens(), decode, r.generatedTokens() > 1 ? (r.generatedTokens() - 1) / decode : 0.0,
                            r.finishReason().name().toLowerCase(Locale.ROOT));
                    spec.commandLine().getErr().flush();
                }
                out.flush();
            }
        }
    }

    private GenerationRequest request(Tokenizer tokenizer, Model model) {
        if (prompt.tokens != null) {
            if (prompt.tokens.length == 0) {
                throw new BadInputException("--prompt-tokens: no token ids given");
            }
            if (chat) {
                throw new BadInputException("--chat needs a text --prompt");
            }
            return GenerationRequest.ofTokens(prompt.tokens);
        }
        if (!chat) {
            return GenerationRequest.ofText(prompt.text);
        }
        ChatTemplate template = tokenizer.chatTemplate().orElseThrow(
                () -> new BadInputException(model.source() + ": the model has no chat template we support (Llama 3 or ChatML)"));
        String rendered = template.render(List.of(new ChatMessage("user", prompt.text)), true);
        // The rendered template spells out its own special tokens (BOS included, where the style has one).
        return GenerationRequest.ofText(rendered).withAddBos(false).withParseSpecial(true);
    }

    private static GenerationResult join(Engine engine, GenerationRequest request) {
        try {
            return engine.submit(request).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw new BadInputException(iae.getMessage(), iae);
            }
            if (e.getCause() instanceof dev.mosaic.inference.model.ModelFormatException m) {
                throw new BadInputException(m.getMessage(), m); // e.g. the mapped file changed in place
            }
            throw e;
        }
    }
}
