/**
 * The MOSAIC planner (problem and plan model, ILP and baseline planners, evaluator), simulator
 * and report. Plans with HiGHS through {@code dev.mosaic.bindings}; needs
 * {@code --enable-native-access=dev.mosaic.bindings}.
 */
module dev.mosaic.scheduler {
    requires transitive dev.mosaic.bindings;
    requires dev.mosaic.highs.natives;
    requires transitive com.fasterxml.jackson.databind;

    exports dev.mosaic.scheduler;
    exports dev.mosaic.scheduler.aggregation;
    exports dev.mosaic.scheduler.baseline;
    exports dev.mosaic.scheduler.execution;
    exports dev.mosaic.scheduler.gen;
    exports dev.mosaic.scheduler.ilp;
    exports dev.mosaic.scheduler.io;
    exports dev.mosaic.scheduler.pipeline;
    exports dev.mosaic.scheduler.plan;
    exports dev.mosaic.scheduler.problem;
    exports dev.mosaic.scheduler.report;
    exports dev.mosaic.scheduler.sim;
    exports dev.mosaic.scheduler.workload;

    // Jackson binds the JSON formats (problem, plan, workload, report summaries) by reflection.
    opens dev.mosaic.scheduler.aggregation to com.fasterxml.jackson.databind;
    opens dev.mosaic.scheduler.execution to com.fasterxml.jackson.databind;
    opens dev.mosaic.scheduler.gen to com.fasterxml.jackson.databind;
    opens dev.mosaic.scheduler.pipeline to com.fasterxml.jackson.databind;
    opens dev.mosaic.scheduler.plan to com.fasterxml.jackson.databind;
    opens dev.mosaic.scheduler.problem to com.fasterxml.jackson.databind;
    opens dev.mosaic.scheduler.report to com.fasterxml.jackson.databind;
    opens dev.mosaic.scheduler.sim to com.fasterxml.jackson.databind;
    opens dev.mosaic.scheduler.workload to com.fasterxml.jackson.databind;
}
