// The content script's sanitizer must behave exactly like the native one
// in both forms it ships in: WebAssembly (with SIMD) and the JavaScript
// translation used where a page's CSP forbids WebAssembly. The same
// documents go through all three; the outputs must be identical.
//
//   node tests/wasm/differential.mjs      (after ./build.sh)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { load } from "./sanitizer-module.mjs";

const ROOT = new URL("../../", import.meta.url);
const CLI = new URL("target/release/fm-sanitize", ROOT).pathname;

/// The documents: every line of the shared secret corpus, and the text of
/// the browser tests' fixture pages with their markup stripped.
function documents() {
  const corpus = readFileSync(new URL("src/sanitizer/tests/corpus/secret-examples.jsonl", ROOT), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line).text);
  const pagesDir = new URL("tests/browser/pages/", ROOT);
  const pages = readdirSync(pagesDir)
    .filter((name) => name.endsWith(".html"))
    .map((name) => readFileSync(new URL(name, pagesDir), "utf8").replace(/<[^>]*>/g, ""));
  return [
    ["secret corpus", corpus.join("\n")],
    ["fixture pages", pages.join("\n")],
    ["private addresses kept", corpus.join("\n"), { keepPrivateIps: true }],
  ];
}

function native(text, options = {}) {
  const args = options.keepPrivateIps ? ["--keep-private-ips"] : [];
  return execFileSync(CLI, args, { input: text, maxBuffer: 64 << 20 }).toString("utf8");
}

const wasm = await load("wasm");
const js = await load("js");
let failures = 0;
for (const [name, text, options] of documents()) {
  const expected = native(text, options);
  const fromWasm = wasm.sanitize(text, options);
  const fromJs = js.sanitize(text, options);
  try {
    assert.equal(fromWasm.text, expected, "WebAssembly differs from native");
    assert.deepEqual(fromJs, fromWasm, "JavaScript differs from WebAssembly");
    console.log(`ok ${name}: ${text.length} characters, ${fromWasm.report.redactions.length} placeholders, same in all three`);
  } catch (error) {
    failures += 1;
    console.log(`not ok ${name}: ${error.message.split("\n")[0]}`);
  }
}
process.exit(failures ? 1 : 0);
