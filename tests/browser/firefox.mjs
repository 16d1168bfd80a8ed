// Firefox for the browser shim: headless `firefox-esr` through
// geckodriver and selenium-webdriver, in a fresh profile (geckodriver
// makes one for every session), with the test package installed as a
// temporary add-on; or, for a restart, on a profile kept between two
// sessions, with the add-on installed permanently.
//
// The toolbar button is pressed the way a user presses it. A new add-on's
// button sits in the extensions panel, so the session switches to the
// browser's chrome context (`moz:context` chrome, which geckodriver allows
// with `--allow-system-access`) and clicks the panel's button, then the
// add-on's entry in it, each with a WebDriver element click: mouse down,
// up and click, the events on which Firefox grants `activeTab` and opens
// the popup.
//
// The popup that opens is the real one, in its panel, but WebDriver sees
// no window there, and WebDriver BiDi leaves extension documents out. So
// the popup is driven through a frame script (firefox-frame-script.js)
// loaded into its <browser> from the chrome context. Tabs are driven the
// same way: an extension page in a tab would otherwise get the test's
// functions only through privileged wrappers, without `browser`.
//
// What the extension itself requests is observed in the parent process:
// every HTTP channel whose triggering or loading principal is the
// add-on's (its popup, background script and pages) or its content
// script's. The records are collected with every step the shim takes, so
// `extensionRequests` is complete up to the last one.
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { Builder, By } from "selenium-webdriver";
import firefox from "selenium-webdriver/firefox.js";
import { ScriptedSurface } from "./surface.mjs";
import { until } from "./wait.mjs";

const BINARY = "/usr/bin/firefox-esr";

const FRAME_SCRIPT =
  "data:application/javascript;charset=utf-8," +
  encodeURIComponent(readFileSync(new URL("./firefox-frame-script.js", import.meta.url), "utf8"));

/// Preferences for a browser whose every request goes through the
/// recording proxy. geckodriver already turns off updates, telemetry,
/// safe browsing and most other calls home.
function preferences(proxy) {
  const { hostname, port } = new URL(proxy);
  return {
    "network.proxy.type": 1,
    "network.proxy.http": hostname,
    "network.proxy.http_port": Number(port),
    "network.proxy.ssl": hostname,
    "network.proxy.ssl_port": Number(port),
    // Loopback too: the API and page servers are on 127.0.0.1.
    "network.proxy.no_proxies_on": "",
    "network.proxy.allow_hijacking_localhost": true,
  };
}

/// geckodriver from PATH, else where `cargo install` puts it.
function geckodriver() {
  const home = process.env.CARGO_HOME ?? join(process.env.HOME ?? "", ".cargo");
  const dirs = [...(process.env.PATH ?? "").split(delimiter), join(home, "bin")];
  const found = dirs.map((d) => join(d, "geckodriver")).find((f) => existsSync(f));
  if (!found) {
    throw new Error("geckodriver is missing: ./build.sh test installs it");
  }
  return found;
}

/// A tab or the popup: a <browser> element of the browser window, found
/// again by its `browserId` for every call.
class GeckoSurface extends ScriptedSurface {
  constructor(firefox, browserId, url, close) {
    super(url, close);
    this.firefox = firefox;
    this.browserId = browserId;
  }

  async evaluate(fn, arg) {
    return this.firefox.inFrame(this.browserId, "evaluate", `(${fn})(${JSON.stringify(arg ?? null)})`);
  }

  /// With a real mouse event, through the frame script.
  async clickOnce(selector) {
    return this.firefox.inFrame(this.browserId, "click", selector);
  }
}

