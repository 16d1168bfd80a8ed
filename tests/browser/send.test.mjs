// From a toolbar click to a turn on the server: capture, sanitized
// preview, settings, Send, and the proof that nothing planted in the page
// reached any server and nothing went anywhere but the API origin.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DIFFERENCES } from "./browser.mjs";
import { PLANTED, TOKEN, URL_SECRETS, configure, environment, everythingReceived } from "./fixtures.mjs";

const env = environment();

function assertNothingPlanted(text, where) {
  for (const secret of PLANTED) {
    assert.ok(!text.includes(secret), `${where} contains the planted ${secret}`);
  }
}

test("the toolbar button captures the page and previews it sanitized", async () => {
  await configure(env);
  const tab = await env.browser.open(env.pages.url("incident.html") + URL_SECRETS);
  const popup = await env.browser.clickToolbar(tab);

  const summary = await popup.waitFor("#summary");
  assert.match(summary, /credential/);
  assert.match(summary, /1 e-mail address/);
  const preview = await popup.text("#preview");
  assert.match(preview, /\[EMAIL_1\]/);
  assert.match(preview, /postgres:\/\/[^:@]+:\[PASSWORD_1\]@/);
  assert.match(preview, /checkout-api 5xx rate 23%/, "ordinary text is kept");
  assertNothingPlanted(preview, "the preview");
  const url = await popup.text("#page-url");
  assert.ok(!url.includes("#"), "the fragment is dropped");
  assertNothingPlanted(url, "the page URL");

  await popup.close();
  await tab.close();
});

test("Send delivers exactly one turn with the sanitized capture", async () => {
  await configure(env);
  const before = env.api.turnRequests().length;
  const tab = await env.browser.open(env.pages.url("incident.html") + URL_SECRETS);
  const popup = await env.browser.clickToolbar(tab);
  await popup.waitFor("#summary");
  await popup.fill("#note", "502s since the deploy");
  await popup.click("#send");

  const sent = await popup.waitFor(".send .delivery[data-state=sent]");
  assert.match(sent, /as turn 1/);
  assert.match(await popup.text(".send .answer"), /API gateway returns 502/);

  const turns = env.api.turnRequests().slice(before);
  assert.equal(turns.length, 1, "one turn");
  const [turn] = turns;
  assert.equal(turn.headers.authorization, `Bearer ${TOKEN}`);
  assert.match(turn.headers["idempotency-key"], /^[A-Za-z0-9_-]{8,255}$/);
  const fields = turn.fields;
  assert.equal(fields.input_type, "page_capture");
  assert.equal(fields.query, "502s since the deploy");
  assert.match(fields.observed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.match(fields.source_url, /\/incident\.html\?token=\[REDACTED\]&view=errors$/);
  assert.match(fields.pasted_content, /^Page: INC-4127/);
  assert.match(fields.pasted_content, /postgres:\/\/[^:@]+:\[PASSWORD_1\]@/);
  assert.match(fields.pasted_content, /\[EMAIL_1\]/);

  const created = env.api.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/cases");
  assert.equal(JSON.parse(created.at(-1).body).title, "INC-4127: checkout API 502s after deploy");

  await popup.close();
  await tab.close();
});

test("a page whose CSP forbids WebAssembly is still sanitized in the page", async () => {
  await configure(env);
  const tab = await env.browser.open(env.pages.url("strict-csp.html") + URL_SECRETS);
  const popup = await env.browser.clickToolbar(tab);
  const summary = await popup.waitFor("#summary");
  assert.match(summary, /credential/);
  const preview = await popup.text("#preview");
  assert.match(preview, /\[AWS_ACCESS_KEY_1\]/);
  assertNothingPlanted(preview, "the strict-CSP preview");
  const fallback = await popup.text("#sanitizer-fallback");
  if (DIFFERENCES.pageCspRefusesWasm) {
    assert.match(fallback, /sanitizer ran as JavaScript/, "the JavaScript build ran");
  } else {
    assert.equal(fallback, "", "the WebAssembly build ran, as the browser allows it");
  }
  await popup.close();
  await tab.close();
});

test("a redirect to another origin is refused and nothing reaches it", async () => {
  await configure(env);
  env.api.fail("/api/v1/cases", {
    method: "POST",
    status: 307,
    headers: { Location: `${env.foreign.origin}/api/v1/cases` },
  });
  const tab = await env.browser.open(env.pages.url("incident.html"));
  const popup = await env.browser.clickToolbar(tab);
  await popup.waitFor("#summary");
  await popup.click("#send");
  const outcome = await popup.waitFor(".send .delivery[data-state=attention]");
  assert.match(outcome, /redirect/);
  assert.equal(env.foreign.requests.length, 0, "the foreign origin got nothing");
  await popup.close();
  await tab.close();
});

test("nothing planted left the browser, and the extension talked only to the API origin", () => {
  const received = everythingReceived(env);
  assertNothingPlanted(received, "a request");
  const { extensionOrigin, extensionRequests } = env.browser;
  const outside = extensionRequests.filter(
    (r) => !r.url.startsWith(`${extensionOrigin}/`) && !r.url.startsWith(`${env.api.origin}/`),
  );
  // The refused redirect is reported as a hop to the foreign origin; the
  // foreign server's empty log below shows it was never sent.
  assert.deepEqual(
    outside.filter((r) => !(r.redirectHop && r.url.startsWith(env.foreign.origin))),
    [],
    "extension requests to other origins",
  );
  assert.ok(
    extensionRequests.some((r) => r.url.startsWith(`${env.api.origin}/api/v1/cases`)),
    "the extension's requests were observed",
  );
  assert.deepEqual(env.foreign.requests, [], "requests to the foreign origin");
  for (const r of env.pages.requests) {
    assert.equal(r.method, "GET", "the page server is only ever read");
    assert.equal(r.headers.authorization, undefined, "the token went to a page");
  }
  for (const r of env.proxy.refused) {
    assert.ok(!(r.body ?? "").includes(TOKEN), `the token went to ${r.url}`);
  }
});
