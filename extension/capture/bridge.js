// The DOM bridge of the content script.
//
// The popup injects this file, the page reader (`walker.js`), then the
// sanitizer module (WebAssembly in `sanitizer.js`, or its JavaScript
// translation in `sanitizer-asm.js` on pages whose CSP forbids
// WebAssembly), then calls `fmCapture`. The Rust side (src/capture) asks
// this bridge for the page's text, sanitizes it, and answers JSON; this
// bridge hands that answer back unchanged.
// Nothing here sends anything anywhere, and raw page text leaves this
// file only into the sanitizer's memory.
"use strict";

(() => {
  if (typeof globalThis.fmCapture === "function") {
    return;
  }

  // What the Rust side may ask for; the numbers match `dom::Text`.
  const SELECTION = 0;
  const PAGE = 1;
  const LOCATION = 2;
  const TITLE = 3;
  const NOTES = 4;

  const encoder = new TextEncoder();
  let exports = null;
  // The last read of the selection or the page, for its notes and count.
  const NOTHING = { text: "", cut: false, notes: [], elements: 0 };
  let last = NOTHING;

  // `cap` bytes hold at most `cap` UTF-16 units of text, so reading
  // stops there; the Rust side tells a cut text by its length.
  function pageText(which, cap) {
    switch (which) {
      case SELECTION:
        last = globalThis.fmReadSelection(cap) ?? NOTHING;
        return last.text;
      case PAGE:
        last = globalThis.fmReadPage(cap);
        return last.text;
      case LOCATION:
        return location.href;
      case TITLE:
        return document.title;
      case NOTES:
        return last.notes.join("\n");
      default:
        return "";
    }
  }

  // The sanitizer's imports: it calls these while it runs.
  const dom = {
    // Writes at most `cap` bytes of UTF-8 at `ptr` and answers how many;
    // `encodeInto` never splits a character.
    text(which, ptr, cap) {
      const text = pageText(which, cap);
      const into = new Uint8Array(exports.memory.buffer, ptr, cap);
      return encoder.encodeInto(text, into).written;
    },
    // Elements the last read looked at, and whether it stopped at the
    // limit.
    elements: () => last.elements,
    cut: () => (last.cut ? 1 : 0),
    now: () => Date.now(),
  };

  function decodeBase64(text) {
    if (typeof Uint8Array.fromBase64 === "function") {
      return Uint8Array.fromBase64(text);
    }
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
  }

  // Loads the sanitizer: the JavaScript build if it was injected, else
  // the WebAssembly one. `null` means the page forbids WebAssembly.
  async function load() {
    if (typeof globalThis.fmSanitizerAsm === "function") {
      return globalThis.fmSanitizerAsm(dom);
    }
    try {
      const bytes = decodeBase64(globalThis.fmSanitizerWasm);
      const { instance } = await WebAssembly.instantiate(bytes, { dom });
      return instance.exports;
    } catch {
      return null;
    }
  }

  function write(text) {
    const bytes = encoder.encode(text);
    const ptr = exports.fm_alloc(bytes.length);
    new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  }

  function readAnswer(out) {
    const [ptr, len] = new Uint32Array(exports.memory.buffer, out, 2);
    const bytes = new Uint8Array(exports.memory.buffer, ptr, len);
    const answer = new TextDecoder().decode(bytes);
    exports.fm_free(ptr, len);
    return answer;
  }

  // Captures the page as `request` (JSON) asks and answers the sanitized
  // capture as JSON, or `{"kind":"wasmBlocked"}`.
  globalThis.fmCapture = async (request) => {
    exports ??= await load();
    if (exports === null) {
      return JSON.stringify({ kind: "wasmBlocked" });
    }
    const [ptr, len] = write(request);
    const out = exports.fm_alloc(8);
    exports.fm_capture(ptr, len, out);
    exports.fm_free(ptr, len);
    const answer = readAnswer(out);
    exports.fm_free(out, 8);
    last = NOTHING;
    return answer;
  };
})();
