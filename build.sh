#!/usr/bin/env bash
# Builds FaultMaven Capture for Chrome and Firefox, or tests it.
#
#   ./build.sh         install what is missing, build dist/chrome,
#                      dist/firefox and a zip of each
#   ./build.sh test    the same, then every test: native Rust, the
#                      content-script module in WebAssembly and as
#                      JavaScript, and the browser suite in headless
#                      Chromium and Firefox
#
# Everything installed comes from the package registries (rustup's
# target, crates.io, npm, Debian) and is skipped when already present, so
# running this twice costs only the build.
set -euo pipefail
cd "$(dirname "$0")"

ROOT=$PWD
WASM_TARGET=wasm32-unknown-unknown
OUT=target/ext
BIN=$ROOT/node_modules/.bin
# Where `cargo install` puts wasm-bindgen and geckodriver, also when the
# shell's PATH does not have it.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# Each step says when it starts, in seconds since this script did.
log() { printf '\033[1m==> %s\033[0m (%d s)\n' "$*" "$SECONDS" >&2; }
fail() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# --- what the build needs -------------------------------------------------

need_wasm_target() {
  if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
    log "Adding the $WASM_TARGET target"
    rustup target add "$WASM_TARGET"
  fi
}

# The CLI must be exactly the version of the wasm-bindgen crate, which
# Cargo.toml pins with "=".
need_wasm_bindgen() {
  local want have
  want=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)
  [ -n "$want" ] || fail "Cargo.toml must pin wasm-bindgen with \"=\""
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    log "Installing wasm-bindgen-cli $want (a few minutes, once)"
    # Not --locked: its lock file pins a crate version the registry no
    # longer has.
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