export class Firefox {
  /// With `profile`, Firefox runs on that profile directory in place
  /// (geckodriver uses a `-profile` argument as it is), and the add-on is
  /// installed from its package as a permanent, unsigned add-on, which
  /// ESR allows with `xpinstall.signatures.required` off: a temporary
  /// add-on would be gone after the restart.
  static async launch({ proxy, extension, profile }) {
    const options = new firefox.Options().setBinary(BINARY).addArguments("-headless");
    if (profile) {
      options.addArguments("-profile", profile);
      options.setPreference("xpinstall.signatures.required", false);
    }
    for (const [name, value] of Object.entries(preferences(proxy))) {
      options.setPreference(name, value);
    }
    // Chrome-context scripts need system access, which only the driver's
    // command line can grant.
    const service = new firefox.ServiceBuilder(geckodriver())
      .addArguments("--allow-system-access")
      // Lets geckodriver's dummy Remote Settings address stand; a release
      // build otherwise keeps calling Mozilla's settings server.
      .setEnvironment({ ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: "1" });
    const driver = await new Builder()
      .forBrowser("firefox")
      .setFirefoxOptions(options)
      .setFirefoxService(service)
      .build();
    const self = new Firefox(driver);
    try {
      await self.ready(extension, { permanent: Boolean(profile) });
    } catch (error) {
      await self.close();
      throw error;
    }
    return self;
  }

  constructor(driver) {
    this.driver = driver;
    this.context = "content";
    this.queue = Promise.resolve();
    this.extensionRequests = [];
  }

  /// Installs the add-on, waits for its background script, and starts
  /// recording its requests.
  async ready(extension, { permanent }) {
    await this.driver.manage().setTimeouts({ script: 180_000, pageLoad: 180_000 });
    this.home = await this.driver.getWindowHandle();
    if (!permanent) {
      this.extensionId = await this.driver.installAddon(extension, true);
    } else {
      // Installed once per profile; a restart finds it there.
      const id = JSON.parse(readFileSync(join(extension, "manifest.json"), "utf8")).browser_specific_settings.gecko.id;
      const installed = await this.chrome((id) => Boolean(WebExtensionPolicy.getByID(id)), id);
      this.extensionId = installed ? id : await this.driver.installAddon(`${extension}.xpi`, false);
    }
    const host = await until("the add-on's background script", () =>
      this.chrome((id) => {
        const policy = WebExtensionPolicy.getByID(id);
        return policy?.extension?.backgroundState === "running" ? policy.mozExtensionHostname : null;
      }, this.extensionId),
    );
    this.extensionOrigin = `moz-extension://${host}`;
    await this.chrome(watchExtensionNetwork, this.extensionId);
  }

  /// Runs `step` after every step before it: WebDriver's context is one
  /// state for the whole session, so no two steps may interleave.
  serially(step) {
    const run = this.queue.then(step);
    this.queue = run.catch(() => {});
    return run;
  }

  async switchTo(context) {
    if (this.context !== context) {
      await this.driver.setContext(context);
      this.context = context;
    }
  }

  /// Runs `fn(...args)` (serialized; may be async) in the browser window's
  /// chrome context, and collects what the extension requested meanwhile.
  async chrome(fn, ...args) {
    await this.switchTo("chrome");
    const script = `
      const done = arguments[arguments.length - 1];
      const args = Array.from(arguments).slice(0, -1);
      const drain = () => (window.fmTestRequests ?? []).splice(0);
      Promise.resolve()
        .then(() => (${fn})(...args))
        .then(
          (value) => done({ value, requests: drain() }),
          (error) => done({ error: String(error?.message ?? error), requests: drain() }),
        );`;
    const { value, error, requests } = await this.driver.executeAsyncScript(script, ...args);
    this.extensionRequests.push(...requests);
    if (error) {
      throw new Error(error);
    }
    return value ?? null;
  }

  /// Sends one request to the frame script of <browser> `browserId`.
  inFrame(browserId, request, argument) {
    return this.serially(() => this.askFrame(browserId, request, argument));
  }

  async askFrame(browserId, request, argument) {
    const json = await this.chrome(askFrame, FRAME_SCRIPT, browserId, request, argument);
    return JSON.parse(json);
  }

