package dev.mosaic.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.BackendOptions;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The renamed {@code withX} copy methods and their deprecated old names give equal records. */
class EngineConfigWithersTest {

    @Test
    @SuppressWarnings("deprecation")
    void deprecatedEngineConfigNamesDelegateToWithers() {
        EngineConfig base = EngineConfig.cpu(1);
        Supplier<Backend> other = () -> {
            throw new AssertionError("never created in this test");
        };
        EngineConfig viaNew = base.withKvBudgetBytes(7L << 20).withBlockSize(8).withMaxBatchTokens(96)
                .withMaxSequences(5).withBackend("other", other);
        EngineConfig viaOld = base.kvBudgetBytes(7L << 20).blockSize(8).maxBatchTokens(96).maxSequences(5)
                .backend("other", other);
        assertEquals(viaNew, viaOld);
        assertEquals(new EngineConfig("other", other, 7L << 20, 8, 96, 5), viaNew);
        assertNotEquals(base, viaNew); // the copies really changed every field
    }

    @Test
    @SuppressWarnings("deprecation")
    void deprecatedBackendOptionsNamesDelegateToWithers() {
        BackendOptions base = BackendOptions.threads(3);
        BackendOptions viaNew = base.withDevice(2).withSetting("activations", "float32");
        BackendOptions viaOld = base.device(2).with("activations", "float32");
        assertEquals(viaNew, viaOld);
        assertEquals(2, viaNew.device());
        assertEquals("float32", viaNew.setting("activations", "?"));
        assertEquals(0, base.device()); // the original is untouched
    }
}
