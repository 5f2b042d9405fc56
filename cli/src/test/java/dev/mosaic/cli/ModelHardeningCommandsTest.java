package dev.mosaic.cli;

import static dev.mosaic.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** model-info and generate on model files that are well formed but cannot run, or that try to make us misbehave. */
class ModelHardeningCommandsTest {
    @TempDir
    Path dir;

    @Test
    void aHeadDimensionAbove512IsAModelInfoProblemAndGenerateRefusesItAtLoad() {
        ModelConfig wide = new ModelConfig("llama", 64, 1, 1, 1, 576, 64, 300, 64, 1e-5f,
                new RopeConfig(10000f, RopeConfig.Layout.HALVES), false, false);
        Path f = SyntheticModel.writeGguf(wide, GgmlType.F32, 5, dir.resolve("wide.gguf"));
        CliRun info = run("model-info", "--model", f.toString());
        assertEquals(Mosaic.EXIT_BAD_INPUT, info.exit(), info.out() + info.err());
        assertTrue(info.err().contains("cannot run this model") && info.err().contains("llama.attention.key_length")
                && info.err().contains("576"), info.err());
        CliRun gen = run("generate", "--model", f.toString(), "--prompt-tokens", "1,2", "--max-tokens", "2", "--threads", "1");
        assertEquals(Mosaic.EXIT_BAD_INPUT, gen.exit(), gen.out() + gen.err());
        assertTrue(gen.err().contains("wide.gguf") && gen.err().contains("llama.attention.key_length"), gen.err());
        assertEquals(1, gen.err().strip().lines().count(), gen.err());
    }
}
