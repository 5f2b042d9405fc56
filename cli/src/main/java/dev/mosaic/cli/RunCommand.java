package dev.mosaic.cli;

import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.moa.config.MoaConfig;
import dev.mosaic.moa.config.MoaConfigIo;
import dev.mosaic.moa.config.MoaInputException;
import dev.mosaic.moa.config.PromptsIo;
import dev.mosaic.moa.config.RunPrompt;
import dev.mosaic.moa.profile.ProfileCache;
import dev.mosaic.moa.run.MoaRun;
import dev.mosaic.scheduler.Planners;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

/**
 * {@code mosaic run}: a Mixture-of-Agents over real engines from {@code moa.json} and
 * {@code prompts.jsonl}. Ctrl-C stops cleanly and keeps every finished answer. Not thread-safe.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a MoA on real engines: profile, plan, execute, score agreement, bypass or aggregate, report.")
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "MOA_JSON", description = "the MoA configuration (moa.json)")
    Path config;

    @Option(names = "--prompts", required = true, paramLabel = "JSONL", description = "prompts, one JSON object per line")
    Path prompts;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory")
    Path out;

    @Option(names = "--method", defaultValue = "ilp", paramLabel = "M",
            description = "planning method: ilp, greedy or round-robin (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--resume", description = "skip the prompt ids already in DIR/answers.jsonl")
    boolean resume;

    @Option(names = "--no-steal", description = "no work stealing between replicas of the same expert")
    boolean noSteal;

    @Option(names = "--overlap", description = "release each aggregation as soon as its prompt is scored, on a worker whose "
            + "own expert work is done, instead of after the whole expert stage")
    boolean overlap;

    @Option(names = "--profile-alone", description = "profile each model with no other engine busy (default: beside as many "
            + "busy engines of the worker's shape as the config has other cpu workers, as its jobs will run)")
    boolean profileAlone;

    @Option(names = "--host-probe", description = "before planning, time the fixed probe workload every profile also timed, "
            + "and scale each profile by how much slower or faster the host runs now than when it was profiled (for profiles "
            + "cached long before; default: the profiles as measured or cached)")
    boolean hostProbe;

    @Option(names = "--profile-cache", paramLabel = "DIR", description = "profile cache (default: <cache dir>/profiles)")
    Path profileCache;

    @Override
    public Integer call() throws Exception {
        if (!Planners.exists(method)) {
            throw new BadInputException("--method: unknown planning method '" + method + "'; known: "
                    + String.join(", ", Planners.methods()));
        }
        MoaConfig cfg;
        List<RunPrompt> ps;
        try {
            cfg = MoaConfigIo.read(config);
            ps = PromptsIo.read(prompts, cfg);
        } catch (MoaInputException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        MoaRun.Options options = MoaRun.Options.defaults().withMethod(method).withResume(resume).withStealing(!noSteal)
                .withOverlap(overlap).withContendedProfiles(!profileAlone).withHostProbe(hostProbe)
                .withProfileCache(profileCache != null ? new ProfileCache(profileCache) : ProfileCache.standard())
                .withProgress(line -> {
                    spec.commandLine().getErr().println(line);
                    spec.commandLine().getErr().flush();
                });
        MoaRun run = new MoaRun(cfg, ps, out, options);
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            run.cancel();
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "mosaic-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        MoaRun.Outcome o;
        try {
            o = run.run();
        } catch (MoaInputException | ModelFormatException e) {
            throw new BadInputException(e.getMessage(), e);
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).contains("does not fit") || String.valueOf(e.getMessage()).contains("but the largest worker")) {
                throw new BadInputException(e.getMessage(), e);
            }
            throw e;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running and waits for us
            }
        }
        TextTable t = new TextTable("stage", "measured s", "predicted s");
        t.row("expert", f(o.expertMeasuredSeconds()), f(o.expertPredictedSeconds()));
        t.row("aggregator", f(o.aggregatorMeasuredSeconds()), f(o.aggregatorPredictedSeconds()));
        t.row("end to end", f(o.expertMeasuredSeconds() + o.aggregatorMeasuredSeconds()),
                f(o.expertPredictedSeconds() + o.aggregatorPredictedSeconds()));
        spec.commandLine().getOut().print(t.render());
        spec.commandLine().getOut().printf(Locale.ROOT, "%d of %d prompts answered (%d bypassed)%s; %s%n", o.answered(), o.prompts(), o.bypassed(),
                o.interrupted() ? ", interrupted: rerun with --resume" : "", out);
        spec.commandLine().getOut().flush();
        return o.interrupted() ? 130 : 0;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
