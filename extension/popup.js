// Loads the popup's Rust module (src/popup); it mounts itself on <body>.
// A separate file because Manifest V3 forbids inline scripts.
import init from "./popup/fm_popup.js";

init({ module_or_path: new URL("./popup/fm_popup_bg.wasm", import.meta.url) });
