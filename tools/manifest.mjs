// Writes one browser's manifest from the source manifest.json.
//
//   node tools/manifest.mjs chrome|firefox OUT.json [--test]
//
// The source manifest holds what both browsers share at the top level and
// each browser's own keys under "chrome" and "firefox"; this merges one of
// those in and drops the other. The version comes from Cargo.toml's
// [workspace.package], so the crates and both packages always agree.
// `--test` adds host access to loopback, because a headless browser cannot
// answer the permission prompt; build.sh uses it only for the packages
// under target/, never for dist/.
import { readFileSync, writeFileSync } from "node:fs";

const [browser, out, ...flags] = process.argv.slice(2);
if (!["chrome", "firefox"].includes(browser) || !out) {
  console.error("usage: node tools/manifest.mjs chrome|firefox OUT.json [--test]");
  process.exit(2);
}
const root = new URL("../", import.meta.url);

function workspaceVersion() {
  const cargo = readFileSync(new URL("Cargo.toml", root), "utf8");
  const section = cargo.split(/^\[workspace\.package\]$/m)[1] ?? "";
  const version = /^version\s*=\s*"([^"]+)"/m.exec(section)?.[1];
  if (!version) {
    throw new Error("Cargo.toml has no [workspace.package] version");
  }
  return version;
}

const source = JSON.parse(readFileSync(new URL("manifest.json", root), "utf8"));
const { chrome, firefox, ...shared } = source;
const manifest = { ...shared, ...(browser === "chrome" ? chrome : firefox) };
manifest.version = workspaceVersion();

if (flags.includes("--test")) {
  manifest.host_permissions = ["http://127.0.0.1/*"];
}

writeFileSync(out, JSON.stringify(manifest, null, 2) + "\n");
