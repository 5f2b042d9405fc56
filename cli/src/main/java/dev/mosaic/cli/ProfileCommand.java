package dev.mosaic.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mosaic.common.AtomicFiles;
import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.moa.config.MoaInputException;
import dev.mosaic.moa.config.PromptsIo;
import dev.mosaic.moa.config.RunPrompt;
import dev.mosaic.moa.profile.HostProbe;
import dev.mosaic.moa.profile.ModelProfile;
import dev.mosaic.moa.profile.Profiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

/**
 * {@code mosaic profile}: measures a model's costs on this machine's CPU workers and writes them
 * as an {@code experts[]} entry of the problem format. Not thread-safe (one run per instance).
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Measure a model's prefill/decode costs, load time and memory (an experts[] entry for mosaic plan).")
final class ProfileCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M", description = "GGUF file or safetensors directory")
    Path model;

    @Option(names = "--id", paramLabel = "ID", description = "expert id (default: the file name without extension)")
    String id;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "T", description = "kernel threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--kv-budget", defaultValue = "64", paramLabel = "MIB", description = "KV cache MiB (default: ${DEFAULT-VALUE})")
    long kvMib;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "B", description = "saturating batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--runs", defaultValue = "5", paramLabel = "N", description = "repetitions, median taken (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--co-running", defaultValue = "0", paramLabel = "N",
            description = "keep N more engines of this shape decoding full batches while measuring, as N other workers on "
                    + "this machine would (default: ${DEFAULT-VALUE}, alone)")
    int coRunning;

    @Option(names = "--co-running-model", paramLabel = "M",
            description = "the model the --co-running engines decode (default: the profiled model)")
    Path coRunningModel;

    @Option(names = "--sample", paramLabel = "PROMPTS", description = "prompts.jsonl whose output lengths to measure")
    Path sample;

    @Option(names = "--sample-max-tokens", defaultValue = "256", paramLabel = "N",
            description = "output cap of sample prompts without their own (default: ${DEFAULT-VALUE})")
    int sampleMaxTokens;

    @Option(names = "--no-host-probe", description = "do not time the host probe among the measurements (default: the "
            + "profile states hostProbeSecondsPerToken, a fixed workload's speed beside the same busy engines, so a later "
            + "run can tell how much faster or slower the host has become)")
    boolean noHostProbe;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the profile (JSON)")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(model)) {
            throw new BadInputException("--model: no such file or directory: " + model);
        }
        if (threads < 1 || kvMib < 1 || batch < 1 || runs < 1 || sampleMaxTokens < 1) {
            throw new BadInputException("--threads, --kv-budget, --batch, --runs and --sample-max-tokens must be >= 1");
        }
        if (coRunningModel != null && !Files.isRegularFile(coRunningModel)) {
            throw new BadInputException("--co-running-model: no such file: " + coRunningModel);
        }
        String name = id != null ? id : model.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        List<Profiler.Sample> samples = new ArrayList<>();
        if (sample != null) {
            try {
                for (RunPrompt p : PromptsIo.read(sample, null)) {
                    Integer cap = p.maxTokens().get(name);
                    samples.add(new Profiler.Sample(p.text(), p.category(), cap != null ? cap : sampleMaxTokens));
                }
            } catch (MoaInputException e) {
                throw new BadInputException(e.getMessage(), e);
            }
        }
        Profiler.Settings settings = new Profiler.Settings(threads, kvMib << 20, batch, 128, 32, runs, coRunning,
                coRunningModel);
        ModelProfile p;
        try (HostProbe probe = noHostProbe ? null : HostProbe.create()) {
            p = new Profiler(settings, line -> {
                spec.commandLine().getErr().println("mosaic profile: " + line);
                spec.commandLine().getErr().flush();
            }, probe).profile(name, model, samples);
        } catch (ModelFormatException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        byte[] json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(p);
        AtomicFiles.write(out, json);
        spec.commandLine().getOut().printf(java.util.Locale.ROOT, "%s: prefill %.3f ms/token, decode %.3f ms/token at batch %d (%.3f alone) "
                        + "+ %.3f us per token of context, load %.2f s, %.3f GiB%s -> %s%n", name, p.prefillSecondsPerToken() * 1e3,
                p.decodeSecondsPerToken() * 1e3, p.batch(), p.decodeLatencySecondsPerToken() * 1e3,
                p.decodeSecondsPerContextToken() * 1e6, p.loadSeconds(), p.memoryGiB(),
                coRunning > 0 ? "; " + settings.contention() : "", out);
        return 0;
    }
}
