package dev.mosaic.inference.engine;

/**
 * How the next token is chosen from the logits.
 *
 * <p>Greedy picks the highest logit (the lowest id on ties). Otherwise logits are divided by
 * {@code temperature}, cut to the {@code topK} most likely tokens (0 = no cut), then to the
 * smallest set whose probability reaches {@code topP} (1 = no cut), and a token is drawn with a
 * random generator seeded with {@code seed}, so the same request gives the same tokens.
 *
 * <p>Immutable; thread-safe.
 *
 * @param greedy pick the most likely token; the other fields are ignored
 * @param temperature softmax temperature, {@code > 0}
 * @param topK keep only the {@code topK} most likely tokens; 0 keeps all
 * @param topP nucleus sampling threshold in {@code (0, 1]}
 * @param seed seed of the request's random generator
 */
public record SamplingParams(boolean greedy, float temperature, int topK, float topP, long seed) {

    public SamplingParams {
        if (!greedy) {
            if (!(temperature > 0) || !Float.isFinite(temperature)) {
                throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature
                        + " (use greedy sampling for temperature 0)");
            }
            if (topK < 0) {
                throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
            }
        }
    }

    /** Always the most likely token. */
    public static SamplingParams greedyDecoding() {
        return new SamplingParams(true, 1f, 0, 1f, 0);
    }

    /** Sampling at {@code temperature} with no top-k/top-p cut; temperature 0 means greedy. */
    public static SamplingParams temperature(float temperature, long seed) {
        return temperature == 0 ? greedyDecoding() : new SamplingParams(false, temperature, 0, 1f, seed);
    }

    /** The same parameters with top-k {@code k}. */
    public SamplingParams withTopK(int k) {
        return new SamplingParams(greedy, temperature, k, topP, seed);
    }

    /** The same parameters with top-p {@code p}. */
    public SamplingParams withTopP(float p) {
        return new SamplingParams(greedy, temperature, topK, p, seed);
    }

    /** The same parameters with seed {@code s}. */
    public SamplingParams withSeed(long s) {
        return new SamplingParams(greedy, temperature, topK, topP, s);
    }
}
