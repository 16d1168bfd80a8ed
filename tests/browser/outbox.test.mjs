// The outbox loses nothing: outages, retries, closed popups and browser
// restarts end in exactly one turn per capture; what only the user can
// resolve (413, 409, 422) says what happened and offers what can be done;
// and answers that point elsewhere are refused.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { launch } from "./browser.mjs";
import { configure, delivered, environment, eventually, outbox, popupOn } from "./fixtures.mjs";

const env = environment();

const TURNS = /^\/api\/v1\/cases\/[^/]+\/turns$/;

function turnPosts(since) {
  return env.api.requests.slice(since).filter((r) => r.method === "POST" && TURNS.test(r.path));
}

test("during an outage the capture waits, then goes once the server is back", async () => {
  await configure(env);
  const before = env.api.turns.length;
  env.api.down();
  const { popup, close } = await popupOn(env, "incident.html");
  await popup.click("#send");
  assert.match(await popup.waitFor(".send .delivery[data-state=retrying]"), /Nothing answers at/);
  await close();

  env.api.up();
  await eventually("the retried turn", () => env.api.turns.length === before + 1);
  await delivered(env);
});

test("three failures, then success: exactly one case and one turn, one idempotency key", async () => {
  await configure(env);
  const since = env.api.requests.length;
  const cases = env.api.cases.length;
  const turns = env.api.turns.length;
  env.api.fail("/api/v1/cases/", { method: "POST", status: 500 });
  env.api.fail("/api/v1/cases/", { method: "POST", status: 503, body: { detail: "LLM_TIMEOUT" } });
  env.api.fail("/api/v1/cases/", { method: "POST", status: 429, headers: { "Retry-After": "1" } });
  const { popup, close } = await popupOn(env, "incident.html");
  await popup.click("#send");
  assert.match(await popup.waitFor(".send .delivery[data-state=sent]", () => true, { timeout: 30_000 }), /as turn 1/);
  await close();

  const posts = turnPosts(since);
  assert.equal(posts.length, 4, "three failed attempts and one that worked");
  assert.equal(new Set(posts.map((p) => p.headers["idempotency-key"])).size, 1, "one key for all attempts");
  assert.equal(env.api.cases.length, cases + 1, "one case");
  assert.equal(env.api.turns.length, turns + 1, "one turn");
});

test("closing the popup in the middle of a send loses nothing", async () => {
  await configure(env);
  const since = env.api.requests.length;
  const before = env.api.turns.length;
  env.api.slow("/api/v1/cases/", 2_000, { method: "POST" });
  const { popup, close } = await popupOn(env, "incident.html");
  await popup.click("#send");
  // The server logs the turn's request as it arrives, then holds it.
  await eventually("the turn in flight", () => turnPosts(since).length === 1);
  await close();
  await eventually("the turn sent by the worker", () => env.api.turns.length === before + 1);
  await delivered(env);
});

test("closing the popup as soon as it says the capture is kept loses nothing", async () => {
  await configure(env);
  const since = env.api.requests.length;
  // Held, so that the popup is closed before the answer, not after.
  env.api.slow("/api/v1/cases/", 1_000, { method: "POST" });
  const { popup, close } = await popupOn(env, "incident.html");
  await popup.click("#send");
  assert.match(await popup.waitFor(".send .delivery"), /You can close this popup/);
  await close();
  await delivered(env);
  assert.equal(turnPosts(since).length, 1, "one turn");
});

test("a browser restart on the same profile loses nothing", async () => {
  const profile = mkdtempSync(join(tmpdir(), "fm-restart-"));
  try {
    const first = await launch({ proxy: env.proxy.origin, profile });
    const onFirst = { ...env, browser: first };
    await configure(onFirst);
    env.api.down();
    const { popup, close } = await popupOn(onFirst, "incident.html");
    await popup.click("#send");
    await popup.waitFor(".send .delivery[data-state=retrying]");
    await close();
    await first.close();

    env.api.up();
    const before = env.api.turns.length;
    const second = await launch({ proxy: env.proxy.origin, profile });
    try {
      await eventually("the capture sent after the restart", () => env.api.turns.length === before + 1);
      await delivered({ ...env, browser: second });
    } finally {
      await second.close();
    }
  } finally {
    env.api.up();
    // The browser's helper processes may hold the profile a moment longer;
    // a leftover temporary directory is harmless.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    } catch {}
  }
});

