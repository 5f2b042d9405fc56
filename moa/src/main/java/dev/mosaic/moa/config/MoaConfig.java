package dev.mosaic.moa.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A MoA deployment as {@code moa.json} describes it: experts and the aggregator (model files and
 * output caps), the workers they may run on, how prompts are routed to experts, and how
 * agreement is scored. Immutable; build it with {@link MoaConfigIo#read}.
 *
 * @param experts the expert models, in the order their ids are listed
 * @param aggregator the aggregator model
 * @param workers the compute places
 * @param routing experts per prompt: a default list and optional lists per category
 * @param agreement answer extractor and agreement rule
 * @param source the file this configuration was read from (models are resolved against its folder)
 */
public record MoaConfig(List<ModelSpec> experts, ModelSpec aggregator, List<WorkerSpec> workers, Routing routing,
                        Agreement agreement, Path source) {

    public MoaConfig {
        experts = List.copyOf(experts);
        workers = List.copyOf(workers);
    }

    /**
     * One model role.
     *
     * <p>Immutable; thread-safe.
     *
     * @param id the id prompts and plans refer to
     * @param model the model file (GGUF) or safetensors directory, absolute
     * @param maxTokens output cap per job (prompts may lower or raise it per expert)
     */
    public record ModelSpec(String id, Path model, int maxTokens) {}

    /**
     * One compute place.
     *
     * <p>Immutable; thread-safe.
     *
     * @param kind {@code cpu} (this process, its own thread group) or {@code openai} (a server
     *             speaking the OpenAI-compatible HTTP API: vLLM, SGLang, llama.cpp server, mosaic serve)
     * @param threads kernel threads of every engine on this worker (cpu)
     * @param memoryGiB memory the worker may give to replicas (weights + KV cache)
     * @param kvBudgetBytes KV cache bytes per replica on this worker (cpu)
     * @param remote the server of an {@code openai} worker, null for {@code cpu}
     */
    public record WorkerSpec(String id, String kind, int threads, double memoryGiB, long kvBudgetBytes, Remote remote) {
        public WorkerSpec(String id, String kind, int threads, double memoryGiB, long kvBudgetBytes) {
            this(id, kind, threads, memoryGiB, kvBudgetBytes, null);
        }
    }

    /**
     * An {@code openai} worker's server.
     *
     * <p>Immutable (the map is copied); thread-safe.
     *
     * @param baseUrl the API root, ending in {@code /v1}
     * @param apiKey sent as {@code Authorization: Bearer}, or null
     * @param serves expert id to the model name on that server: a fixed placement (already loaded)
     * @param manage whether the planner may place other experts there ({@code POST /models/load}
     *               and {@code /models/unload}, as llama.cpp's router mode and mosaic serve do)
     * @param concurrency requests this worker runs at once per replica
     * @param timeoutSeconds limit of one request (connect to last byte)
     * @param retries attempts after the first for connection errors, 429 and 5xx
     */
    public record Remote(String baseUrl, String apiKey, Map<String, String> serves, boolean manage, int concurrency,
                         double timeoutSeconds, int retries) {
        public Remote {
            serves = Map.copyOf(serves);
        }
    }

    /**
     * Experts of a prompt without its own list: by category when one matches, else the default. Immutable (the list
     * and map are copied); thread-safe.
     */
    public record Routing(List<String> defaultExperts, Map<String, List<String>> byCategory) {
        public Routing {
            defaultExperts = List.copyOf(defaultExperts);
            byCategory = Map.copyOf(byCategory);
        }

        public List<String> expertsFor(String category) {
            if (category != null) {
                List<String> l = byCategory.get(category);
                if (l != null) {
                    return l;
                }
            }
            return defaultExperts;
        }
    }

    /**
     * <p>Immutable; thread-safe.
     *
     * @param extractor extractor spec ({@code choice}, {@code number}, {@code boxed}, {@code lastline}, {@code regex:...})
     * @param rule agreement rule spec ({@code unanimity}, {@code plurality:0.67}, {@code beta:0.9}, {@code weighted:0.6})
     * @param calibrate choose the rule's threshold on labelled prompts instead of using the given one
     * @param budget accuracy-loss budget of calibration (fraction: 0.001 = 0.1 pp)
     * @param confidence confidence with which calibration keeps the budget
     * @param calibrationFraction share of labelled prompts used for calibration
     */
    public record Agreement(String extractor, String rule, boolean calibrate, double budget, double confidence,
                            double calibrationFraction) {}

    /** The expert with this id, or null. */
    public ModelSpec expert(String id) {
        for (ModelSpec e : experts) {
            if (e.id().equals(id)) {
                return e;
            }
        }
        return null;
    }
}
