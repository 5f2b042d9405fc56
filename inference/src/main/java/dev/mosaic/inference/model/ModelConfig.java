package dev.mosaic.inference.model;

/**
 * Hyper-parameters of a decoder-only transformer of the llama family (llama, mistral, qwen2,
 * qwen3), whichever file format they were read from. Immutable.
 *
 * @param architecture the file's name for it: GGUF {@code general.architecture} ({@code llama},
 *     {@code mistral3}, {@code qwen2}, {@code qwen3}) or Hugging Face {@code model_type}
 *     ({@code llama}, {@code mistral}, {@code qwen2}, {@code qwen3})
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
 * @param qkNorm whether each head of q and k is RMS-normalised (gain of {@code headDim}) after the
 *     projection and before RoPE (qwen3)
 */
public record ModelConfig(String architecture, int dim, int nLayers, int nHeads, int nKvHeads, int headDim, int ffnDim,
                          int vocabSize, int contextLength, float rmsNormEps, RopeConfig rope, boolean qkvBias,
                          boolean tiedEmbeddings, boolean qkNorm) {

    /** A config without per-head q/k norms (every architecture but qwen3). */
    public ModelConfig(String architecture, int dim, int nLayers, int nHeads, int nKvHeads, int headDim, int ffnDim,
                       int vocabSize, int contextLength, float rmsNormEps, RopeConfig rope, boolean qkvBias,
                       boolean tiedEmbeddings) {
        this(architecture, dim, nLayers, nHeads, nKvHeads, headDim, ffnDim, vocabSize, contextLength, rmsNormEps, rope,
                qkvBias, tiedEmbeddings, false);
    }

    /** Width of one K or V row across all KV heads. */
    public int kvDim() {
        return nKvHeads * headDim;
    }
}
