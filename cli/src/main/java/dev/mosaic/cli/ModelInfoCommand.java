package dev.mosaic.cli;

import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.model.ModelSupport;
import dev.mosaic.inference.model.PrintableText;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mosaic model-info}: what a model file holds (config, tensor types and sizes), without running it.
 * Names and paths from the file are printed through {@link PrintableText}, so a file cannot send escape sequences to the terminal.
 *
 * <p>Not thread-safe: picocli creates and fills one instance per command-line run.
 */
@Command(name = "model-info", mixinStandardHelpOptions = true,
        description = "Print a model's configuration and tensors (GGUF file or Hugging Face safetensors directory);"
                + " a model MOSAIC cannot run gets one line per unsupported architecture and tensor type, exit code 2.")
public final class ModelInfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "A .gguf file, a safetensors directory, .safetensors file or index json")
    Path model;

    @Option(names = "--tensors", description = "List every tensor with its type, shape and size")
    boolean listTensors;

    @Override
    public Integer call() {
        java.io.PrintWriter out = spec.commandLine().getOut();
        java.util.List<String> problems;
        try {
            // from the header alone, before the model is opened: every unsupported part at once
            problems = ModelSupport.problems(model);
        } catch (ModelFormatException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        if (!problems.isEmpty()) {
            java.io.PrintWriter err = spec.commandLine().getErr();
            err.println(PrintableText.escape(model) + ": cannot run this model:");
            problems.forEach(p -> err.println("  " + PrintableText.escape(p)));
            err.flush();
            return Mosaic.EXIT_BAD_INPUT;
        }
        try (Model m = ModelLoader.open(model)) {
            ModelConfig c = m.config();
            out.println("model        " + PrintableText.escape(m.source()));
            out.println("architecture " + PrintableText.escape(c.architecture()));
            out.printf("dims         dim %d, layers %d, heads %d (kv %d, head dim %d), ffn %d, vocab %d, context %d%n",
                    c.dim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.headDim(), c.ffnDim(), c.vocabSize(), c.contextLength());
            out.printf("rope         theta %s, layout %s%s%s%n", c.rope().theta(), c.rope().layout(),
                    c.rope().scaling() != null ? ", scaling " + c.rope().scaling() : "",
                    c.rope().freqFactors() != null ? ", rope_freqs" : "");
            out.printf("other        rms eps %s, qkv bias %s, q/k norm %s, tied embeddings %s%n", c.rmsNormEps(), c.qkvBias(),
                    c.qkNorm(), c.tiedEmbeddings());
            Map<GgmlType, long[]> byType = new TreeMap<>();
            long params = 0;
            long bytes = 0;
            for (Tensor t : m.tensors().values()) {
                long[] acc = byType.computeIfAbsent(t.type(), k -> new long[2]);
                acc[0]++;
                acc[1] += t.data().byteSize();
                params += t.elements();
                bytes += t.data().byteSize();
            }
            out.printf("tensors      %d, %,d parameters, %,d bytes%n", m.tensors().size(), params, bytes);
            byType.forEach((type, acc) -> out.printf("  %-6s %4d tensors %,16d bytes%n", type, acc[0], acc[1]));
            if (listTensors) {
                for (Tensor t : m.tensors().values()) {
                    out.printf("  %-32s %-5s %-16s %,14d bytes%n", PrintableText.escape(t.name()), t.type(), Arrays.toString(t.shape()), t.data().byteSize());
                }
            }
            return 0;
        } catch (ModelFormatException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }
}
