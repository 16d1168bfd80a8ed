// Pages too large to check in, generated on request by the page server:
//
//   /generated/page.html?kib=5120&elements=100000
//
// a log-viewer-like page of about `kib` KiB of text in about `elements`
// elements, with an e-mail address, an IP address and a token every few
// lines, so the sanitizer has real work to do. The same parameters give
// the same page.
const LEVELS = ["INFO", "WARN", "ERROR", "DEBUG"];
const SERVICES = ["checkout", "payments", "search", "gateway", "auth"];

function line(i, width) {
  const service = SERVICES[i % SERVICES.length];
  const level = LEVELS[(i * 7) % LEVELS.length];
  let message = `request ${i.toString(16)} handled by ${service}-${i % 13} in ${(i * 37) % 900} ms`;
  if (i % 5 === 0) message += ` for user${i % 97}@example.com`;
  if (i % 7 === 0) message += ` from 203.0.113.${i % 250}`;
  if (i % 11 === 0) message += ` token=tok_${(i * 2654435761 % 4294967296).toString(36)}aZ9xQ`;
  while (message.length < width) message += " retrying upstream connection pool";
  return { ts: `2026-12-03T19:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}Z`, level, message: message.slice(0, width) };
}

/// The page for `kib` KiB of text in about `elements` elements: one row
/// (a div with three spans) per line.
export function generatedPage({ kib, elements }) {
  const rows = Math.max(1, Math.floor(elements / 4));
  const width = Math.max(40, Math.floor((kib * 1024) / rows) - 36);
  const parts = ["<!doctype html><html><head><meta charset=utf-8><title>Generated log</title></head><body><h1>Log</h1><main>"];
  for (let i = 0; i < rows; i++) {
    const { ts, level, message } = line(i, width);
    parts.push(`<div class=row><span class=ts>${ts}</span> <span class=lvl>${level}</span> <span>${message}</span></div>`);
  }
  parts.push("</main></body></html>");
  return parts.join("\n");
}
