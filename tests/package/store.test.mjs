// The uploads each store gets: one zip a browser, holding exactly the
// unpacked package with its manifest at the root, every user-visible
// manifest string taken from _locales, and the icons at the sizes the
// stores ask for.
//
//   node --test tests/package/      (after ./build.sh)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { test } from "node:test";

const ROOT = new URL("../../", import.meta.url);

/// Three times the size of today's zips: room to grow, while a debug
/// build or a stray directory fails.
const ZIP_BUDGET = 5 * 1024 * 1024;

/// What the stores allow: Chrome cuts the description at 132 characters
/// and the short name at 12; addons.mozilla.org takes names of at most
/// 45.
const LIMITS = { name: 45, short_name: 12, description: 132 };

function read(path) {
  return readFileSync(new URL(path, ROOT));
}

function json(path) {
  return JSON.parse(read(path).toString("utf8"));
}

/// Every file under `dir`, as paths relative to it.
function files(dir, prefix = "") {
  return readdirSync(new URL(dir, ROOT), { withFileTypes: true }).flatMap((entry) => {
    const path = `${prefix}${entry.name}`;
    return entry.isDirectory() ? files(`${dir}/${entry.name}`, `${path}/`) : [path];
  });
}

/// The files in a zip, read with the Python that build.sh zips with.
function zipped(zip) {
  const list = "import json, sys, zipfile; " +
    "print(json.dumps([i.filename for i in zipfile.ZipFile(sys.argv[1]).infolist() if not i.is_dir()]))";
  return JSON.parse(execFileSync("python3", ["-c", list, new URL(zip, ROOT).pathname], { encoding: "utf8" }));
}

function unzipped(zip, name) {
  const show = "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))";
  return execFileSync("python3", ["-c", show, new URL(zip, ROOT).pathname, name]);
}

/// The width and height a PNG's header declares.
function pngSize(bytes) {
  assert.equal(bytes.subarray(1, 4).toString("latin1"), "PNG");
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

const version = json("dist/chrome/manifest.json").version;
const messages = json("extension/_locales/en/messages.json");

for (const browser of ["chrome", "firefox"]) {
  const dir = `dist/${browser}`;
  const zip = `dist/faultmaven-capture-${version}-${browser}.zip`;
  const manifest = json(`${dir}/manifest.json`);

  test(`${browser}: the zip holds exactly the package, manifest at the root`, () => {
    assert.deepEqual(zipped(zip).sort(), files(dir).sort());
    assert.deepEqual(unzipped(zip, "manifest.json"), read(`${dir}/manifest.json`));
    const size = statSync(new URL(zip, ROOT)).size;
    assert.ok(size < ZIP_BUDGET, `${zip} is ${size} bytes`);
  });

  test(`${browser}: every user-visible manifest string comes from _locales`, () => {
    const shown = {
      name: manifest.name,
      short_name: manifest.short_name,
      description: manifest.description,
      "action.default_title": manifest.action.default_title,
    };
    for (const [key, value] of Object.entries(shown)) {
      const name = /^__MSG_(\w+)__$/.exec(value)?.[1];
      assert.ok(name, `${key} is not localized: ${value}`);
      assert.ok(messages[name]?.message, `${key} names ${name}, which messages.json lacks`);
      const limit = LIMITS[key];
      if (limit) {
        assert.ok(messages[name].message.length <= limit, `${key} is longer than ${limit}`);
      }
    }
    assert.equal(manifest.default_locale, "en");
  });

  test(`${browser}: the icons are drawn at the sizes they are named for`, () => {
    for (const [size, path] of Object.entries({ ...manifest.icons, ...manifest.action.default_icon })) {
      assert.deepEqual(pngSize(read(`${dir}/${path}`)), [Number(size), Number(size)], path);
    }
    assert.deepEqual(Object.keys(manifest.icons), ["16", "32", "48", "128"]);
  });
}
