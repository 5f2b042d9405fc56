package dev.mosaic.inference.model;

/**
 * Hyper-parameters of a decoder-only transformer of the {@code llama} or {@code qwen2} family,
 * whichever file format they were read from.
 *
 * @param architecture {@code "llama"} or {@code "qwen2"}
 * @param dim model (embedding) width
 * @param nLayers number of transformer blocks
 * @param nHeads query heads
 * @param nKvHeads key/value heads (GQA when fewer than {@code nHeads})
 * @param headDim per-head width (usually {@code dim / nHeads})
 * @param ffnDim hidden width of the SwiGLU feed-forward block
 * @param vocabSize rows of the embedding table
 * @param contextLength maximum positions the model was trained for
 * @param rmsNormEps epsilon of RMSNorm
 * @param rope rotary embedding parameters
 * @param qkvBias whether q/k/v projections have biases (qwen2)
 * @param tiedEmbeddings whether the output projection reuses the token embedding table
 */
public record ModelConfig(String architecture, int dim, int nLayers, int nHeads, int nKvHeads, int headDim, int ffnDim,
                          int vocabSize, int contextLength, float rmsNormEps, RopeConfig rope, boolean qkvBias,
                          boolean tiedEmbeddings) {

    /** Width of one K or V row across all KV heads. */
    public int kvDim() {
        return nKvHeads * headDim;
    }
}