  /// Opens `url` in a new tab and selects it.
  open(url) {
    return this.serially(async () => {
      await this.switchTo("content");
      await this.driver.switchTo().window(this.home);
      await this.driver.switchTo().newWindow("tab");
      await this.driver.get(url);
      // The tab WebDriver loaded, found by what it shows: the selected
      // tab may still be the one selected before, as switching tabs
      // happens asynchronously. The newest of the tabs showing the page
      // is the one just opened.
      const loaded = await this.driver.getCurrentUrl();
      const browserId = await until(`the tab of ${url}`, () =>
        this.chrome(
          (spec) =>
            gBrowser.browsers
              .filter((b) => b.currentURI?.spec === spec)
              .map((b) => b.browserId)
              .sort((a, b) => b - a)[0] ?? null,
          loaded,
        ),
      );
      return new GeckoSurface(this, browserId, url, () => this.closeTab(browserId));
    });
  }

  closeTab(browserId) {
    return this.serially(() =>
      this.chrome((id) => {
        const tab = gBrowser.tabs.find((t) => t.linkedBrowser.browserId === id);
        if (tab) {
          gBrowser.removeTab(tab);
        }
      }, browserId),
    );
  }

  /// Presses the toolbar button over `tab`, as a user would, and answers
  /// the popup it opens.
  clickToolbar(tab) {
    return this.serially(async () => {
      const before = await this.chrome(selectTab, tab.browserId);
      await this.switchTo("chrome");
      await this.driver.findElement(By.id("unified-extensions-button")).click();
      const entry = `#unified-extensions-panel [data-extensionid="${this.extensionId}"] .unified-extensions-item-action-button`;
      const button = await until("the add-on in the extensions panel", async () =>
        (await this.driver.findElements(By.css(entry)))[0],
      );
      await button.click();
      return this.popupOpened(before);
    });
  }

  /// Opens the page's context menu on the selection in `tab` and chooses
  /// the entry labelled `label`, as a user would; answers the popup the
  /// extension opens. The entry is chosen with the menu's own
  /// `activateItem`, which acts as a click on it does: a WebDriver click
  /// lands on the browser window, not on the menu's separate popup.
  chooseFromContextMenu(tab, label) {
    return this.serially(async () => {
      const before = await this.chrome(selectTab, tab.browserId);
      await this.askFrame(tab.browserId, "contextmenu");
      await until(`"${label}" in the context menu`, () => this.chrome(chooseFromContextMenu, label));
      return this.popupOpened(before);
    });
  }

  /// Waits for a popup that was not open `before`, and answers it.
  async popupOpened(before) {
    const url = `${this.extensionOrigin}/popup.html`;
    const browserId = await until("the popup", () => this.chrome(findPopup, url, before));
    return new GeckoSurface(this, browserId, url, () => this.closePopup(browserId));
  }

  closePopup(browserId) {
    return this.serially(async () => {
      await this.chrome((id) => {
        const popup = [...document.querySelectorAll("browser")].find((b) => b.browserId === id);
        popup?.closest("panel")?.hidePopup();
      }, browserId);
      await until("the popup to close", () =>
        this.chrome((id) => ![...document.querySelectorAll("browser")].some((b) => b.browserId === id), browserId),
      );
    });
  }

  /// Opens one of the extension's pages in a tab, with the extension's
  /// APIs, for setting up or inspecting its state.
  async extensionPage(path = "popup.html") {
    return this.open(`${this.extensionOrigin}/${path}`);
  }

  async close() {
    await this.queue;
    await this.driver.quit().catch(() => {});
  }
}

// --- run in the browser window's chrome context -----------------------------
// These functions are serialized and run there, with its globals
// (`gBrowser`, `Services`, `WebExtensionPolicy`, ...).

