// Times llama.cpp prefill and decode on a GGUF file with llama.cpp's own performance counters
// (llama_perf_context, printed by node-llama-cpp's printTimings): they time llama_decode only, so
// node-llama-cpp's JavaScript loop and the sampling between tokens are outside the timed region.
// One warm-up round, then --runs measured rounds in fresh contexts; prints one JSON line per
// measured round ({"prefill": tokens/s, "decode": tokens/s}) and a summary line on stderr.
// --batch B decodes B sequences of one context together (each step is one B-token llama_decode,
// which llama.cpp counts as "prompt eval"; the counters are reset between prefill and decode).
// Usage: node decode-bench.mjs MODEL.gguf [--threads T] [--runs R] [--prompt N] [--decode M] [--batch B]
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const args = process.argv.slice(2);
const model = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
if (!model) {
  console.error("usage: node decode-bench.mjs MODEL.gguf [--threads T] [--runs R] [--prompt N] [--decode M] [--batch B]");
  process.exit(2);
}
const threads = opt("--threads", 1), runs = opt("--runs", 5), promptLen = opt("--prompt", 128), decodeLen = opt("--decode", 64);
const batch = opt("--batch", 1);

// llama_perf_context_print lines, e.g.
// "llama_perf_context_print: prompt eval time =  110.81 ms /   128 tokens (...)"
// "llama_perf_context_print:        eval time =  301.22 ms /    63 runs   (...)"
let perf = [];
const logger = (level, message) => {
  if (message.includes("llama_perf_context_print")) perf.push(message);
};
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.info, logger, maxThreads: threads });
const m = await llama.loadModel({ modelPath: model, gpuLayers: 0, useMmap: true });

function counters() {
  const text = perf.join("\n");
  perf = [];
  const pp = /prompt eval time\s*=\s*([\d.]+) ms\s*\/\s*(\d+) tokens/.exec(text);
  const ev = /\beval time\s*=\s*([\d.]+) ms\s*\/\s*(\d+) runs/.exec(text.replace(/prompt eval time/g, "prompt_eval"));
  return {
    promptMs: pp ? Number(pp[1]) : 0, promptTokens: pp ? Number(pp[2]) : 0,
    evalMs: ev ? Number(ev[1]) : 0, evalRuns: ev ? Number(ev[2]) : 0,
  };
}

let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const prompts = Array.from({ length: batch }, () => Array.from({ length: promptLen }, () => 3 + Math.floor(rand() * 256)));

async function round() {
  const ctx = await m.createContext({
    contextSize: batch * (promptLen + decodeLen + 16), batchSize: Math.max(promptLen * batch, 512), sequences: batch,
    threads: { ideal: threads, min: threads }, performanceTracking: true,
  });
  const seqs = Array.from({ length: batch }, () => ctx.getSequence());
  await ctx.printTimings(); // resets the counters
  counters();
  await Promise.all(seqs.map((s, i) => s.evaluateWithoutGeneratingNewTokens(prompts[i])));
  await ctx.printTimings();
  const p = counters();
  // decode: each sequence generates decodeLen tokens from its last prompt token (greedy)
  await Promise.all(seqs.map(async (s, i) => {
    let n = 0;
    for await (const _ of s.evaluate([prompts[i][promptLen - 1]], { temperature: 0 })) {
      if (++n >= decodeLen) break;
    }
  }));
  await ctx.printTimings();
  const d = counters();
  await ctx.dispose();
  const prefill = p.promptTokens / (p.promptMs / 1e3);
  // batch 1: single-token decodes are "eval" runs; batch > 1: B-token decodes count as "prompt eval"
  const decode = batch === 1 ? d.evalRuns / (d.evalMs / 1e3) : (d.promptTokens + d.evalRuns) / ((d.promptMs + d.evalMs) / 1e3);
  return { prefill, decode };
}

const out = [];
for (let r = 0; r <= runs; r++) {
  const res = await round();
  if (r > 0) { // round 0 is the warm-up
    out.push(res);
    console.log(JSON.stringify(res));
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
console.error(`llama.cpp (node-llama-cpp, perf counters) ${model} threads=${threads} batch=${batch}: prefill median ` +
  `${med(out.map((o) => o.prefill)).toFixed(1)} tokens/s, decode median ${med(out.map((o) => o.decode)).toFixed(1)} tokens/s`);
await m.dispose();
await llama.dispose();
