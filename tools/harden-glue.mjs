// Makes the popup's wasm-bindgen glue unable to parse HTML.
//
//   node tools/harden-glue.mjs popup/fm_popup.js
//
// leptos (tachys) sets `innerHTML` in two places: to fill a `<template>`
// with the static markup of a view, which it derives from Rust types at
// compile time, and to clear an element. Nothing else in the popup sets
// HTML: page content and server answers are only ever text nodes. The
// setter is replaced by one that allows exactly those two uses and
// throws on anything else, so no path through the popup, now or after an
// upgrade, can turn a runtime string into markup in a live element. The
// template markup is parsed in an inert document (DOMParser), where
// nothing runs or loads, and moved into the template.
import { readFileSync, writeFileSync } from "node:fs";

const [file] = process.argv.slice(2);
const glue = readFileSync(file, "utf8");
const setter =
  /(__wbg_set_innerHTML_[0-9a-f]+: function\((\w+), (\w+), (\w+)\) \{)\s*\2\.innerHTML = getStringFromWasm0\(\3, \4\);\s*\}/g;
const found = glue.match(setter) ?? [];
if (found.length > 1) {
  throw new Error(`${file}: ${found.length} innerHTML setters, expected at most one`);
}
const hardened = glue.replace(
  setter,
  (_, head, el, ptr, len) =>
    `${head}\n` +
    `            const html = getStringFromWasm0(${ptr}, ${len});\n` +
    `            if (${el} instanceof HTMLTemplateElement) {\n` +
    `                const inert = new DOMParser().parseFromString(\n` +
    `                    "<template>" + html + "</template>", "text/html");\n` +
    `                ${el}.content.replaceChildren(inert.querySelector("template").content);\n` +
    `            } else if (html === "") {\n` +
    `                ${el}.replaceChildren();\n` +
    `            } else {\n` +
    `                throw new Error("the popup renders text, never HTML");\n` +
    `            }\n` +
    `        }`,
);
if (/\.innerHTML\s*=|insertAdjacentHTML|outerHTML\s*=|document\.write/.test(hardened)) {
  throw new Error(`${file}: an HTML sink is left after hardening`);
}
writeFileSync(file, hardened);
