package dev.mosaic.moa.worker;

import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.GenerationHandle;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.engine.GenerationResult;
import java.util.ArrayList;
import java.util.List;

/**
 * A short unmeasured generation run on a replica when it is opened, as part of its load: a fresh
 * process otherwise compiles the engine's decode path (and touches its buffers) during the first
 * real batch, which then ran 0.4-0.8 s over the next ones for a ~110M model on a 2-vCPU VM. The
 * profiler's {@code loadSeconds} includes the same warm-up, so the load the planner is told is the
 * load a run pays. Stateless; thread-safe.
 */
public final class EngineWarmup {
    /** Sequences decoded at once (more than one, so the batched paths compile too). */
    static final int SEQUENCES = 2;
    static final int PROMPT_TOKENS = 8;
    static final int TOKENS = 16;

    private EngineWarmup() {}

    /** Generates {@link #TOKENS} tokens after {@link #PROMPT_TOKENS} fixed prompt tokens on {@link #SEQUENCES} sequences. */
    public static void run(Engine engine) {
        int vocab = engine.tokenizer().vocabSize();
        int ctx = engine.model().config().contextLength();
        long room = Math.min(ctx, engine.kvCapacityTokens());
        int prompt = (int) Math.max(1, Math.min(PROMPT_TOKENS, room / 2));
        int tokens = (int) Math.min(TOKENS, room - prompt - 1);
        if (tokens < 1) {
            return; // a KV budget this small has no room to warm up in; the first job pays instead
        }
        int sequences = (int) Math.max(1, Math.min(SEQUENCES, engine.kvCapacityTokens() / (prompt + tokens + 16L)));
        List<GenerationHandle> hs = new ArrayList<>();
        for (int s = 0; s < sequences; s++) {
            int[] ids = new int[prompt];
            for (int i = 0; i < prompt; i++) {
                ids[i] = (int) ((31L * (i + 1) + 7L * s) % vocab);
            }
            hs.add(engine.submit(GenerationRequest.ofTokens(ids).withMaxTokens(tokens).withStopAtEos(false)));
        }
        for (GenerationHandle h : hs) {
            try (GenerationResult r = h.join()) {
                // only the time matters
            }
        }
    }
}
