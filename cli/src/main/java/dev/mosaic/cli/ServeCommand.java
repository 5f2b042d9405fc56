package dev.mosaic.cli;

import dev.mosaic.server.MosaicServer;
import dev.mosaic.server.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mosaic serve}: the engine behind an OpenAI-compatible HTTP API on loopback by default,
 * until SIGTERM/SIGINT, which drains the requests in flight. Not thread-safe.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve models over an OpenAI-compatible HTTP API (loopback by default; SIGTERM drains, then exits).")
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "[NAME=]M",
            description = "a model to serve, under NAME (default: the file name without extension); repeatable")
    List<String> models;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "port, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "T", description = "kernel threads per model (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--kv-budget", defaultValue = "256", paramLabel = "MIB", description = "KV cache MiB per model (default: ${DEFAULT-VALUE})")
    long kvMib;

    @Option(names = "--max-queue", defaultValue = "64", paramLabel = "N",
            description = "requests that may wait for KV space per model before 429 (default: ${DEFAULT-VALUE})")
    int maxQueue;

    @Option(names = "--api-key", paramLabel = "KEY", description = "require 'Authorization: Bearer KEY'")
    String apiKey;

    @Override
    public Integer call() throws Exception {
        Map<String, Path> named;
        ServerConfig config;
        try {
            named = MosaicServer.parseModels(models);
            config = ServerConfig.defaults().withHost(host).withPort(port).withThreads(threads).withKvBudgetBytes(kvMib << 20)
                    .withMaxQueue(maxQueue).withApiKey(apiKey);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        for (var e : named.entrySet()) {
            if (!Files.exists(e.getValue())) {
                throw new BadInputException("--model " + e.getKey() + "=" + e.getValue() + ": no such file or directory");
            }
        }
        MosaicServer server;
        try {
            server = MosaicServer.start(config, named);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        server.installShutdownHook();
        PrintWriter err = spec.commandLine().getErr();
        err.println("mosaic serve: listening on http://" + host + ":" + server.port() + "/v1 (models: "
                + String.join(", ", server.models()) + "); Ctrl-C or SIGTERM drains and exits");
        err.flush();
        server.awaitShutdown();
        return 0;
    }
}
