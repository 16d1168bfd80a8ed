// Connecting to FaultMaven through the popup, as a new user does: the
// address, the permission, the server check, sign-in by name or by
// token, cases, sign-out, and token refresh.
import assert from "node:assert/strict";
import { test } from "node:test";
import { TOKEN, configure, delivered, environment, eventually, popupOn, stored } from "./fixtures.mjs";

const env = environment();

/// Opens the popup on an extension not set up yet and connects it to the
/// API server: answers the popup at its sign-in screen.
async function atSignIn() {
  await configure(env, { signedIn: false });
  const opened = await popupOn(env, "incident.html");
  await opened.popup.fill("#api-origin", env.api.origin);
  await opened.popup.click("#connect");
  await opened.popup.waitFor("#access-token");
  return opened;
}

test("the first run: address, sign-in, a new case, then the same case again", async () => {
  await configure(env, { signedIn: false });
  const { popup, close } = await popupOn(env, "incident.html");

  // Not set up yet: the popup asks for the server first.
  assert.equal(await popup.attribute("#api-origin", "placeholder"), "http://localhost:8090");
  await popup.fill("#api-origin", env.api.origin);
  await popup.click("#connect");
  await popup.waitFor("#username");
  assert.ok(env.api.requests.some((r) => r.path === "/v1/meta/capabilities"));
  assert.ok(env.api.requests.some((r) => r.path === "/api/v1/auth/config"));

  await popup.fill("#username", "oncall");
  await popup.click("#sign-in");
  assert.match(await popup.waitFor("#signed-in", (t) => t !== ""), /Signed in as oncall/);

  // Back on the capture, a new case titled after the page.
  await popup.waitFor("#case");
  assert.equal(await popup.evaluate(() => document.querySelector("#case").value), "");
  await popup.fill("#case-title", "Checkout 502s");
  await popup.click("#send");
  assert.match(await popup.waitFor(".send .delivery[data-state=sent]"), /Sent to “Checkout 502s” as turn 1/);
  await close();

  // The next capture offers that case first, and goes to it.
  const again = await popupOn(env, "alerting.html");
  const chosen = await again.popup.evaluate(() => {
    const select = document.querySelector("#case");
    return select.options[select.selectedIndex]?.textContent;
  });
  assert.equal(chosen, "Checkout 502s");
  await again.popup.click("#send");
  assert.match(await again.popup.waitFor(".send .delivery[data-state=sent]"), /as turn 2/);
  await again.close();

  assert.equal(env.api.cases.length, 1, "one case");
  const turns = env.api.turnRequests().slice(-2);
  assert.deepEqual(turns.map((t) => t.path), ["/api/v1/cases/case-1/turns", "/api/v1/cases/case-1/turns"]);
});

test("connection problems are sentences a user can act on", async () => {
  await configure(env, { signedIn: false });
  const { popup, close } = await popupOn(env, "incident.html");

  await popup.fill("#api-origin", "http://faultmaven.example.com");
  await popup.click("#connect");
  assert.match(await popup.waitFor("#setup-error"), /must start with https:\/\//);

  // A port where nothing listens.
  await popup.fill("#api-origin", "http://127.0.0.1:9");
  await popup.click("#connect");
  assert.match(await popup.waitFor("#setup-error", (t) => /Nothing answers/.test(t)), /Check that the FaultMaven server is running/);

  // Something that is not FaultMaven: the page server.
  await popup.fill("#api-origin", env.pages.origin);
  await popup.click("#connect");
  assert.match(await popup.waitFor("#setup-error", (t) => /not a FaultMaven server/.test(t)), /Check the address and port/);
  await close();
});

test("an access token can be pasted instead, and is checked first", async () => {
  const { popup, close } = await atSignIn();

  await popup.fill("#access-token", "not-a-token");
  await popup.click("#use-token");
  assert.match(await popup.waitFor("#setup-error"), /did not accept that/);

  await popup.fill("#access-token", TOKEN);
  await popup.click("#use-token");
  assert.match(await popup.waitFor("#signed-in", (t) => t !== ""), /Signed in as oncall/);
  await close();
});

test("signing out tells the server, forgets the token and asks to sign in", async () => {
  const { popup, close } = await atSignIn();
  await popup.fill("#username", "leaving");
  await popup.click("#sign-in");
  await popup.waitFor("#signed-in", (t) => t !== "");

  await popup.click("#toggle-settings");
  assert.match(await popup.waitFor("#account"), /Signed in as leaving/);
  await popup.click("#sign-out");
  await popup.waitFor("#username");
  assert.equal(env.api.requests.filter((r) => r.path === "/api/v1/auth/logout").length, 1);
  assert.equal(await popup.text("#signed-in"), "");
  assert.equal((await stored(env)).account, undefined, "the account is gone from storage");
  await close();
});

test("a token about to expire is refreshed before it is used", async () => {
  env.api.tokenLifetime = 30; // inside the refresh margin from the start
  const { popup, close } = await atSignIn();
  await popup.fill("#username", "refresher");
  // The token this sign-in gets; it expires within the refresh margin.
  const signInToken = `fm-access-${env.api.issued + 1}`;
  await popup.click("#sign-in");
  await popup.waitFor("#signed-in", (t) => t !== "");
  await popup.click("#send");
  await popup.waitFor(".send .delivery[data-state=sent]");
  env.api.tokenLifetime = 3600;
  assert.ok(env.api.requests.some((r) => r.path === "/api/v1/auth/refresh"), "refreshed");
  const turn = env.api.turnRequests().at(-1);
  assert.notEqual(turn.headers.authorization, `Bearer ${signInToken}`, "sent with the new token");
  await close();
});

test("a rejected token asks to sign in again and keeps the capture", async () => {
  await configure(env, { token: "revoked-token" });
  const { popup, close } = await popupOn(env, "incident.html");
  const before = env.api.turns.length;
  await popup.click("#send");
  assert.match(await popup.waitFor(".send .delivery[data-state=attention]"), /Sign in again; your capture is kept/);

  await popup.click(".send .sign-in-again");
  await popup.waitFor("#username");
  await popup.fill("#username", "oncall");
  await popup.click("#sign-in");
  await popup.waitFor("#signed-in", (t) => t !== "");
  await eventually("the kept capture to arrive", () => env.api.turns.length === before + 1);
  await delivered(env);
  await close();
});
