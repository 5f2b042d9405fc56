/**
 * The MoA runtime: the two-stage pipeline on real workers (profiler, plan executor, answer
 * extraction, agreement scoring, bypass, aggregator). Needs
 * {@code --enable-native-access=dev.mosaic.bindings,dev.mosaic.inference}.
 */
module dev.mosaic.moa {
    requires transitive dev.mosaic.scheduler;
    requires transitive dev.mosaic.inference;
    requires transitive com.fasterxml.jackson.databind;
    requires java.net.http;

    // Export each package once it has classes (javac rejects exporting an empty package);
    // packages whose types Jackson binds also need: opens <package> to com.fasterxml.jackson.databind;
    exports dev.mosaic.moa.config;
    exports dev.mosaic.moa.worker;
    exports dev.mosaic.moa.extract;
    exports dev.mosaic.moa.agreement;
    exports dev.mosaic.moa.exec;
    exports dev.mosaic.moa.run;
    exports dev.mosaic.moa.profile;
    exports dev.mosaic.moa.remote;
    opens dev.mosaic.moa.profile to com.fasterxml.jackson.databind;
}
