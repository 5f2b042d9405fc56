package dev.mosaic.scheduler.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.problem.ProblemIo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadIoTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsAGeneratedPreset() throws Exception {
        Workload w = Presets.generate("gpqa-like", InstanceSpec.preset("paper-like").withPrompts(120).withSeed(4));
        Path f = dir.resolve("w.json");
        WorkloadIo.write(w, f);
        WorkloadIo.Loaded back = WorkloadIo.read(f);
        assertNull(back.note());
        assertEquals(w, back.workload());
        assertTrue(w.problem().prompts().stream().allMatch(p -> p.answer().charAt(0) < 'A' + 4));
        assertEquals(w.answerModel().simulate(w.problem()).aggregatorAnswer().length, 120);
    }

    @Test
    void aProblemWithoutAnswerModelGetsTheDefaultWithANote() throws Exception {
        Workload w = Presets.generate("mmlu-pro-like", InstanceSpec.preset("paper-like").withPrompts(50));
        Path f = dir.resolve("plain.json");
        ProblemIo.write(w.problem(), f);
        WorkloadIo.Loaded back = WorkloadIo.read(f);
        assertNotNull(back.note());
        assertEquals(w.problem(), back.workload().problem());
        assertEquals("plain", back.workload().name());
    }

    @Test
    void badAnswerModelsNameTheFileAndField() throws Exception {
        Workload w = Presets.generate("mmlu-pro-like", InstanceSpec.preset("paper-like").withPrompts(20));
        Path f = dir.resolve("bad.json");
        WorkloadIo.write(w, f);
        Files.writeString(f, Files.readString(f).replace("\"correlation\" : 0.5", "\"correlation\" : 7"));
        var e = assertThrows(IllegalArgumentException.class, () -> WorkloadIo.read(f));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("answerModel.correlation"), e.getMessage());

        Files.writeString(f, Files.readString(f).replace("\"correlation\" : 7", "\"correlation\" : \"high\""));
        e = assertThrows(IllegalArgumentException.class, () -> WorkloadIo.read(f));
        assertTrue(e.getMessage().contains("bad.json: answerModel"), e.getMessage());
    }
}
