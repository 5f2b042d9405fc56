package dev.mosaic.moa.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The open-time warm-up generates what it says, returns every KV block, and shrinks to fit a small KV budget. */
@Timeout(60)
class EngineWarmupTest {
    @TempDir
    Path dir;

    @Test
    void warmsUpWithTwoShortSequencesAndLeavesTheCacheEmpty() {
        Path f = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.Q8_0, 7, dir.resolve("m.gguf"));
        try (Model m = ModelLoader.open(f); Engine e = Engine.create(m, EngineConfig.cpu(1).withKvBudgetBytes(4L << 20))) {
            EngineWarmup.run(e);
            assertEquals(EngineWarmup.SEQUENCES * (long) EngineWarmup.TOKENS, e.stats().generatedTokens());
            assertEquals(EngineWarmup.SEQUENCES * (long) EngineWarmup.PROMPT_TOKENS, e.stats().promptTokens());
            assertEquals(0, e.stats().kvBlocksUsed(), "every KV block is back");
        }
        // one 16-token block of KV: the warm-up shrinks to one sequence that fits instead of failing the open
        try (Model m = ModelLoader.open(f)) {
            long oneBlock;
            try (Engine probe = Engine.create(m, EngineConfig.cpu(1).withKvBudgetBytes(4L << 20))) {
                oneBlock = (4L << 20) / (probe.kvCapacityTokens() / 16);
            }
            try (Engine tiny = Engine.create(m, EngineConfig.cpu(1).withKvBudgetBytes(oneBlock))) {
                assertEquals(16, tiny.kvCapacityTokens());
                EngineWarmup.run(tiny);
                assertEquals(16 - EngineWarmup.PROMPT_TOKENS - 1, tiny.stats().generatedTokens());
                assertEquals(0, tiny.stats().kvBlocksUsed());
            }
        }
    }
}
