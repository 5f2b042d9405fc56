// MOSAIC vs llama.cpp, side by side on the same GGUF files (the ~110M benchmark model, one per
// weight type), same thread counts, 128-token prompt, 64 generated tokens. Runs are interleaved
// (ours, llama-bench, node-llama-cpp, ours, ...) so that load on a shared machine hits all three
// alike; each number is the median of --runs single runs (every process warms up first).
//
// llama.cpp is timed by its own counters only: `llama-bench` / `llama-batched-bench` built from the
// source bundled in node-llama-cpp (build-llama-bench.sh), and llama_perf_context through
// node-llama-cpp (decode-bench.mjs); the table's llama.cpp column is the better of the two.
// MOSAIC is `mosaic bench-decode` (prefill = prompt tokens / time to the first token; decode =
// later tokens / the remaining time). Batch-8 decode is 8 sequences decoded together, tokens/s
// summed over the sequences.
//
// Usage (from the repository root): node bench/llama-cpp/compare.mjs [--types Q8_0,Q4_0,Q4_K,Q6_K,F16,F32]
//   [--threads 1,2] [--batch8-threads 1,2] [--runs 5] [--out FILE.md]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const types = opt("--types", "Q8_0,Q4_0,Q4_K,Q6_K,F16,F32").split(",");
const threadList = opt("--threads", "1,2").split(",").map(Number);
const batchThreads = opt("--batch8-threads", "1,2").split(",").filter((s) => s).map(Number);
const runs = Number(opt("--runs", "5"));
const outFile = opt("--out", join(here, "build", "compare-latest.md"));
const PROMPT = 128, GEN = 64;

