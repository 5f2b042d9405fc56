package dev.mosaic.cli;

import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mosaic synth-model}: writes a seeded random model as GGUF or as a Hugging Face safetensors directory.
 *
 * <p>Not thread-safe: picocli creates and fills one instance per command-line run.
 */
@Command(name = "synth-model", mixinStandardHelpOptions = true,
        description = "Write a seeded random llama/qwen2 model (with a small real tokenizer) as a GGUF file or a "
                + "safetensors directory, e.g. the ~110M benchmark model: --size bench110m --type Q8_0 --out m.gguf")
public final class SynthModelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, description = "Output: a .gguf file, or a directory for safetensors")
    Path out;

    @Option(names = "--size", defaultValue = "tiny", description = "tiny | tiny-gqa | bench110m (default: ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--arch", defaultValue = "llama", description = "llama | qwen2 | qwen3 | mistral3 (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--type", defaultValue = "F32",
            description = "Weight type: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K"
                    + " (safetensors: F32, F16, BF16) (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--format", defaultValue = "gguf", description = "gguf | safetensors (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        java.io.PrintWriter stdout = spec.commandLine().getOut();
        GgmlType weightType;
        try {
            weightType = GgmlType.valueOf(type.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--type: unknown tensor type " + type);
        }
        if (!SyntheticModel.ARCHITECTURES.contains(arch)) {
            throw new BadInputException("--arch: must be one of " + String.join(", ", SyntheticModel.ARCHITECTURES) + ", not " + arch);
        }
        ModelConfig c = switch (size.toLowerCase(Locale.ROOT)) {
            case "tiny" -> SyntheticModel.tiny(arch, false);
            case "tiny-gqa" -> SyntheticModel.tiny(arch, true);
            case "bench110m" -> {
                if (!arch.equals("llama")) {
                    throw new BadInputException("--size bench110m is a llama model");
                }
                yield SyntheticModel.bench110M();
            }
            default -> throw new BadInputException("--size: must be tiny, tiny-gqa or bench110m, not " + size);
        };
        try {
            switch (format) {
                case "gguf" -> SyntheticModel.writeGguf(c, weightType, seed, out);
                case "safetensors" -> SyntheticModel.writeSafetensors(c, weightType, seed, out);
                default -> throw new BadInputException("--format: must be gguf or safetensors, not " + format);
            }
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        stdout.println("wrote " + out + " (" + c.architecture() + ", dim " + c.dim() + ", " + c.nLayers() + " layers, "
                + weightType + ", seed " + seed + ")");
        return 0;
    }
}
