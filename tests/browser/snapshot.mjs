// Expected captures, checked in under tests/browser/snapshots/ and
// reviewed by eye. `UPDATE_SNAPSHOTS=1` rewrites them from what the
// browser captured; review the diff before committing it.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const DIR = new URL("./snapshots/", import.meta.url);

export function matchSnapshot(name, actual) {
  const file = new URL(`${name}.txt`, DIR);
  if (process.env.UPDATE_SNAPSHOTS === "1") {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(file, actual.endsWith("\n") ? actual : actual + "\n");
    return;
  }
  assert.ok(existsSync(file), `no snapshot ${name}.txt: run with UPDATE_SNAPSHOTS=1 and review it`);
  const expected = readFileSync(file, "utf8");
  assert.equal(actual.endsWith("\n") ? actual : actual + "\n", expected, `capture of ${name} differs from its snapshot`);
}
