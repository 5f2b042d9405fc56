// Tokenizes a JSON array of strings with Hugging Face tokenizers (the Rust library) and compares the ids with
// MOSAIC's, as printed by `mosaic tokenize --model tokenizer.json --strings S.json --special` (Hugging Face always
// matches added tokens written in the text, hence --special).
// Usage: node tokenize-compare.mjs tokenizer.json STRINGS.json MOSAIC_IDS.json
import { Tokenizer } from "tokenizers";
import fs from "node:fs";

const [tokenizerFile, stringsFile, oursFile] = process.argv.slice(2);
if (!oursFile) {
  console.error("usage: node tokenize-compare.mjs tokenizer.json STRINGS.json MOSAIC_IDS.json");
  process.exit(2);
}
const tok = Tokenizer.fromFile(tokenizerFile);
const strings = JSON.parse(fs.readFileSync(stringsFile, "utf8"));
const ours = JSON.parse(fs.readFileSync(oursFile, "utf8"));
let same = 0;
const shown = [];
for (let i = 0; i < strings.length; i++) {
  const ref = Array.from((await tok.encode(strings[i], null, { addSpecialTokens: false })).getIds());
  if (JSON.stringify(ref) === JSON.stringify(ours[i])) {
    same++;
  } else if (shown.length < 5) {
    shown.push(`#${i} ${JSON.stringify(strings[i])}\n  tokenizers ${JSON.stringify(ref)}\n  mosaic     ${JSON.stringify(ours[i])}`);
  }
}
shown.forEach((x) => console.log(x));
console.log(`${tokenizerFile}: ${same}/${strings.length} strings tokenized identically`);
process.exit(same === strings.length ? 0 : 1);
