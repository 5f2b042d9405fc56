/**
 * The inference engine: continuous batching of many generation requests over one model, on a
 * {@link dev.mosaic.inference.backend.Backend} (the native CPU kernels today).
 *
 * <pre>{@code
 * try (Model model = ModelLoader.open(Path.of("model.gguf"));
 *      Engine engine = Engine.create(model, EngineConfig.cpu(4).withKvBudgetBytes(512L << 20))) {
 *
 *     // One request, streamed as it is generated.
 *     GenerationRequest request = GenerationRequest.ofText("Once upon a time")
 *             .withMaxTokens(64)
 *             .withSampling(SamplingParams.temperature(0.8f, 42).withTopP(0.95f))
 *             .withListener((token, logprob, text) -> System.out.print(text));
 *     GenerationResult result = engine.submit(request).join();   // on the heap: nothing to close
 *     System.out.println("\n" + result.finishReason() + ", " + result.generatedTokens() + " tokens");
 *
 *     // Many requests at once: they share each step of the model. Their tokens go to off-heap
 *     // buffers of one pool (ids, logprobs and UTF-8 bytes, read without copying).
 *     try (TokenBufferPool pool = new TokenBufferPool()) {
 *         List<GenerationResult> all = engine.generateAll(List.of(
 *                 GenerationRequest.ofText("The capital of France is").withOutput(pool),
 *                 GenerationRequest.ofTokens(1, 450, 7483).withOutput(pool)));
 *         TokenBuffer first = all.get(0).tokens();
 *         all.forEach(GenerationResult::close);   // back to the pool
 *     }
 * }
 * }</pre>
 *
 * <p>{@link dev.mosaic.inference.engine.Engine} owns the backend, the weights it prepared, the
 * activations ({@link dev.mosaic.inference.engine.ForwardPass}) and the paged KV cache
 * ({@link dev.mosaic.inference.kv.PagedKvCache}). Sequences take KV blocks as they grow; a
 * request is admitted when the cache has room for its prompt and waits (with a reason on its
 * handle) until then; when the cache runs out mid-generation the newest sequence is preempted and
 * later recomputes its K/V, ending with exactly the tokens it would have produced alone.
 */
package dev.mosaic.inference.engine;
