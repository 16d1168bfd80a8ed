// Loads the content script's sanitizer outside a browser, in either of
// its shipped forms, with the DOM imports stubbed: for the differential
// test and for benchmarks.
import { readFileSync } from "node:fs";
import vm from "node:vm";

const ROOT = new URL("../../", import.meta.url);

const dom = { text: () => 0, elements: () => 0, cut: () => 0, now: () => Date.now() };

/// The WebAssembly module as shipped (embedded as base64 in
/// `capture/sanitizer.js`), or its JavaScript translation
/// (`capture/sanitizer-asm.js`), from an unpacked package directory.
export async function load(form, packageDir = "dist/chrome") {
  const dir = new URL(`${packageDir}/capture/`, ROOT);
  const sandbox = {};
  vm.createContext(sandbox);
  if (form === "wasm") {
    vm.runInContext(readFileSync(new URL("sanitizer.js", dir), "utf8"), sandbox);
    const bytes = Buffer.from(sandbox.fmSanitizerWasm, "base64");
    const { instance } = await WebAssembly.instantiate(bytes, { dom });
    return new Module(instance.exports);
  }
  if (form === "js") {
    vm.runInContext(readFileSync(new URL("sanitizer-asm.js", dir), "utf8"), sandbox);
    return new Module(sandbox.fmSanitizerAsm(dom));
  }
  throw new Error(`unknown form ${form}: use wasm or js`);
}

class Module {
  constructor(exports) {
    this.exports = exports;
  }

  write(text) {
    const bytes = new TextEncoder().encode(text);
    const ptr = this.exports.fm_alloc(bytes.length);
    new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  }

  /// Sanitizes `text` with `options`; answers `{ text, report }` (the
  /// module's timing, which differs from run to run, left out).
  sanitize(text, options = {}) {
    const e = this.exports;
    const [optionsPtr, optionsLen] = this.write(JSON.stringify(options));
    const [textPtr, textLen] = this.write(text);
    const out = e.fm_alloc(8);
    e.fm_sanitize(optionsPtr, optionsLen, textPtr, textLen, out);
    const [ptr, len] = new Uint32Array(e.memory.buffer, out, 2);
    const answer = new TextDecoder().decode(new Uint8Array(e.memory.buffer, ptr, len));
    e.fm_free(ptr, len);
    e.fm_free(out, 8);
    e.fm_free(optionsPtr, optionsLen);
    e.fm_free(textPtr, textLen);
    const { sanitizeMs, ...result } = JSON.parse(answer);
    return result;
  }
}
