// Times llama.cpp prefill and batch-1 decode on a GGUF file, printing min/median/max tokens/s over
// runs in the same shape as `mosaic bench-decode`, so the two can be compared side by side.
// Usage: node decode-bench.mjs MODEL.gguf [--threads T] [--runs R] [--prompt N] [--decode M]
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const args = process.argv.slice(2);
const model = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
if (!model) {
  console.error("usage: node decode-bench.mjs MODEL.gguf [--threads T] [--runs R] [--prompt N] [--decode M]");
  process.exit(2);
}
const threads = opt("--threads", 1), runs = opt("--runs", 5), promptLen = opt("--prompt", 128), decodeLen = opt("--decode", 64);

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, maxThreads: threads });
const m = await llama.loadModel({ modelPath: model, gpuLayers: 0, useMmap: true });
const vocab = 256; // prompt ids are drawn from the first 259 ids, which every vocabulary we write has
let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const prompt = Array.from({ length: promptLen }, () => 3 + Math.floor(rand() * vocab));

const prefill = [], decode = [];
for (let r = 0; r < runs + 1; r++) { // first run is warm-up
  const ctx = await m.createContext({ contextSize: promptLen + decodeLen + 16, batchSize: promptLen, sequences: 1, threads: { ideal: threads, min: threads } });
  const seq = ctx.getSequence();
  let t0 = process.hrtime.bigint();
  await seq.evaluateWithoutGeneratingNewTokens(prompt);
  let t1 = process.hrtime.bigint();
  const pf = promptLen / (Number(t1 - t0) / 1e9);
  let n = 0;
  t0 = process.hrtime.bigint();
  for await (const _ of seq.evaluate([prompt[promptLen - 1]], { temperature: 0 })) {
    if (++n >= decodeLen) break;
  }
  t1 = process.hrtime.bigint();
  const dc = n / (Number(t1 - t0) / 1e9);
  await ctx.dispose();
  if (r > 0) { prefill.push(pf); decode.push(dc); }
}
const stats = (a) => { const s = [...a].sort((x, y) => x - y); return `min ${s[0].toFixed(1)}  median ${s[Math.floor(s.length / 2)].toFixed(1)}  max ${s[s.length - 1].toFixed(1)}`; };
console.log(`llama.cpp ${model} threads=${threads} runs=${runs}`);
console.log(`  prefill (${promptLen} tokens): ${stats(prefill)} tokens/s`);
console.log(`  decode  (batch 1, ${decodeLen} tokens): ${stats(decode)} tokens/s`);
await m.dispose();
await llama.dispose();
