// The packages in dist/ ask for exactly what the extension needs, and the
// test packages differ from them only by loopback host access.
//
//   node --test tests/package/      (after ./build.sh)
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";

const ROOT = new URL("../../", import.meta.url);

function manifest(dir) {
  return JSON.parse(readFileSync(new URL(`${dir}/manifest.json`, ROOT), "utf8"));
}

for (const browser of ["chrome", "firefox"]) {
  const shipped = manifest(`dist/${browser}`);

  test(`${browser}: permissions are minimal and host access is only optional`, () => {
    assert.deepEqual(shipped.permissions, ["activeTab", "alarms", "contextMenus", "scripting", "storage"]);
    assert.equal(shipped.host_permissions, undefined);
    assert.equal(shipped.content_scripts, undefined);
    assert.equal(shipped.web_accessible_resources, undefined);
    assert.ok(!JSON.stringify(shipped).includes("<all_urls>"));
    for (const pattern of shipped.optional_host_permissions) {
      assert.match(pattern, /^(https:\/\/\*\/\*|http:\/\/(localhost|127\.0\.0\.1|\[::1\])\/\*)$/);
    }
  });

  test(`${browser}: extension pages allow only their own scripts and WebAssembly`, () => {
    assert.deepEqual(shipped.content_security_policy, {
      extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'",
    });
  });

  test(`${browser}: every file the manifest names is in the package`, () => {
    const named = [
      ...Object.values(shipped.icons),
      ...Object.values(shipped.action.default_icon),
      shipped.action.default_popup,
      shipped.background.service_worker ?? shipped.background.scripts[0],
      "_locales/en/messages.json",
      "capture/bridge.js",
      "capture/walker.js",
      "capture/sanitizer.js",
      "capture/sanitizer-asm.js",
    ];
    for (const file of named) {
      assert.ok(existsSync(new URL(`dist/${browser}/${file}`, ROOT)), file);
    }
  });

  test(`${browser}: the test package adds loopback host access and nothing else`, () => {
    const { host_permissions, ...rest } = manifest(`target/test-ext/${browser}`);
    assert.deepEqual(host_permissions, ["http://127.0.0.1/*"]);
    assert.deepEqual(rest, shipped);
  });
}

test("chrome runs a service worker; firefox background scripts with a stable id", () => {
  const chrome = manifest("dist/chrome");
  const firefox = manifest("dist/firefox");
  assert.deepEqual(chrome.background, { service_worker: "background.js", type: "module" });
  assert.equal(chrome.browser_specific_settings, undefined);
  assert.equal(chrome.storage.managed_schema, "managed-schema.json");
  assert.ok(existsSync(new URL("dist/chrome/managed-schema.json", ROOT)));
  assert.equal(firefox.storage, undefined);
  assert.deepEqual(firefox.background, { scripts: ["background.js"], type: "module" });
  assert.equal(firefox.browser_specific_settings.gecko.id, "capture@faultmaven.dev");
  assert.deepEqual(firefox.browser_specific_settings.gecko.data_collection_permissions, {
    required: ["websiteContent"],
  });
  // Desktop only: `gecko_android` would mark the add-on as made for
  // Firefox for Android, which has neither context menus nor shortcuts.
  // 142 is where both Firefox builds read `data_collection_permissions`.
  assert.equal(firefox.browser_specific_settings.gecko.strict_min_version, "142.0");
  assert.equal(firefox.browser_specific_settings.gecko_android, undefined);
});

test("the version comes from Cargo.toml", () => {
  const cargo = readFileSync(new URL("Cargo.toml", ROOT), "utf8");
  const version = /\[workspace\.package\][^[]*?version\s*=\s*"([^"]+)"/s.exec(cargo)[1];
  assert.equal(manifest("dist/chrome").version, version);
  assert.equal(manifest("dist/firefox").version, version);
});
