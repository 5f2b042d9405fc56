package dev.mosaic.inference.model;

/**
 * Rotary position embedding parameters.
 *
 * <p>{@link Layout#INTERLEAVED} rotates pairs {@code (2i, 2i+1)} of a head (GGUF llama files,
 * whose converter permuted the q/k rows); {@link Layout#HALVES} rotates pairs {@code (i, i+d/2)}
 * (Hugging Face weights as stored, and all qwen2 files). Using the layout that matches the file
 * makes the same model give the same logits from either format without copying weights.
 *
 * <p>Immutable by convention and then thread-safe: {@code freqFactors} is shared, not copied, so do not
 * change the array after construction.
 *
 * @param theta base frequency
 * @param layout pairing of rotated dimensions
 * @param scaling Llama 3 style frequency scaling, or {@code null}
 * @param freqFactors per-pair frequency divisors ({@code rope_freqs.weight} in GGUF files of
 *     Llama 3.1+), or {@code null}; when present they replace {@code scaling}
 */
public record RopeConfig(float theta, Layout layout, Llama3Scaling scaling, float[] freqFactors) {

    /** Plain RoPE without frequency scaling. */
    public RopeConfig(float theta, Layout layout) {
        this(theta, layout, null, null);
    }


    /** Which dimensions of a head are rotated together. Immutable; thread-safe. */
    public enum Layout { INTERLEAVED, HALVES }

    /**
     * Llama 3.1 "llama3" rope scaling ({@code rope_scaling} in config.json, {@code rope_freqs} in GGUF). Immutable;
     * thread-safe.
     */
    public record Llama3Scaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContextLength) {}

    /**
     * Inverse frequency of rotated pair {@code i} of {@code headDim / 2}, with scaling applied.
     * Shared by the Java reference and by backends that precompute tables.
     */
    public double inverseFrequency(int i, int headDim) {
        double freq = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        if (freqFactors != null) {
            return freq / freqFactors[i];
        }
        if (scaling == null) {
            return freq;
        }
        double lowWavelen = scaling.originalContextLength() / scaling.lowFreqFactor();
        double highWavelen = scaling.originalContextLength() / scaling.highFreqFactor();
        double wavelen = 2 * Math.PI / freq;
        if (wavelen < highWavelen) {
            return freq;
        }
        if (wavelen > lowWavelen) {
            return freq / scaling.factor();
        }
        double smooth = (scaling.originalContextLength() / wavelen - scaling.lowFreqFactor())
                / (scaling.highFreqFactor() - scaling.lowFreqFactor());
        return (1 - smooth) * freq / scaling.factor() + smooth * freq;
    }
}
