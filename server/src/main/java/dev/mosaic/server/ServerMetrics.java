package dev.mosaic.server;

import dev.mosaic.inference.engine.EngineStats;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * The server's Prometheus metrics: per model, requests running and waiting and KV blocks used and
 * in all (read from the engines at scrape time), prompt and generated tokens, time to first token,
 * inter-token latency and request latency histograms, finished and refused requests.
 * Thread-safe (the Prometheus client's metrics are).
 */
final class ServerMetrics {
    private static final double[] LATENCY_BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0,
            2.5, 5.0, 7.5, 10.0, 30.0, 60.0};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    final Counter promptTokens;
    final Counter generationTokens;
    final Histogram timeToFirstToken;
    final Histogram interTokenLatency;
    final Histogram requestLatency;
    final Counter requests;
    final Counter rejected;

    ServerMetrics(Supplier<java.util.List<ServedModel>> models) {
        GaugeWithCallback.builder().name("mosaic_requests_running").help("Requests holding KV blocks in the engine")
                .labelNames("model").callback(cb -> models.get().forEach(m -> cb.call(m.engine().stats().running(), m.name())))
                .register(registry);
        GaugeWithCallback.builder().name("mosaic_requests_waiting").help("Requests waiting for KV cache space")
                .labelNames("model").callback(cb -> models.get().forEach(m -> cb.call(m.waiting(), m.name())))
                .register(registry);
        GaugeWithCallback.builder().name("mosaic_kv_blocks_used").help("KV cache blocks held by sequences")
                .labelNames("model").callback(cb -> models.get().forEach(m -> cb.call(m.engine().stats().kvBlocksUsed(), m.name())))
                .register(registry);
        GaugeWithCallback.builder().name("mosaic_kv_blocks_total").help("KV cache blocks in all")
                .labelNames("model").callback(cb -> models.get().forEach(m -> {
                    EngineStats s = m.engine().stats();
                    cb.call(s.kvBlocksTotal(), m.name());
                })).register(registry);
        promptTokens = Counter.builder().name("mosaic_prompt_tokens_total").help("Prompt tokens of finished requests")
                .labelNames("model").register(registry);
        generationTokens = Counter.builder().name("mosaic_generation_tokens_total").help("Tokens generated")
                .labelNames("model").register(registry);
        timeToFirstToken = Histogram.builder().name("mosaic_time_to_first_token_seconds")
                .help("From submission to the first generated token").labelNames("model").classicUpperBounds(LATENCY_BOUNDS)
                .classicOnly().register(registry);
        interTokenLatency = Histogram.builder().name("mosaic_inter_token_latency_seconds")
                .help("Between two successive generated tokens of one request").labelNames("model")
                .classicUpperBounds(LATENCY_BOUNDS).classicOnly().register(registry);
        requestLatency = Histogram.builder().name("mosaic_request_latency_seconds")
                .help("From submission to the last token").labelNames("model").classicUpperBounds(LATENCY_BOUNDS).classicOnly()
                .register(registry);
        requests = Counter.builder().name("mosaic_requests_total").help("Finished requests by finish reason")
                .labelNames("model", "finish_reason").register(registry);
        rejected = Counter.builder().name("mosaic_requests_rejected_total")
                .help("Requests refused (bad input, queue full, unavailable) by HTTP status").labelNames("status")
                .register(registry);
    }

    String contentType() {
        return writer.getContentType();
    }

    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
