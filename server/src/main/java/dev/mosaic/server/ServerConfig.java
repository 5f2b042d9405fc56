package dev.mosaic.server;

import java.time.Duration;

/**
 * How {@link MosaicServer} serves: where it listens, what it admits and how each model's
 * engine is built. Immutable.
 *
 * @param host address to bind; loopback unless the user asks otherwise
 * @param port TCP port; 0 picks a free one ({@link MosaicServer#port()} tells which)
 * @param apiKey when not {@code null}, {@code /v1/*} and {@code /models/*} need {@code Authorization: Bearer <apiKey>}
 * @param threads CPU threads of each model's engine
 * @param kvBudgetBytes KV cache bytes of each model's engine
 * @param maxQueue requests per model that may wait for KV space; one more is refused with 429
 * @param maxBodyBytes largest request body accepted; larger ones get 413
 * @param memoryBudgetBytes weights plus KV caches of all loaded models may not exceed this
 * @param drainTimeout how long shutdown waits for in-flight requests before cancelling them
 */
public record ServerConfig(String host, int port, String apiKey, int threads, long kvBudgetBytes, int maxQueue, long maxBodyBytes,
                           long memoryBudgetBytes, Duration drainTimeout) {

    /** 1 MiB: chat requests with long contexts fit, a runaway client does not. */
    public static final long DEFAULT_MAX_BODY_BYTES = 1L << 20;

    public ServerConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must be given");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("api key must not be blank");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (kvBudgetBytes < 1) {
            throw new IllegalArgumentException("KV budget must be positive, got " + kvBudgetBytes);
        }
        if (maxQueue < 0) {
            throw new IllegalArgumentException("queue limit must be >= 0, got " + maxQueue);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("body limit must be >= 1024 bytes, got " + maxBodyBytes);
        }
        if (memoryBudgetBytes < 1) {
            throw new IllegalArgumentException("memory budget must be positive, got " + memoryBudgetBytes);
        }
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drain timeout must be >= 0");
        }
    }

    /** Loopback, port 8080, no key, 1 thread, 256 MiB of KV per model, 64 waiting, 1 MiB bodies, physical memory, 30 s drain. */
    public static ServerConfig defaults() {
        long physical = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return new ServerConfig("127.0.0.1", 8080, null, 1, 256L << 20, 64, DEFAULT_MAX_BODY_BYTES, physical, Duration.ofSeconds(30));
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(h, port, apiKey, threads, kvBudgetBytes, maxQueue, maxBodyBytes, memoryBudgetBytes, drainTimeout);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, apiKey, threads, kvBudgetBytes, maxQueue, maxBodyBytes, memoryBudgetBytes, drainTimeout);
    }

    public ServerConfig withApiKey(String k) {
        return new ServerConfig(host, port, k, threads, kvBudgetBytes, maxQueue, maxBodyBytes, memoryBudgetBytes, drainTimeout);
    }

    public ServerConfig withThreads(int t) {
        return new ServerConfig(host, port, apiKey, t, kvBudgetBytes, maxQueue, maxBodyBytes, memoryBudgetBytes, drainTimeout);
    }

    public ServerConfig withKvBudgetBytes(long b) {
        return new ServerConfig(host, port, apiKey, threads, b, maxQueue, maxBodyBytes, memoryBudgetBytes, drainTimeout);
    }

    public ServerConfig withMaxQueue(int q) {
        return new ServerConfig(host, port, apiKey, threads, kvBudgetBytes, q, maxBodyBytes, memoryBudgetBytes, drainTimeout);
    }

    public ServerConfig withMaxBodyBytes(long b) {
        return new ServerConfig(host, port, apiKey, threads, kvBudgetBytes, maxQueue, b, memoryBudgetBytes, drainTimeout);
    }

    public ServerConfig withMemoryBudgetBytes(long b) {
        return new ServerConfig(host, port, apiKey, threads, kvBudgetBytes, maxQueue, maxBodyBytes, b, drainTimeout);
    }

    public ServerConfig withDrainTimeout(Duration d) {
        return new ServerConfig(host, port, apiKey, threads, kvBudgetBytes, maxQueue, maxBodyBytes, memoryBudgetBytes, d);
    }
}
