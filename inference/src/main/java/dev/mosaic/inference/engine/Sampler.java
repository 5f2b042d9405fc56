package dev.mosaic.inference.engine;

import dev.mosaic.bindings.mosaic.mosaic_h;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses tokens from logits for one sequence, with its own seeded random generator. Reuses
 * scratch arrays between calls, so one sampler serves one sequence on one thread.
 */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;
    private double[] probs = new double[0];
    private long[] order = new long[0];
    private final double[] lse = new double[1];

    static {
        // Explicit, retryable load (NativeLibraryException naming every path tried) before the first downcall.
        dev.mosaic.bindings.NativeLibraries.load(dev.mosaic.bindings.NativeLibraries.Library.MOSAIC);
    }

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    /** A token and its log-probability under the model (the full softmax of the raw logits). Immutable; thread-safe. */
    public record Choice(int token, float logprob) {}

    /**
     * The {@code k} most likely tokens of one step and their log-probabilities under the full
     * softmax of the raw logits, most likely first (ties: lower id first). Arrays are owned by the record.
     *
     * <p>Immutable by convention: the arrays are shared, not copied; do not change them after construction.
     */
    public record TopLogprobs(int[] ids, float[] logprobs) {}

    /** The {@code min(k, vocab)} most likely tokens of {@code logits[offset .. offset + vocab - 1]}. */
    public static TopLogprobs topLogprobs(float[] logits, int offset, int vocab, int k) {
        if (vocab <= 0 || offset < 0 || offset + vocab > logits.length || k < 1) {
            throw new IllegalArgumentException("logits range " + offset + "+" + vocab + " outside array of " + logits.length
                    + " or k " + k + " < 1");
        }
        int n = Math.min(k, vocab);
        int[] ids = new int[n];
        float[] vals = new float[n];
        int filled = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            float v = logits[offset + i];
            max = Math.max(max, v);
            // Insertion into a small sorted array: k is a handful (OpenAI allows at most 20).
            if (filled < n || v > vals[n - 1]) {
                int j = filled < n ? filled++ : n - 1;
                while (j > 0 && vals[j - 1] < v) {
                    vals[j] = vals[j - 1];
                    ids[j] = ids[j - 1];
                    j--;
                }
                vals[j] = v;
                ids[j] = i;
            }
        }
        double sumExp = 0;
        for (int i = offset; i < offset + vocab; i++) {
            sumExp += Math.exp((double) logits[i] - max);
        }
        double logZ = max + Math.log(sumExp);
        float[] lps = new float[n];
        for (int j = 0; j < n; j++) {
            lps[j] = (float) (vals[j] - logZ);
        }
        return new TopLogprobs(ids, lps);
    }

    public SamplingParams params() {
        return params;
    }

    /** Chooses a token from {@code logits[offset .. offset + vocab - 1]}. */
    public Choice sample(float[] logits, int offset, int vocab) {
        if (vocab <= 0 || offset < 0 || offset + vocab > logits.length) {
            throw new IllegalArgumentException("logits range " + offset + "+" + vocab + " outside array of " + logits.length);
        }
        // The maximum and the log-partition in one native, vectorised pass (a Java loop over a 32k
        // vocabulary cost ~140 us a row, a tenth of a batch-8 decode step of a 110M model).
        long best = mosaic_h.mosaic_logits_max_lse(MemorySegment.ofArray(logits).asSlice((long) offset * Float.BYTES,
                (long) vocab * Float.BYTES), vocab, MemorySegment.ofArray(lse));
        if (best < 0) {
            throw new NonFiniteLogitsException();
        }
        float max = logits[offset + (int) best];
        double logZ = lse[0];
        int token = params.greedy() ? (int) best : draw(logits, offset, vocab, max);
        return new Choice(token, (float) (logits[offset + token] - logZ));
    }

    private int draw(float[] logits, int offset, int vocab, float max) {
        if (probs.length < vocab) {
            probs = new double[vocab];
            order = new long[vocab];
        }
        double invT = 1.0 / params.temperature();
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            double p = Math.exp(((double) logits[offset + i] - max) * invT);
            probs[i] = p;
            total += p;
        }
        int k = params.topK() == 0 ? vocab : Math.min(params.topK(), vocab);
        if (k == vocab && params.topP() >= 1f) {
            double u = random.nextDouble() * total;
            double acc = 0;
            for (int i = 0; i < vocab; i++) {
                acc += probs[i];
                if (u < acc) {
                    return i;
                }
            }
            return lastNonZero(vocab);
        }
        // Sort by probability, descending, ties by lower id: key = (~probability bits, id).
        // Probabilities are non-negative doubles whose float bits order like the values.
        for (int i = 0; i < vocab; i++) {
            long bits = Float.floatToRawIntBits((float) (probs[i] / total));
            order[i] = ((0x7fffffffL - bits) << 32) | i;
        }
        Arrays.sort(order, 0, vocab);
        double kept = 0;
        int n = 0;
        double keptTotal = 0;
        for (int i = 0; i < k; i++) {
            keptTotal += probs[(int) order[i]];
        }
        for (int i = 0; i < k; i++) {
            kept += probs[(int) order[i]];
            n = i + 1;
            if (kept >= params.topP() * keptTotal) {
                break;
            }
        }
        double u = random.nextDouble() * kept;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            int id = (int) order[i];
            acc += probs[id];
            if (u < acc) {
                return id;
            }
        }
        return (int) order[n - 1];
    }

    private int lastNonZero(int vocab) {
        for (int i = vocab - 1; i >= 0; i--) {
            if (probs[i] > 0) {
                return i;
            }
        }
        return 0;
    }

    /** The logits had no finite maximum: the weights or the model's numbers are broken, not the request. */
    static final class NonFiniteLogitsException extends IllegalStateException {
        NonFiniteLogitsException() {
            super("logits have no finite maximum (NaN or all -inf)");
        }
    }
}
