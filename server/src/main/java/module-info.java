/**
 * MOSAIC's OpenAI-compatible HTTP server over the engine ({@link dev.mosaic.server.MosaicServer}),
 * a module of its own so that users who link the engine pull no web server. Needs
 * {@code --enable-native-access=dev.mosaic.bindings,dev.mosaic.inference}.
 */
module dev.mosaic.server {
    requires transitive dev.mosaic.inference;
    requires com.fasterxml.jackson.databind;
    requires io.helidon.webserver;
    requires io.helidon.http;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.writer.text;
    requires java.logging;
    requires java.management;
    requires jdk.management;

    exports dev.mosaic.server;

    // Jackson binds request and response bodies to this package's types.
    opens dev.mosaic.server to com.fasterxml.jackson.databind;
}
