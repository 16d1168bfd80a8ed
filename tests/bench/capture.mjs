// From click to preview, in headless Chromium (or BROWSER=firefox) with
// the built extension: a generated log page of 5 MiB of text in 100 000
// elements, captured whole (the capture limit raised to 10 MiB for the
// run), five times.
// Prints what the content script measured (reading the page, sanitizing
// it) and the wall time from the toolbar click to the preview.
//
//   ./build.sh && node tests/bench/capture.mjs [KiB] [elements]
import { launch } from "../browser/browser.mjs";
import { configure, extensionContext } from "../browser/fixtures.mjs";
import { FaultMaven, Pages, Proxy } from "../browser/server.mjs";

// 5400 KiB of generated markup is 5.1 MiB of text once read.
const kib = Number(process.argv[2] ?? 5400);
const elements = Number(process.argv[3] ?? 100_000);
const RUNS = 5;

const api = await new FaultMaven().start();
const pages = await new Pages().start();
const proxy = await new Proxy(() => [api.origin, pages.origin]).start();
const browser = await launch({ proxy: proxy.origin });
try {
  // Signed in, as the tests start, with the limit raised.
  await configure({ browser, api, dashboard: api });
  const setup = await extensionContext({ browser });
  await setup.evaluate(async () => {
    const ext = globalThis.browser ?? globalThis.chrome;
    const { settings } = await ext.storage.local.get("settings");
    await ext.storage.local.set({ settings: { ...settings, captureLimitBytes: 10 << 20 } });
  });
  await setup.close();

  const tab = await browser.open(pages.url(`generated/page.html?kib=${kib}&elements=${elements}`));
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const clicked = performance.now();
    const popup = await browser.clickToolbar(tab);
    await popup.waitFor("#capture-stats", () => true, { timeout: 60_000 });
    const wall = performance.now() - clicked;
    const stats = await popup.evaluate(() => ({ ...document.querySelector("#capture-stats").dataset }));
    runs.push({ wall, read: Number(stats.readMs), sanitize: Number(stats.sanitizeMs), bytes: Number(stats.bytes), elements: Number(stats.elements) });
    await popup.close();
  }
  const best = (key) => Math.min(...runs.map((r) => r[key]));
  const median = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  const { bytes, elements: seen } = runs[0];
  console.log(`page:      ${(bytes / 1048576).toFixed(1)} MiB of text read from ${seen} elements, ${RUNS} runs`);
  console.log(`read:      best ${best("read").toFixed(0)} ms, median ${median("read").toFixed(0)} ms`);
  console.log(`sanitize:  best ${best("sanitize").toFixed(0)} ms, median ${median("sanitize").toFixed(0)} ms`);
  console.log(`together:  best ${Math.min(...runs.map((r) => r.read + r.sanitize)).toFixed(0)} ms`);
  console.log(`click to preview (popup load included): median ${median("wall").toFixed(0)} ms`);
} finally {
  await browser.close();
  for (const server of [proxy, api, pages]) {
    await server.stop();
  }
}
