// One small shim over the two browsers, so every test runs unchanged in
// both: `BROWSER=chromium` (the default) or `BROWSER=firefox`.
//
// Chromium runs headless with the extension loaded, driven through the
// DevTools protocol (Playwright for pages). Its toolbar button is pressed
// the way the browser itself does it, with `Extensions.triggerAction` on
// the page's tab: that opens the real popup and grants `activeTab`, the
// path a user takes.
//
// A test sees three kinds of surface with the same methods (`click`,
// `fill`, `text`, `waitFor`, `evaluate`): a web page, the popup, and an
// extension page opened in a tab to read or set the extension's storage.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const BROWSER = process.env.BROWSER ?? "chromium";

const ROOT = new URL("../../", import.meta.url).pathname;

/// The test build of the extension (loopback host access added; see
/// tools/manifest.mjs).
export function extensionDir() {
  const name = BROWSER === "firefox" ? "firefox" : "chrome";
  return join(ROOT, "target/test-ext", name);
}

/// Starts the browser with the extension, sending all traffic through
/// `proxy`.
export async function launch({ proxy }) {
  if (BROWSER === "chromium") {
    return Chromium.launch({ proxy });
  }
  throw new Error(`unknown BROWSER=${BROWSER}: use chromium or firefox`);
}

async function until(what, probe, { timeout = 10_000, every = 50 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/// A Playwright page as a test surface.
class PlaywrightSurface {
  constructor(page) {
    this.page = page;
  }

  url() {
    return this.page.url();
  }

  async click(selector) {
    await this.page.click(selector);
  }

  async fill(selector, value) {
    await this.page.fill(selector, value);
  }

  async text(selector) {
    return (await this.page.textContent(selector)) ?? "";
  }

  /// Waits until `selector` exists and, with `predicate`, until its text
  /// satisfies it; answers the text.
  async waitFor(selector, predicate = () => true, { timeout = 15_000 } = {}) {
    return until(`${selector} on ${this.url()}`, async () => {
      const text = await this.page
        .textContent(selector, { timeout: 100 })
        .catch(() => null);
      return text !== null && predicate(text) ? text : null;
    }, { timeout });
  }

  async attribute(selector, name) {
    return this.page.getAttribute(selector, name);
  }

  async evaluate(fn, arg) {
    return this.page.evaluate(fn, arg);
  }

  async close() {
    await this.page.close().catch(() => {});
  }
}

class Chromium {
  static async launch({ proxy }) {
    const extension = extensionDir();
    const profile = mkdtempSync(join(tmpdir(), "fm-chromium-"));
    const args = [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-default-apps",
      // Chromium's own calls home, each of which would otherwise show up
      // at the recording proxy as a request to a foreign origin.
      "--disable-field-trial-config",
      "--disable-breakpad",
      "--disable-client-side-phishing-detection",
      "--disable-component-extensions-with-background-pages",
      "--disable-domain-reliability",
      "--disable-updater-scheduler",
      "--metrics-recording-only",
      "--no-service-autorun",
      "--password-store=basic",
      "--disable-features=" +
        [
          "MediaRouter",
          "OptimizationHints",
          "NetworkTimeServiceQuerying",
          "AimEnabled",
          "PreconnectToSearch",
          "Translate",
          "AutofillServerCommunication",
          "CertificateTransparencyComponentUpdater",
        ].join(","),
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      "--enable-unsafe-extension-debugging",
      `--disable-extensions-except=${extension}`,
      `--load-extension=${extension}`,
      // Everything, loopback included, goes through the recording proxy.
      `--proxy-server=${proxy}`,
      "--proxy-bypass-list=<-loopback>",
      "about:blank",
    ];
    // Its own process group, so closing kills every helper process too.
    const child = spawn("/usr/bin/chromium", args, {
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
    let stderr = "";
    const endpoint = await new Promise((resolve, reject) => {
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        const found = /DevTools listening on (ws:\S+)/.exec(stderr);
        if (found) {
          resolve(found[1]);
        }
      });
      child.on("exit", (code) => {
        reject(new Error(`chromium exited (${code}) before it was ready:\n${stderr}`));
      });
    });
    const browser = await chromium.connectOverCDP(endpoint);
    const session = await browser.newBrowserCDPSession();
    const self = new Chromium(child, profile, endpoint, browser, session);
    await self.ready();
    return self;
  }

  constructor(child, profile, endpoint, browser, session) {
    this.process = child;
    this.profile = profile;
    this.endpoint = endpoint;
    this.browser = browser;
    this.session = session;
    this.context = browser.contexts()[0];
    this.extra = [];
  }

  async targets() {
    const { targetInfos } = await this.session.send("Target.getTargets", {
      filter: [{}],
    });
    return targetInfos;
  }

  /// Waits for the service worker and reads the extension id from its
  /// URL.
  async ready() {
    const worker = await until("the extension's service worker", async () =>
      (await this.targets()).find(
        (t) => t.type === "service_worker" && t.url.endsWith("/background.js"),
      ),
    );
    this.extensionId = new URL(worker.url).host;
    this.extensionOrigin = `chrome-extension://${this.extensionId}`;
    await this.watchExtensionNetwork();
  }

  /// Records every request made by the extension's own contexts (service
  /// worker, popup, extension pages) through the DevTools protocol, so a
  /// test can check where the extension itself talked to, apart from the
  /// browser's own traffic. Targets are attached the old, unflattened way,
  /// which needs no session of Playwright's.
  async watchExtensionNetwork() {
    this.extensionRequests = [];
    const watched = new Set();
    let id = 0;
    const watch = async (target) => {
      if (watched.has(target.targetId) || !target.url.startsWith(this.extensionOrigin)) {
        return;
      }
      watched.add(target.targetId);
      const { sessionId } = await this.session.send("Target.attachToTarget", {
        targetId: target.targetId,
        flatten: false,
      });
      await this.session.send("Target.sendMessageToTarget", {
        sessionId,
        message: JSON.stringify({ id: ++id, method: "Network.enable" }),
      });
    };
    const quietly = (target) => watch(target).catch(() => {});
    this.session.on("Target.receivedMessageFromTarget", ({ message }) => {
      const { method, params } = JSON.parse(message);
      if (method === "Network.requestWillBeSent") {
        // A redirect the extension refused to follow (`redirect:
        // "manual"`) still shows up as a request for its target, marked
        // with the response that asked for it.
        this.extensionRequests.push({
          method: params.request.method,
          url: params.request.url,
          redirectHop: Boolean(params.redirectResponse),
        });
      }
    });
    this.session.on("Target.targetCreated", ({ targetInfo }) => quietly(targetInfo));
    this.session.on("Target.targetInfoChanged", ({ targetInfo }) => quietly(targetInfo));
    await this.session.send("Target.setDiscoverTargets", { discover: true });
    for (const target of await this.targets()) {
      await quietly(target);
    }
  }

  /// Opens `url` in a new tab.
  async open(url) {
    const page = await this.context.newPage();
    await page.goto(url);
    return new PlaywrightSurface(page);
  }

  /// Presses the toolbar button over `tab`, as a user would, and answers
  /// the popup it opens.
  async clickToolbar(tab) {
    const target = await until("the page's tab target", async () =>
      (await this.targets()).find((t) => t.type === "tab" && t.url === tab.url()),
    );
    const popupUrl = `${this.extensionOrigin}/popup.html`;
    const isPopup = (t) => t.type === "page" && t.url === popupUrl;
    const before = new Set((await this.targets()).filter(isPopup).map((t) => t.targetId));
    await this.session.send("Extensions.triggerAction", {
      id: this.extensionId,
      targetId: target.targetId,
    });
    const opened = await until("the popup", async () =>
      (await this.targets()).find((t) => isPopup(t) && !before.has(t.targetId)),
    );
    // Playwright's first connection does not adopt the popup; a second
    // connection sees it among the existing pages.
    const connection = await chromium.connectOverCDP(this.endpoint);
    this.extra.push(connection);
    for (const page of connection.contexts()[0].pages()) {
      const session = await page.context().newCDPSession(page);
      const { targetInfo } = await session.send("Target.getTargetInfo");
      await session.detach();
      if (targetInfo.targetId === opened.targetId) {
        return new PlaywrightSurface(page);
      }
    }
    throw new Error("the popup opened but could not be driven");
  }

  /// Opens one of the extension's pages in a tab, with the extension's
  /// APIs, for setting up or inspecting its state.
  async extensionPage(path = "popup.html") {
    return this.open(`${this.extensionOrigin}/${path}`);
  }

  async close() {
    for (const connection of this.extra) {
      await connection.close().catch(() => {});
    }
    await this.browser.close().catch(() => {});
    if (this.process.exitCode === null) {
      const exited = once(this.process, "exit");
      try {
        process.kill(-this.process.pid, "SIGKILL");
      } catch {
        this.process.kill("SIGKILL");
      }
      await exited;
    }
    // Helper processes may still be writing for a moment after the
    // browser exits.
    rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
