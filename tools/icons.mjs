// Renders assets/icon.svg to the PNG icons the manifest names, in headless
// Chromium. The PNGs are committed; run this after changing the drawing:
//
//   node tools/icons.mjs
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const root = new URL("../", import.meta.url);
const svg = readFileSync(new URL("assets/icon.svg", root), "utf8");
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
for (const size of [16, 32, 48, 128]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  const html = `<style>html,body{margin:0;background:transparent}</style>` +
    svg.replace("<svg ", `<svg width="${size}" height="${size}" `);
  await page.setContent(html);
  await page.screenshot({
    path: new URL(`assets/icon-${size}.png`, root).pathname,
    omitBackground: true,
  });
  await page.close();
}
await browser.close();
