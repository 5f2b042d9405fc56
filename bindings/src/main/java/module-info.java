/**
 * FFM bindings: the safe HiGHS wrapper ({@code dev.mosaic.bindings.highs}) and the one place that
 * loads native libraries ({@link dev.mosaic.bindings.NativeLibraries}). Raw jextract-style
 * classes are not exported: {@code highs.internal} to nobody, libmosaic's {@code mosaic_h} only to
 * the modules that wrap it. Needs {@code --enable-native-access=dev.mosaic.bindings}.
 */
module dev.mosaic.bindings {
    requires transitive dev.mosaic.common;

    exports dev.mosaic.bindings;
    exports dev.mosaic.bindings.highs;
    exports dev.mosaic.bindings.cuda; // the safe layer; its raw binding is package-private
    exports dev.mosaic.bindings.mosaic to dev.mosaic.inference, dev.mosaic.cli;
}
