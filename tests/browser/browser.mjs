// One small shim over the two browsers, so every test runs unchanged in
// both: `BROWSER=chromium` (the default) or `BROWSER=firefox`.
//
// Chromium runs headless with the extension loaded, driven through the
// DevTools protocol (Playwright for pages). Its toolbar button is pressed
// the way the browser itself does it, with `Extensions.triggerAction` on
// the page's tab: that opens the real popup and grants `activeTab`, the
// path a user takes. Firefox is in firefox.mjs.
//
// A test sees three kinds of surface with the same methods (`click`,
// `fill`, `text`, `waitFor`, `evaluate`): a web page, the popup, and an
// extension page opened in a tab to read or set the extension's storage.
// Where the browsers truly differ, a test asks `DIFFERENCES`.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { Firefox } from "./firefox.mjs";
import { ScriptedSurface } from "./surface.mjs";
import { until } from "./wait.mjs";

export const BROWSER = process.env.BROWSER ?? "chromium";

/// What the two browsers do differently, for the tests that must assert
/// what is true in each rather than skip.
export const DIFFERENCES = {
  chromium: {
    /// A page of the browser's own, which no extension may script.
    browserPage: "chrome://version/",
    /// Chromium applies a page's CSP to the content scripts injected into
    /// it, so `script-src 'self'` refuses WebAssembly there.
    pageCspRefusesWasm: true,
    /// Whether a test can open a page's context menu and choose the
    /// extension's entry (`chooseFromContextMenu`).
    contextMenu: false,
  },
  firefox: {
    browserPage: "about:support",
    pageCspRefusesWasm: false,
    contextMenu: true,
  },
}[BROWSER];

const ROOT = new URL("../../", import.meta.url).pathname;

/// The test build of the extension (loopback host access added; see
/// tools/manifest.mjs).
export function extensionDir() {
  const name = BROWSER === "firefox" ? "firefox" : "chrome";
  return join(ROOT, "target/test-ext", name);
}

