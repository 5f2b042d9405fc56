/**
 * The {@code mosaic} command line ({@link dev.mosaic.cli.Mosaic}). Needs
 * {@code --enable-native-access=dev.mosaic.bindings,dev.mosaic.inference}.
 */
module dev.mosaic.cli {
    requires dev.mosaic.scheduler;
    requires dev.mosaic.inference;
    requires dev.mosaic.moa;
    requires dev.mosaic.server;
    requires info.picocli;
    requires jdk.management; // physical memory, to refuse a KV cache the machine cannot hold

    exports dev.mosaic.cli;

    // picocli fills @Option / @Mixin fields and calls commands by reflection.
    opens dev.mosaic.cli to info.picocli;
}
