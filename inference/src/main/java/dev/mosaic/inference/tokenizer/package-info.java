/**
 * Tokenizers for the models the engine runs: SentencePiece-style vocabularies (GGUF
 * {@code llama}), byte-level BPE (GGUF {@code gpt2}, Hugging Face {@code tokenizer.json} with the
 * GPT-2, Llama 3 or Qwen2 split patterns), character BPE with byte fallback (Llama 2 style
 * {@code tokenizer.json}), special tokens, and the Llama 3 and ChatML chat formats.
 *
 * <p>Start at {@link dev.mosaic.inference.tokenizer.Tokenizers}:
 * <pre>{@code
 * try (Model model = ModelLoader.open(path)) {
 *     Tokenizer tok = Tokenizers.forModel(model);
 *     String prompt = tok.chatTemplate().orElseThrow()
 *             .render(List.of(new ChatMessage("user", "Hello!")), true);
 *     int[] ids = tok.encode(prompt, true);   // the template already holds BOS and the markers
 * }
 * }</pre>
 */
package dev.mosaic.inference.tokenizer;