function sh(cmd, argv, { allowFail = false, cwd = root } = {}) {
  const r = spawnSync(cmd, argv, { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0 && !allowFail) {
    throw new Error(`${cmd} ${argv.join(" ")} failed (${r.status ?? r.signal}):\n${(r.stderr || "").slice(-2000)}`);
  }
  return r;
}
const median = (a) => { const s = a.filter((v) => Number.isFinite(v)).sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
const fmt = (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : "n/a");
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : "n/a");
const load = () => os.loadavg().map((v) => v.toFixed(2)).join(", ");

// ---- setup: llama.cpp tools, our CLI, the models ----------------------------------------------
const llamaBench = sh("bash", [join(here, "build-llama-bench.sh")]).stdout.trim().split("\n").pop();
const batchedBench = join(dirname(llamaBench), "llama-batched-bench");
const cpu = (sh("lscpu", [], { allowFail: true }).stdout.match(/Model name:\s*(.*)/) || [, os.cpus()[0].model])[1].trim();
const flags = (sh("lscpu", [], { allowFail: true }).stdout.match(/Flags:\s*(.*)/) || [, ""])[1];
const isa = ["avx512_vnni", "avx512f", "avx2", "amx_tile"].filter((f) => flags.split(" ").includes(f)).join(" ");
const commit = sh("git", ["rev-parse", "--short", "HEAD"], { allowFail: true }).stdout.trim();
const models = join(here, "build", "models");
mkdirSync(models, { recursive: true });
for (const t of types) {
  const m = join(models, `bench110m-${t}.gguf`);
  if (!existsSync(m)) sh(join(root, "mosaic"), ["synth-model", "--size", "bench110m", "--type", t, "--out", m]);
}
const loadBefore = load();
console.error(`CPU ${cpu} (${isa}); ${os.cpus().length} CPUs; load ${loadBefore}; commit ${commit}`);

// ---- one run of each tool ---------------------------------------------------------------------
function ours(model, threads, batch) {
  const r = sh(join(root, "mosaic"), ["bench-decode", "--model", model, "--threads", String(threads), "--batch", String(batch),
    "--runs", "1", "--prompt-tokens", String(PROMPT), "--gen-tokens", String(GEN)], { allowFail: true });
  const p = /prefill tokens\/s: .*median ([\d.]+)/.exec(r.stdout), d = /decode\s+tokens\/s: .*median ([\d.]+)/.exec(r.stdout);
  if (!p || !d) console.error(`mosaic bench-decode failed: ${r.stderr.slice(-500)}`);
  return { prefill: p ? Number(p[1]) : NaN, decode: d ? Number(d[1]) : NaN };
}

function llamaBenchRun(model, threads) {
  const one = (extra) => {
    const r = sh(llamaBench, ["-m", model, "-t", String(threads), "-r", "1", "-o", "json", ...extra], { allowFail: true });
    try { return JSON.parse(r.stdout)[0].avg_ts; } catch { console.error(`llama-bench failed: ${r.stderr.slice(-500)}`); return NaN; }
  };
  // prefill from an empty context; decode after the 128-token prompt, as ours
  return { prefill: one(["-p", String(PROMPT), "-n", "0"]), decode: one(["-p", "0", "-n", String(GEN), "-d", String(PROMPT)]) };
}

function batchedBenchRun(model, threads) {
  const r = sh(batchedBench, ["-m", model, "-t", String(threads), "-tb", String(threads), "-c", String(8 * (PROMPT + GEN) + 64),
    "-b", "2048", "-ub", "512", "-npp", String(PROMPT), "-ntg", String(GEN), "-npl", "8"], { allowFail: true });
  // |    PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s |      T s |    S t/s |
  const row = (r.stdout + r.stderr).split("\n").find((l) => /^\|\s*128\s*\|\s*64\s*\|\s*8\s*\|/.test(l));
  if (!row) { console.error(`llama-batched-bench failed: ${r.stderr.slice(-500)}`); return NaN; }
  return Number(row.split("|")[8]);
}

function nodeRun(model, threads, batch) {
  const r = sh("node", [join(here, "decode-bench.mjs"), model, "--threads", String(threads), "--runs", "1", "--batch", String(batch),
    "--prompt", String(PROMPT), "--decode", String(GEN)], { allowFail: true });
  try { return JSON.parse(r.stdout.trim().split("\n").pop()); } catch {
    console.error(`node-llama-cpp failed (${r.status ?? r.signal}): ${r.stderr.slice(-300)}`);
    return { prefill: NaN, decode: NaN };
  }
}

const best = (a, b) => (Number.isFinite(a) ? (Number.isFinite(b) ? Math.max(a, b) : a) : b);
function tableRow(r) {
  const b8 = r.batch8;
  return `| ${r.type} | ${r.threads} | ${fmt(r.ours.prefill)} | ${fmt(r.bench.prefill)} / ${fmt(r.node.prefill)} | ` +
    `${ratio(r.ours.prefill, best(r.bench.prefill, r.node.prefill))} | ${fmt(r.ours.decode)} | ${fmt(r.bench.decode)} / ${fmt(r.node.decode)} | ` +
    `${ratio(r.ours.decode, best(r.bench.decode, r.node.decode))} | ` +
    (b8 ? `${fmt(b8.ours)} | ${fmt(b8.bench)} / ${fmt(b8.node)} | ${ratio(b8.ours, best(b8.bench, b8.node))} |` : "- | - | - |");
}

// ---- measure, interleaved -----------------------------------------------------------------------
const rows = [];
for (const t of types) {
  const model = join(models, `bench110m-${t}.gguf`);
  for (const threads of threadList) {
    const o = [], lb = [], nd = [];
    for (let i = 0; i < runs; i++) {
      o.push(ours(model, threads, 1));
      lb.push(llamaBenchRun(model, threads));
      nd.push(nodeRun(model, threads, 1));
    }
    const row = {
      type: t, threads,
      ours: { prefill: median(o.map((x) => x.prefill)), decode: median(o.map((x) => x.decode)) },
      bench: { prefill: median(lb.map((x) => x.prefill)), decode: median(lb.map((x) => x.decode)) },
      node: { prefill: median(nd.map((x) => x.prefill)), decode: median(nd.map((x) => x.decode)) },
    };
    if (batchThreads.includes(threads)) {
      const o8 = [], bb8 = [], nd8 = [];
      for (let i = 0; i < runs; i++) {
        o8.push(ours(model, threads, 8).decode);
        bb8.push(batchedBenchRun(model, threads));
        nd8.push(nodeRun(model, threads, 8).decode);
      }
      row.batch8 = { ours: median(o8), bench: median(bb8), node: median(nd8) };
    }
    rows.push(row);
    console.error(`${tableRow(row)}   (load ${load()})`);
  }
}

// ---- table ----------------------------------------------------------------------------------------
const lines = [];
lines.push(`CPU: ${cpu} (${isa}), ${os.cpus().length} CPUs; load average before ${loadBefore}, after ${load()}; ` +
  `commit ${commit}; ${new Date().toISOString().slice(0, 16)}Z`);
lines.push(`bench110m model, prompt ${PROMPT}, ${GEN} generated, median of ${runs} interleaved runs, tokens/s. ` +
  `llama.cpp: llama-bench (own build) / node-llama-cpp perf counters; ratio = MOSAIC / the better of the two.`);
lines.push("");
lines.push("| weights | threads | prefill MOSAIC | prefill llama.cpp (bench / node) | ratio | decode MOSAIC | decode llama.cpp (bench / node) | ratio | batch-8 decode MOSAIC | batch-8 llama.cpp (batched-bench / node) | ratio |");
lines.push("|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) lines.push(tableRow(r));
const text = lines.join("\n") + "\n";
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile + ".tmp", text);
spawnSync("mv", [outFile + ".tmp", outFile]);
process.stdout.write(text);