# wasm-opt, wasm2js, the browser drivers and web-ext come from npm, at the
# versions package-lock.json pins.
need_npm_packages() {
  command -v npm >/dev/null || fail "npm is missing: apt-get install nodejs npm"
  if [ ! -f node_modules/.package-lock.json ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "Installing npm packages"
    npm ci --no-audit --no-fund
  fi
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

need_browsers() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  command -v firefox-esr >/dev/null || missing+=(firefox-esr)
  if [ ${#missing[@]} -gt 0 ]; then
    log "Installing ${missing[*]} from Debian"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  if ! command -v geckodriver >/dev/null; then
    log "Installing geckodriver (a few minutes, once)"
    cargo install geckodriver --version 0.37.1
  fi
}

# --- the build --------------------------------------------------------------

# Release WebAssembly for the three contexts, then the content script
# again without SIMD for its JavaScript translation (wasm2js cannot
# translate SIMD).
build_wasm() {
  log "Building the WebAssembly modules"
  # The content script is built on its own: built together, cargo would
  # give it the union of every crate's dependency features, and the
  # popup's dependencies switch on regex-syntax's Unicode tables (150 KiB
  # gzipped that the ASCII-only sanitizer never uses).
  cargo build --release --target "$WASM_TARGET" -p fm-capture
  cargo build --release --target "$WASM_TARGET" -p fm-popup -p fm-background
  RUSTFLAGS="-C target-feature=-simd128" CARGO_TARGET_DIR=target/no-simd \
    cargo build --release --target "$WASM_TARGET" -p fm-capture
}

# wasm-bindgen glue for the popup and the worker, optimisation for all,
# and the content script's two forms: base64 WebAssembly and JavaScript.
finish_modules() {
  local release=target/$WASM_TARGET/release
  rm -rf "$OUT" && mkdir -p "$OUT/popup" "$OUT/background" "$OUT/capture"

  log "Generating bindings and optimising"
  wasm-bindgen --target web --no-typescript --out-dir "$OUT/popup" \
    "$release/fm_popup.wasm"
  wasm-bindgen --target web --no-typescript --out-dir "$OUT/background" \
    "$release/fm_background.wasm"
  node tools/harden-glue.mjs "$OUT/popup/fm_popup.js"
  "$BIN/wasm-opt" -Oz --strip-debug --strip-producers \
    "$OUT/popup/fm_popup_bg.wasm" -o "$OUT/popup/fm_popup_bg.wasm"
  "$BIN/wasm-opt" -Oz --strip-debug --strip-producers \
    "$OUT/background/fm_background_bg.wasm" \
    -o "$OUT/background/fm_background_bg.wasm"

  "$BIN/wasm-opt" -O3 --strip-debug --strip-producers \
    "$release/fm_capture.wasm" -o "$OUT/capture.wasm"
  node tools/embed-wasm.mjs "$OUT/capture.wasm" "$OUT/capture/sanitizer.js"

  "$BIN/wasm-opt" -O3 --strip-debug --strip-producers \
    target/no-simd/$WASM_TARGET/release/fm_capture.wasm \
    -o "$OUT/capture-no-simd.wasm"
  "$BIN/wasm2js" "$OUT/capture-no-simd.wasm" -O \
    --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    -o "$OUT/capture-asm.mjs"
  node tools/wrap-asm.mjs "$OUT/capture-asm.mjs" \
    "$OUT/capture/sanitizer-asm.js"
}

# package BROWSER DIR [--test]: one loadable, unpacked extension.
package() {
  local browser=$1 dir=$2
  shift 2
  rm -rf "$dir" && mkdir -p "$dir"
  cp -r extension/. "$dir/"
  # Only Chrome reads a schema for policy-set storage; Firefox takes
  # policies from its own policies.json.
  [ "$browser" = chrome ] || rm "$dir/managed-schema.json"
  mkdir -p "$dir/icons" && cp assets/icon-*.png "$dir/icons/"
  cp -r "$OUT/popup" "$OUT/background" "$dir/"
  cp "$OUT"/capture/*.js "$dir/capture/"
  node tools/manifest.mjs "$browser" "$dir/manifest.json" "$@"
}

# The version both packages carry, as tools/manifest.mjs reads it.
workspace_version() {
  node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).version' \
    < <(node tools/manifest.mjs chrome /dev/stdout)
}

zip_package() {
  local dir=$1 zip=$2
  rm -f "$zip"
  (cd "$dir" && python3 -m zipfile -c "$ROOT/$zip" .)
}

build() {
  need_wasm_target
  need_wasm_bindgen
  need_npm_packages
  build_wasm
  finish_modules

  local version
  version=$(workspace_version)
  for browser in chrome firefox; do
    package "$browser" "dist/$browser"
    zip_package "dist/$browser" "dist/faultmaven-capture-$version-$browser.zip"
    # The test packages differ only by loopback host access; they live
    # under target/, so nothing test-only reaches dist/.
    package "$browser" "target/test-ext/$browser" --test
  done
  # Firefox keeps an add-on across a restart only when it is installed
  # from a package, not as a temporary add-on from a folder.
  zip_package target/test-ext/firefox target/test-ext/firefox.xpi
  report_sizes
}

report_sizes() {
  log "Sizes (raw, gzipped)"
  local f
  for f in "$OUT/capture.wasm" "$OUT/popup/fm_popup_bg.wasm" \
    "$OUT/background/fm_background_bg.wasm" \
    "$OUT/capture/sanitizer-asm.js"; do
    printf '  %-44s %8d %8d\n' "$f" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)" >&2
  done
}

# --- tests ------------------------------------------------------------------

run_tests() {
  need_browsers
  build

  log "Format and lints"
  cargo fmt --all --check
  cargo clippy --workspace --all-targets -- -D warnings
  cargo clippy --target "$WASM_TARGET" \
    -p fm-capture -p fm-popup -p fm-background -- -D warnings
  # As addons.mozilla.org will check them: the package and its upload.
  "$BIN/web-ext" lint --source-dir dist/firefox --warnings-as-errors
  "$BIN/addons-linter" --warnings-as-errors \
    "dist/faultmaven-capture-$(workspace_version)-firefox.zip"

  log "The packages"
  node --test tests/package/

  log "Native tests"
  cargo test --workspace
  cargo build --release -p fm-sanitizer --bin fm-sanitize

  log "The content-script module, as WebAssembly and as JavaScript"
  node tests/wasm/differential.mjs

  # The same suite in each browser; both run even when the first fails.
  log "Browser tests"
  local browser failed=()
  for browser in chromium firefox; do
    log "... in $browser"
    BROWSER=$browser node --test --test-concurrency=1 tests/browser/ ||
      failed+=("$browser")
  done
  [ ${#failed[@]} -eq 0 ] || fail "the browser tests failed in ${failed[*]}"
}

case "${1:-build}" in
  build) build ;;
  test) run_tests ;;
  *) fail "unknown command '$1': use ./build.sh or ./build.sh test" ;;
esac
