// Prints llama.cpp's greedy continuation of given prompt token ids on a GGUF file, as JSON, so it
// can be compared with MOSAIC's (`mosaic generate --prompt-tokens ... --greedy --json`) or with a
// float64 reference on the same weights.
// Usage: node greedy.mjs MODEL.gguf --prompt-tokens 5,100,200 [--max-tokens N]
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const args = process.argv.slice(2);
const model = args[0];
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const promptArg = opt("--prompt-tokens");
if (!model || !promptArg) {
  console.error("usage: node greedy.mjs MODEL.gguf --prompt-tokens 5,100,200 [--max-tokens N]");
  process.exit(2);
}
const prompt = promptArg.split(",").map(Number);
const maxTokens = Number(opt("--max-tokens") ?? 8);

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, maxThreads: 1 });
const m = await llama.loadModel({ modelPath: model, gpuLayers: 0, useMmap: true });
const ctx = await m.createContext({ contextSize: prompt.length + maxTokens + 16, threads: 1 });
const seq = ctx.getSequence();
const ids = [];
for await (const t of seq.evaluate(prompt, { temperature: 0 })) {
  ids.push(t);
  if (ids.length >= maxTokens) break;
}
console.log(JSON.stringify({ model, prompt, greedy: ids, text: m.detokenize(ids) }));
await ctx.dispose();
await m.dispose();
await llama.dispose();
