// Tokenizes a JSON array of strings with llama.cpp (node-llama-cpp's prebuilt CPU binaries, vocabulary only)
// and compares the ids with MOSAIC's, as printed by `mosaic tokenize --model M.gguf --strings S.json [--special]`.
// Usage: node tokenize-compare.mjs MODEL.gguf STRINGS.json MOSAIC_IDS.json [--special]
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import fs from "node:fs";

const [model, stringsFile, oursFile, flag] = process.argv.slice(2);
if (!oursFile) {
  console.error("usage: node tokenize-compare.mjs MODEL.gguf STRINGS.json MOSAIC_IDS.json [--special]");
  process.exit(2);
}
const special = flag === "--special";
const strings = JSON.parse(fs.readFileSync(stringsFile, "utf8"));
const ours = JSON.parse(fs.readFileSync(oursFile, "utf8"));
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const m = await llama.loadModel({ modelPath: model, vocabOnly: true });
let same = 0;
const shown = [];
strings.forEach((s, i) => {
  const ref = Array.from(m.tokenize(s, special));
  if (JSON.stringify(ref) === JSON.stringify(ours[i])) {
    same++;
  } else if (shown.length < 5) {
    shown.push(`#${i} ${JSON.stringify(s)}\n  llama.cpp ${JSON.stringify(ref)}\n  mosaic    ${JSON.stringify(ours[i])}`);
  }
});
shown.forEach((x) => console.log(x));
console.log(`${model}${special ? " (special)" : ""}: ${same}/${strings.length} strings tokenized identically`);
await m.dispose();
await llama.dispose();
process.exit(same === strings.length ? 0 : 1);
