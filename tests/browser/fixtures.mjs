// What the tests plant in pages and what must never leave the content
// script, and the set-up every browser test shares.
import { after, before } from "node:test";
import { launch } from "./browser.mjs";
import { FaultMaven, Foreign, Pages, Proxy } from "./server.mjs";

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
export function environment() {
  const env = {};
  before(async () => {
    env.api = await new FaultMaven().start();
    env.pages = await new Pages().start();
    env.foreign = await new Foreign().start();
    env.api.dashboardUrl = env.foreign.origin;
    env.proxy = await new Proxy(() => [env.api.origin, env.pages.origin, unpermitted(env.pages.origin)]).start();
    env.browser = await launch({ proxy: env.proxy.origin });
  });
  after(async () => {
    await env.browser?.close();
    for (const server of [env.proxy, env.api, env.pages, env.foreign]) {
      await server?.stop();
    }
  });
  return env;
}

/// Stores the API origin and token as the settings screen would, through
/// an extension page.
export async function configure(env, { origin = env.api.origin, token = TOKEN } = {}) {
  const page = await env.browser.extensionPage();
  await page.evaluate(
    async ({ origin, token }) => {
      const ext = globalThis.browser ?? globalThis.chrome;
      await ext.storage.local.set({
        settings: { apiOrigin: origin },
        account: { apiOrigin: origin, accessToken: token },
      });
    },
    { origin, token },
  );
  await page.close();
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
