package dev.mosaic.cli;

import dev.mosaic.inference.model.SyntheticModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mosaic synth}: writes a random-weight model file to try the engine without downloads. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a random-weight model (GGUF, with a small tokenizer) for trying generate and bench-decode.")
final class SynthCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "bench110m-q8_0",
            description = "bench110m-f32, bench110m-f16, bench110m-bf16, bench110m-q8_0, bench110m-q4_0, tiny-llama, tiny-qwen2 (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "GGUF file to write")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "weight seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        ModelOptions.Synthetic s = ModelOptions.Synthetic.parse(name);
        SyntheticModel.writeGguf(s.config(), s.type(), seed, out);
        PrintWriter w = spec.commandLine().getOut();
        w.println("wrote " + out + " (" + name + ", " + s.type() + ", seed " + seed + ")");
        w.flush();
        return 0;
    }
}
