// Throughput of the sanitizer in WebAssembly, through the content script's
// own entry point (`fm_sanitize` in fm_capture.wasm), in plain Node 20.
//
//   node src/sanitizer/bench/wasm.mjs [WASM] [CORPUS] [--mib N] [--runs N]
//
// WASM defaults to target/wasm32-unknown-unknown/release/fm_capture.wasm,
// CORPUS to target/fm-bench-corpus.txt, written by
//   cargo run --release -p fm-sanitizer --example bench -- --write FILE
// Imports other than the clock are stubbed. The first N MiB of the
// corpus (4 by default), cut at a line end, are
// sanitized `--runs` times (10 by default). Three figures are printed,
// best of the runs: the sanitizer alone (timed inside the module), the
// call (with reading the options and writing the JSON answer), and the
// round trip a content script pays (writing the text into the module, the
// call, and decoding the JSON answer). The first call is printed too: it
// compiles the rules it needs.

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const positional = [];
const flags = { mib: 4, runs: 10 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === "--mib" || arg === "--runs") {
    const value = Number(argv[++i]);
    if (!(value > 0)) {
      console.error(`${arg} needs a positive number`);
      process.exit(2);
    }
    flags[arg.slice(2)] = value;
  } else {
    positional.push(arg);
  }
}
const wasmPath = resolve(
  positional[0] ??
    `${root}/target/wasm32-unknown-unknown/release/fm_capture.wasm`,
);
const corpusPath = resolve(
  positional[1] ?? `${root}/target/fm-bench-corpus.txt`,
);

let corpus;
try {
  corpus = readFileSync(corpusPath);
} catch (e) {
  console.error(
    `cannot read the corpus ${corpusPath} (${e.code}); write it with\n` +
      "  cargo run --release -p fm-sanitizer --example bench -- " +
      `--write ${corpusPath}`,
  );
  process.exit(2);
}
let size = Math.min(corpus.length, Math.round(flags.mib * 1024 * 1024));
while (size < corpus.length && corpus[size - 1] !== 0x0a) size--;
const text = corpus.subarray(0, size);
const mib = text.length / (1024 * 1024);

// The content script imports its DOM bridge; the benchmark reads no
// page, so every import answers 0, except the clock.
const module = await WebAssembly.compile(readFileSync(wasmPath));
const imports = {};
for (const { module: name, name: field, kind } of WebAssembly.Module.imports(
  module,
)) {
  if (kind !== "function") continue;
  imports[name] ??= {};
  imports[name][field] = field === "now" ? () => performance.now() : () => 0;
}
const instance = await WebAssembly.instantiate(module, imports);
const { memory, fm_alloc, fm_free, fm_sanitize } = instance.exports;
const options = new TextEncoder().encode("{}");
const decoder = new TextDecoder();

function write(bytes) {
  const ptr = fm_alloc(bytes.length);
  new Uint8Array(memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

/// One round trip; returns [call ms, total ms, answer]. The answer's
/// `sanitizeMs` is the module's own clock around `sanitize` alone.
function sanitize() {
  const started = performance.now();
  const optPtr = write(options);
  const textPtr = write(text);
  const outPtr = fm_alloc(8);
  const called = performance.now();
  fm_sanitize(optPtr, options.length, textPtr, text.length, outPtr);
  const returned = performance.now();
  const [ptr, len] = new Uint32Array(memory.buffer, outPtr, 2);
  const answer = JSON.parse(
    decoder.decode(new Uint8Array(memory.buffer, ptr, len)),
  );
  fm_free(ptr, len);
  fm_free(outPtr, 8);
  fm_free(textPtr, text.length);
  fm_free(optPtr, options.length);
  return [returned - called, performance.now() - started, answer];
}

const [firstCall, firstTotal, answer] = sanitize();
if (answer.error || typeof answer.text !== "string") {
  console.error(`fm_sanitize failed: ${answer.error ?? "no text"}`);
  process.exit(1);
}
let bestCall = Infinity;
let bestTotal = Infinity;
let bestSanitize = Infinity;
for (let run = 0; run < flags.runs; run++) {
  const [call, total, { sanitizeMs }] = sanitize();
  bestCall = Math.min(bestCall, call);
  bestTotal = Math.min(bestTotal, total);
  bestSanitize = Math.min(bestSanitize, sanitizeMs);
}

const redactions = answer.report.redactions.length;
const rate = (ms) => (mib / (ms / 1000)).toFixed(0);
console.log(`module:     ${wasmPath}`);
console.log(`corpus:     ${mib.toFixed(1)} MiB of ${corpusPath}`);
console.log(`redactions: ${redactions}`);
console.log(
  `first call: ${rate(firstCall)} MiB/s (${firstCall.toFixed(1)} ms; ` +
    `round trip ${firstTotal.toFixed(1)} ms)`,
);
console.log(
  `sanitize:   ${rate(bestSanitize)} MiB/s (best of ${flags.runs}, ` +
    `${bestSanitize.toFixed(1)} ms, the sanitizer alone)`,
);
console.log(
  `call:       ${rate(bestCall)} MiB/s (best of ${flags.runs}, ` +
    `${bestCall.toFixed(1)} ms)`,
);
console.log(
  `round trip: ${rate(bestTotal)} MiB/s (best of ${flags.runs}, ` +
    `${bestTotal.toFixed(1)} ms, with JSON decoding)`,
);
