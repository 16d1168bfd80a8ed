// A page the tests drive only by running scripts in it: the popup and
// extension pages in both browsers, and every page in Firefox. Each
// browser supplies `evaluate` (and, where it can do better than
// `element.click()`, `click`); the rest is the same everywhere.
import { until } from "./wait.mjs";

/// How long a click, a fill or a wait gives the page to show its element.
const PATIENCE_MS = 15_000;

export class ScriptedSurface {
  /// `url` is the page's address; `close` closes it.
  constructor(url, close) {
    this.pageUrl = url;
    this.closePage = close;
  }

  url() {
    return this.pageUrl;
  }

  /// Runs `fn(arg)` in the page and answers its result (awaited, as
  /// JSON); `fn` is serialized, so it sees only the page.
  async evaluate(_fn, _arg) {
    throw new Error("a surface must say how it runs scripts");
  }

  /// Clicks `selector` once it is there, as a user waits for a button to
  /// appear (and as Playwright's own click waits). Finding and clicking
  /// are one step in the page, retried until it finds the element, so an
  /// element that is redrawn in between is clicked where it now is.
  async click(selector) {
    await until(`${selector} to click on ${this.url()}`, () => this.clickOnce(selector), { timeout: PATIENCE_MS });
  }

  /// Clicks `selector` if it is there; answers whether it was. A browser
  /// that can click as a user's mouse does supplies its own.
  async clickOnce(selector) {
    return this.evaluate((s) => {
      const element = document.querySelector(s);
      element?.click();
      return Boolean(element);
    }, selector);
  }

  /// Types `value` into a field, once it is there, the way input events
  /// report typing.
  async fill(selector, value) {
    await until(`${selector} to fill on ${this.url()}`, () =>
      this.evaluate(([s, v]) => {
        const element = document.querySelector(s);
        if (!element) {
          return false;
        }
        element.focus();
        element.value = v;
        element.dispatchEvent(new Event("input", { bubbles: true }));
        return true;
      }, [selector, value]),
    { timeout: PATIENCE_MS });
  }

  /// The text of `selector` now, or "" when there is no such element.
  async text(selector) {
    return this.evaluate((s) => document.querySelector(s)?.textContent ?? "", selector);
  }

  async attribute(selector, name) {
    return this.evaluate(([s, n]) => document.querySelector(s)?.getAttribute(n) ?? null, [selector, name]);
  }

  /// Waits until `selector` exists and, with `predicate`, until its text
  /// satisfies it; answers the text.
  async waitFor(selector, predicate = () => true, { timeout = PATIENCE_MS } = {}) {
    return until(`${selector} on ${this.url()}`, async () => {
      const found = await this.evaluate(
        (s) => (document.querySelector(s) ? document.querySelector(s).textContent : null),
        selector,
      );
      return found !== null && predicate(found) ? found : null;
    }, { timeout });
  }

  async close() {
    await this.closePage();
  }
}