/// Records the HTTP requests of add-on `id` in `window.fmTestRequests`:
/// those its own pages and background script make (its principal
/// triggered or loads them) and those of its content scripts.
function watchExtensionNetwork(id) {
  window.fmTestRequests = [];
  const ours = (principal) =>
    (principal?.addonPolicy ?? principal?.contentScriptAddonPolicy)?.id === id;
  window.fmTestObserver = {
    observe(subject) {
      const channel = subject.QueryInterface(Components.interfaces.nsIHttpChannel);
      const { loadInfo } = channel;
      if (ours(loadInfo.triggeringPrincipal) || ours(loadInfo.loadingPrincipal)) {
        window.fmTestRequests.push({
          method: channel.requestMethod,
          url: channel.URI.spec,
          // A request Firefox opened to follow a redirect.
          redirectHop: loadInfo.redirectChain.length > 0,
        });
      }
    },
  };
  Services.obs.addObserver(window.fmTestObserver, "http-on-opening-request");
}

/// Selects the tab of <browser> `browserId`, as a user does before
/// pressing the button; answers the popups already open.
function selectTab(browserId) {
  gBrowser.selectedTab = gBrowser.tabs.find((t) => t.linkedBrowser.browserId === browserId);
  return [...document.querySelectorAll(".webextension-popup-browser")].map((b) => b.browserId);
}

/// Chooses the entry labelled `label` once the context menu shows it;
/// answers whether it did.
function chooseFromContextMenu(label) {
  const menu = document.getElementById("contentAreaContextMenu");
  const entry = [...menu.querySelectorAll("menuitem")].find((m) => m.label === label && !m.hidden);
  if (menu.state !== "open" || !entry) {
    return false;
  }
  menu.activateItem(entry);
  return true;
}

/// The `browserId` of a popup showing `url` that was not open `before`.
/// Firefox loads a popup in a hidden preload <browser> and then moves
/// its document into a new <browser> in the panel; the preload one is
/// passed over, as a request sent into it during the move is lost.
function findPopup(url, before) {
  const popup = [...document.querySelectorAll(".webextension-popup-browser:not(.webextension-preload-browser)")].find(
    (b) => !before.includes(b.browserId) && b.currentURI?.spec === url,
  );
  return popup?.browserId ?? null;
}

/// Sends `request` to the frame script in <browser> `browserId`, loading
/// it there first if this document's process has not got it yet; answers
/// the frame script's JSON.
function askFrame(frameScript, browserId, request, argument) {
  const browser = [...document.querySelectorAll("browser")].find((b) => b.browserId === browserId);
  if (!browser) {
    throw new Error("the page is closed");
  }
  const manager = browser.messageManager;
  window.fmTestFrames ??= new WeakSet();
  // A new frame loader means a new process, without the script.
  if (!window.fmTestFrames.has(browser.frameLoader)) {
    manager.loadFrameScript(frameScript, false);
    window.fmTestFrames.add(browser.frameLoader);
  }
  const id = Math.random().toString(36).slice(2);
  const { frameLoader } = browser;
  const url = browser.currentURI?.spec;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // An answer never comes from a document that has left its <browser>
    // (closed, or moved to another one), so that fails at once.
    const timer = setInterval(() => {
      const gone = !browser.isConnected || browser.frameLoader !== frameLoader;
      if (gone || Date.now() - started > 60_000) {
        clearInterval(timer);
        manager.removeMessageListener("fm-test:answer", listener);
        reject(new Error(`no answer to ${request} in ${url}${gone ? ": the page went away" : ""}`));
      }
    }, 100);
    const listener = ({ data }) => {
      if (data.id !== id) {
        return;
      }
      clearInterval(timer);
      manager.removeMessageListener("fm-test:answer", listener);
      if (data.error !== undefined) {
        reject(new Error(data.error));
      } else {
        resolve(data.json);
      }
    };
    manager.addMessageListener("fm-test:answer", listener);
    manager.sendAsyncMessage(`fm-test:${request}`, { id, argument });
  });
}
