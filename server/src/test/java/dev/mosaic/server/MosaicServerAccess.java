package dev.mosaic.server;

/** Test access to a running server's models (package-private state). */
final class MosaicServerAccess {
    private MosaicServerAccess() {}

    static ServedModel model(MosaicServer s, String name) {
        return s.registry().find(name).orElseThrow();
    }
}
