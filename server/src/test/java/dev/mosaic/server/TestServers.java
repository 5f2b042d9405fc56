package dev.mosaic.server;

import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.nio.file.Path;

/** Tiny generated models for server tests (random weights, a real tokenizer and chat template). */
final class TestServers {
    private TestServers() {}

    /**
     * Like {@code SyntheticModel.tiny("qwen2", true)} (a byte-level BPE vocabulary with a ChatML chat template)
     * but with a 4096-token context, so generations can run long.
     */
    static ModelConfig tinyModel() {
        return new ModelConfig("qwen2", 256, 2, 4, 2, 64, 512, 512, 4096, 1e-6f,
                new RopeConfig(1_000_000f, RopeConfig.Layout.HALVES), true, false);
    }

    static Path writeTiny(Path dir, String name, long seed) {
        return SyntheticModel.writeGguf(tinyModel(), GgmlType.F32, seed, dir.resolve(name + ".gguf"));
    }

    /** KV bytes per token of {@link #tinyModel()}: K and V, 2 layers, 2 KV heads of 64, float32. */
    static final long KV_BYTES_PER_TOKEN = 2L * 2 * 128 * 4;
}