test("413 names the server's limit, and trimming sends the capture", async () => {
  await configure(env);
  env.api.fail("/api/v1/cases/", { method: "POST", status: 413, body: { detail: "Upload too large" } });
  const { popup, close } = await popupOn(env, "incident.html");
  await popup.click("#send");
  assert.match(await popup.waitFor(".send .delivery[data-state=attention]"), /larger than the server accepts \(10 MiB\)/);

  // The refused item is in the outbox; trimming sends a cut copy.
  await close();
  const again = await popupOn(env, "incident.html");
  await again.popup.click("#outbox .trim");
  await eventually("the trimmed turn", () => /\[Trimmed to fit the server's upload limit of 10 MiB\.\]$/.test(env.api.turns.at(-1)?.fields.pasted_content ?? ""));
  await delivered(env);
  await again.close();
});

test("409 and 422 show the server's own message", async () => {
  await configure(env);
  env.api.fail("/api/v1/cases/", {
    method: "POST",
    status: 409,
    body: { detail: { code: "CASE_TERMINAL", message: "This case is closed." } },
  });
  let { popup, close } = await popupOn(env, "incident.html");
  await popup.click("#send");
  assert.match(await popup.waitFor(".send .delivery[data-state=attention]"), /This case is closed\./);
  await close();

  env.api.fail("/api/v1/cases/", { method: "POST", status: 422, body: { detail: "pasted_content: too long" } });
  ({ popup, close } = await popupOn(env, "incident.html"));
  await popup.click("#send");
  assert.match(await popup.waitFor(".send .delivery[data-state=attention]"), /pasted_content: too long/);
  await close();
});

test("a 202 is polled on the API origin and refused when it points elsewhere", async () => {
  await configure(env);
  env.api.acceptNextTurnAt = "/api/v1/turn-results/{n}";
  let { popup, close } = await popupOn(env, "incident.html");
  await popup.click("#send");
  assert.match(await popup.waitFor(".send .delivery[data-state=sent]"), /as turn 1/);
  assert.ok(env.api.requests.some((r) => r.method === "GET" && r.path.startsWith("/api/v1/turn-results/")));
  await close();

  env.api.acceptNextTurnAt = `${env.foreign.origin}/api/v1/turn-results/{n}`;
  ({ popup, close } = await popupOn(env, "incident.html"));
  await popup.click("#send");
  assert.match(await popup.waitFor(".send .delivery[data-state=attention]"), /redirect/);
  assert.deepEqual(env.foreign.requests, [], "nothing went to the other origin");
  await close();
});

test("a waiting capture can be discarded and is never sent", async () => {
  await configure(env);
  const before = env.api.turns.length;
  env.api.down();
  let { popup, close } = await popupOn(env, "incident.html");
  await popup.click("#send");
  await popup.waitFor(".send .delivery[data-state=retrying]");
  await close();

  ({ popup, close } = await popupOn(env, "stack-trace.html"));
  // Offered while the item waits between attempts (not mid-attempt).
  await popup.waitFor("#outbox .discard");
  await popup.click("#outbox .discard");
  await eventually("the discarded item to leave the popup", async () => (await popup.text("#outbox")) === "");
  await close();
  assert.deepEqual(await outbox(env), []);
  env.api.up();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  assert.equal(env.api.turns.length, before, "nothing was sent");
});

test("the case link opens the dashboard as an ordinary tab, without the token", async () => {
  await configure(env);
  const { popup, close } = await popupOn(env, "incident.html");
  await popup.click("#send");
  await popup.waitFor(".send .delivery[data-state=sent]");
  await popup.click(".send .open-case");
  await eventually("the dashboard to be opened", () => env.dashboard.requests.length > 0);
  const [opened] = env.dashboard.requests;
  assert.match(opened.path, /^\/cases\/case-\d+$/);
  assert.equal(opened.headers.authorization, undefined);
  assert.equal(opened.headers.cookie, undefined);
  await close();
});
