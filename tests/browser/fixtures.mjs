// What the tests plant in pages and what must never leave the content
// script, and the set-up every browser test shares.
import { after, before } from "node:test";
import { launch } from "./browser.mjs";
import { FaultMaven, Foreign, Pages, Proxy } from "./server.mjs";
import { until } from "./wait.mjs";

/// Values planted in tests/browser/pages/incident.html (and the pages
/// copied from it), and in the URL the tests open it with.
export const PLANTED = [
  "jane.doe@customer-corp.com",
  "Sup3rS3cretPw",
  "AKIAZ3MHQW7XBN4KPL2T",
  "tok_live_9f8e7d6c5b4a39281726354433221100ffee",
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJqYW5lIiwiaWF0IjoxNzY0Nzg4OTMxfQ",
  "s3cr3tQueryToken",
  "fragmentSecret",
];

export const TOKEN = "fm-test-token";

/// The query and fragment the tests add to a page URL: a secret-looking
/// parameter and an OAuth-style fragment, both of which must go.
export const URL_SECRETS = "?token=s3cr3tQueryToken&view=errors#access_token=fragmentSecret";

/// The same server under the name `localhost`, which the test packages
/// have no host access to: only the toolbar click's `activeTab` grant
/// lets the extension read a page there.
export function unpermitted(url) {
  return url.replace("//127.0.0.1:", "//localhost:");
}

/// Starts the servers and the browser once for the file's tests and
/// stops them after; answers an object filled in before the first test.
/// With `signedIn`, the extension starts connected and signed in.
///
/// (Node 20 runs a file's top-level `before` hooks as they are declared,
/// not one after another, so set-up that needs the browser belongs here.)
export function environment({ signedIn = false } = {}) {
  const env = {};
  before(async () => {
    env.api = await new FaultMaven().start();
    env.pages = await new Pages().start();
    env.foreign = await new Foreign().start();
    env.dashboard = await new Foreign().start();
    env.api.dashboardUrl = env.dashboard.origin;
    env.proxy = await new Proxy(() => [
      env.api.origin,
      env.pages.origin,
      unpermitted(env.pages.origin),
      env.dashboard.origin,
    ]).start();
    env.browser = await launch({ proxy: env.proxy.origin });
    if (signedIn) {
      await configure(env);
    }
  });
  after(async () => {
    await env.browser?.close();
    for (const server of [env.proxy, env.api, env.pages, env.foreign, env.dashboard]) {
      await server?.stop();
    }
  });
  return env;
}

/// Where a test reaches the extension's storage: its background context
/// where the shim offers it, else one of its pages.
export function extensionContext(env) {
  return env.browser.background ? env.browser.background() : env.browser.extensionPage();
}

/// Starts each test from a clean extension: storage emptied, then, unless
/// `signedIn` is false, connected and signed in as the first run would
/// leave it. The API server forgets what a test before planned for it
/// (failures, an outage, a 202), also when that test failed midway.
export async function configure(env, { signedIn = true, token = TOKEN } = {}) {
  env.api.failures = [];
  env.api.acceptNextTurnAt = null;
  // A delivery an earlier test left in flight writes its result when its
  // answer comes; let it land first, or it would land in this test.
  await eventually("an earlier delivery to finish", async () => !(await outbox(env)).some((item) => item.state.kind === "sending"));
  const page = await extensionContext(env);
  await page.evaluate(
    async ({ origin, dashboard, token, signedIn }) => {
      const ext = globalThis.browser ?? globalThis.chrome;
      await ext.storage.local.clear();
      if (!signedIn) {
        return;
      }
      await ext.storage.local.set({
        settings: {
          apiOrigin: origin,
          server: { deploymentMode: "standalone", dashboardUrl: dashboard, maxUploadBytes: 10485760, usernameLogin: true },
        },
        account: { apiOrigin: origin, accessToken: token, user: { userId: "u-oncall", username: "oncall" } },
      });
    },
    { origin: env.api.origin, dashboard: env.dashboard.origin, token, signedIn },
  );
  await page.close();
}

/// Everything in the extension's `storage.local`.
export async function stored(env) {
  const page = await extensionContext(env);
  const all = await page.evaluate(async () => {
    const ext = globalThis.browser ?? globalThis.chrome;
    return ext.storage.local.get(null);
  });
  await page.close();
  return all;
}

/// Waits until the outbox holds `count` items, every one delivered. (The
/// server has the turn a moment before the extension has its answer.)
export async function delivered(env, count = 1) {
  await eventually(`${count} delivered capture(s)`, async () => {
    const items = await outbox(env);
    return items.length === count && items.every((item) => item.state.kind === "sent");
  });
}

/// Reads the extension's outbox, oldest first.
export async function outbox(env) {
  return Object.entries(await stored(env))
    .filter(([key]) => key.startsWith("outbox/"))
    .map(([, item]) => item)
    .sort((a, b) => a.createdAt - b.createdAt);
}

/// Opens `page` and the popup over it, ready: the capture shown, or the
/// first-run screen when the extension is not set up.
export async function popupOn(env, page) {
  const tab = await env.browser.open(env.pages.url(page));
  const popup = await env.browser.clickToolbar(tab);
  await popup.waitFor("#summary, #api-origin, #username");
  return { tab, popup, close: async () => { await popup.close(); await tab.close(); } };
}

/// Waits until `predicate` (which may be async) holds.
export async function eventually(what, predicate, timeout = 30_000) {
  await until(what, predicate, { timeout, every: 100 });
}

/// Every text any server received, for checking that nothing planted
/// got out. The page server is left out: what it receives are the tests'
/// own navigations and the page's own requests (whose `Referer` carries
/// the planted query), never anything from the extension.
export function everythingReceived(env) {
  const parts = [];
  for (const server of [env.api, env.foreign]) {
    for (const r of server.requests) {
      parts.push(r.path, JSON.stringify(r.headers), r.body);
    }
  }
  for (const r of env.proxy.requests.filter((r) => r.origin !== env.pages.origin)) {
    parts.push(r.url, r.body ?? "");
  }
  return parts.join("\n");
}