/// Starts the browser with the extension, sending all traffic through
/// `proxy`. With `profile`, the browser uses that profile directory and
/// leaves it in place on close, so a second launch is a restart.
export async function launch({ proxy, profile }) {
  if (BROWSER === "chromium") {
    return Chromium.launch({ proxy, profile });
  }
  if (BROWSER === "firefox") {
    return Firefox.launch({ proxy, extension: extensionDir(), profile });
  }
  throw new Error(`unknown BROWSER=${BROWSER}: use chromium or firefox`);
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

  /// The text of `selector` now, or "" when there is no such element.
  async text(selector) {
    return this.page.evaluate((s) => document.querySelector(s)?.textContent ?? "", selector);
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

/// One target's DevTools session inside the browser session.
class TargetSession {
  /// Attaches to `targetId`; `sessions` routes the target's messages.
  static async attach(browserSession, targetId, sessions) {
    const { sessionId } = await browserSession.send("Target.attachToTarget", {
      targetId,
      flatten: false,
    });
    const session = new TargetSession(browserSession, sessionId);
    sessions.set(sessionId, session);
    return session;
  }

  constructor(browserSession, id) {
    this.browserSession = browserSession;
    this.id = id;
    this.next = 0;
    this.pending = new Map();
    this.listeners = new Map();
  }

  send(method, params = {}) {
    const id = ++this.next;
    const answer = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.browserSession
      .send("Target.sendMessageToTarget", {
        sessionId: this.id,
        message: JSON.stringify({ id, method, params }),
      })
      .catch((error) => this.pending.get(id)?.reject(error));
    return answer;
  }

  on(method, listener) {
    this.listeners.set(method, [...(this.listeners.get(method) ?? []), listener]);
  }

  receive({ id, method, params, result, error }) {
    if (id !== undefined) {
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      if (error) {
        waiting?.reject(new Error(`${error.message} (${error.code})`));
      } else {
        waiting?.resolve(result);
      }
      return;
    }
    for (const listener of this.listeners.get(method) ?? []) {
      listener(params);
    }
  }
}

/// A page driven through its DevTools session: scripts run with a user
/// gesture, as a click would give them.
class DevToolsSurface extends ScriptedSurface {
  constructor(session, url, close) {
    super(url, close);
    this.session = session;
  }

  async evaluate(fn, arg) {
    const { result, exceptionDetails } = await this.session.send("Runtime.evaluate", {
      expression: `(${fn})(${JSON.stringify(arg ?? null)})`,
      awaitPromise: true,
      returnByValue: true,
      userGesture: true,
    });
    if (exceptionDetails) {
      throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
    }
    return result.value;
  }
}

class Chromium {
  static async launch({ proxy, profile: kept }) {
    const extension = extensionDir();
    const profile = kept ?? mkdtempSync(join(tmpdir(), "fm-chromium-"));
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
    const self = new Chromium(child, kept ? null : profile, endpoint, browser, session);
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
    this.attached = new Map();
    this.sessions = new Map();
    session.on("Target.receivedMessageFromTarget", ({ sessionId, message }) => {
      this.sessions.get(sessionId)?.receive(JSON.parse(message));
    });
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

  /// A DevTools session with one target, attached once. Targets are
  /// attached the old, unflattened way through the browser session, which
  /// needs nothing of Playwright's (a second Playwright connection would
  /// attach to every page, and a page of 50 MiB makes that take seconds).
  attach(targetId) {
    let session = this.attached.get(targetId);
    if (!session) {
      session = TargetSession.attach(this.session, targetId, this.sessions);
      this.attached.set(targetId, session);
    }
    return session;
  }

  /// Records every request made by the extension's own contexts (service
  /// worker, popup, extension pages), so a test can check where the
  /// extension itself talked to, apart from the browser's own traffic.
  async watchExtensionNetwork() {
    this.extensionRequests = [];
    // Apart from `attached`: `clickToolbar` attaches to the popup too,
    // and that must not keep it from being watched.
    const watched = new Set();
    const watch = async (target) => {
      if (!target.url.startsWith(this.extensionOrigin) || watched.has(target.targetId)) {
        return;
      }
      watched.add(target.targetId);
      const session = await this.attach(target.targetId);
      session.on("Network.requestWillBeSent", (params) => {
        // A redirect the extension refused to follow (`redirect:
        // "manual"`) still shows up as a request for its target, marked
        // with the response that asked for it.
        this.extensionRequests.push({
          method: params.request.method,
          url: params.request.url,
          redirectHop: Boolean(params.redirectResponse),
        });
      });
      await session.send("Network.enable");
    };
    const quietly = (target) => watch(target).catch(() => {});
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
    await page.goto(url, { timeout: 120_000 });
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
    const session = await this.attach(opened.targetId);
    return new DevToolsSurface(session, opened.url, () =>
      this.session.send("Target.closeTarget", { targetId: opened.targetId }).catch(() => {}),
    );
  }

  /// The service worker as a surface, for setting up or inspecting the
  /// extension's state without opening a page of it (a page would run
  /// the popup's own start-up).
  async background() {
    const worker = await until("the extension's service worker", async () =>
      (await this.targets()).find((t) => t.type === "service_worker" && t.url.startsWith(this.extensionOrigin)),
    );
    const session = await this.attach(worker.targetId);
    const surface = new DevToolsSurface(session, worker.url, async () => {});
    // Right after start-up the worker's global may not have the extension
    // APIs yet; ask it until it does.
    await until("the worker's extension APIs", () =>
      surface.evaluate(() => typeof globalThis.chrome?.storage?.local === "object").then((ready) => ready || null),
    );
    return surface;
  }

  /// Opens one of the extension's pages in a tab, with the extension's
  /// APIs, for setting up or inspecting its state.
  async extensionPage(path = "popup.html") {
    return this.open(`${this.extensionOrigin}/${path}`);
  }

  async close() {
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
    if (this.profile) {
      rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    }
  }
}
