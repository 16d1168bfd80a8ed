// A log viewer that never stops: every few milliseconds it appends lines,
// rewrites the status line and replaces older lines, so the page's text
// changes while the extension reads it.
const log = document.getElementById("log");
const status = document.getElementById("status");
let n = 0;
setInterval(() => {
  for (let i = 0; i < 20; i++, n++) {
    log.append(`10:00:01.${String(n % 1000).padStart(3, "0")} ERROR upstream 503 from 10.9.8.${n % 250} (user ops${n}@example.com)\n`);
  }
  status.textContent = `Streaming… ${n} lines`;
  while (log.childNodes.length > 400) {
    log.childNodes[1].remove();
  }
}, 2);
