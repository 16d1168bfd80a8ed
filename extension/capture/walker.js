// Reads a page as an engineer reads it, for the content script.
//
// `fmReadPage(limit)` answers the page as plain text with its structure
// kept: alerts and status messages first, then headings (`# `),
// paragraphs, `pre` blocks verbatim between ``` fences, tables one row a
// line with cells separated by " | " (header rows first), lists,
// definition lists as `term: definition`, `details` whether open or not,
// form fields as `label: value`, open and closed shadow roots, and
// same-origin frames. Hidden elements, scripts, styles, SVG and canvases
// are skipped. `fmReadSelection(limit)` reads the selection, widened to
// whole lines in a log block and to the whole row, under its header, in
// a table.
//
// What must never be read is decided here, before a value exists in
// memory: the value of a password or hidden input, or of a field whose
// `autocomplete` marks a password, a one-time code or card data, is never
// touched.
//
// Speed: most of a page is plain text in plain elements, which the
// browser renders to text far faster than any script could walk it. So
// one query finds the elements that need structure (tables, lists, `pre`,
// fields, frames, alerts, shadow hosts...); they and their ancestors are
// walked here, and every other subtree is read whole with the browser's
// own `innerText`. The walk runs in one task, so the page cannot change
// under it (the capture is a consistent snapshot), and it stops at
// `limit` characters, so a page of 50 MiB costs little more than its
// first `limit`.
//
// This is JavaScript rather than Rust because every DOM access from
// WebAssembly would cross into JavaScript anyway; the text goes straight
// into the sanitizer (src/capture) and nowhere else.
"use strict";

(() => {
  if (typeof globalThis.fmReadPage === "function") {
    return;
  }

  // Elements whose text is never part of a capture.
  const SKIPPED = new Set([
    "script", "style", "noscript", "template", "svg", "canvas", "head",
    "object", "embed", "video", "audio", "img", "picture", "map", "link",
    "meta", "title",
  ]);

  // Elements that need more than their rendered text.
  const STRUCTURED =
    "table, ul, ol, dl, pre, h1, h2, h3, h4, h5, h6, input, select, " +
    "textarea, iframe, frame, details, label, slot, " +
    '[role="alert"], [role="alertdialog"], [role="status"], [aria-live]';

  const ALERTS =
    '[role="alert"], [role="alertdialog"], [role="status"], ' +
    '[aria-live="assertive"], [aria-live="polite"]';

  // Elements that start and end a line of their own.
  const BLOCKS = new Set([
    "address", "article", "aside", "blockquote", "div", "fieldset",
    "figcaption", "figure", "footer", "form", "header", "hr", "legend",
    "main", "nav", "section", "summary", "dialog", "hgroup", "search",
    "caption", "optgroup", "center", "li", "dt", "dd", "tr", "body",
  ]);

  // Elements set off by a blank line.
  const PARAGRAPHS = new Set(["p", "ul", "ol", "dl", "table", "pre", "details"]);

  const HEADINGS = { h1: "# ", h2: "## ", h3: "### ", h4: "#### ", h5: "##### ", h6: "###### " };

  // White space that rendering would collapse.
  const COLLAPSIBLE = /[\t\n\r\f]| {2}/;

  // `autocomplete` tokens of fields that are never read.
  const SECRET_AUTOCOMPLETE = /\b(current-password|new-password|one-time-code|cc-[a-z-]+)\b/i;

  // Input types whose value is never read, or means nothing as text.
  const UNREAD_TYPES = new Set(["password", "hidden", "file", "image", "submit", "reset", "button"]);

  // A plain subtree this many elements wide whose text might not fit is
  // read child by child, so reading stops near the limit.
  const WIDE = 64;

  const ext = globalThis.browser ?? globalThis.chrome;

  function shadowRootOf(element) {
    if (element.shadowRoot) {
      return element.shadowRoot;
    }
    // Closed roots, through the extension API; custom elements are the
    // ones that have them.
    if (!element.localName.includes("-")) {
      return null;
    }
    return ext?.dom?.openOrClosedShadowRoot?.(element) ?? element.openOrClosedShadowRoot ?? null;
  }

  function isVisible(element) {
    if (typeof element.checkVisibility !== "function") {
      return true;
    }
    return element.checkVisibility({
      opacityProperty: true,
      visibilityProperty: true,
      checkOpacity: true,
      checkVisibilityCSS: true,
    });
  }

  // Slots and `display: contents` wrappers have no box of their own, so
  // `checkVisibility` calls them hidden; their children are what shows.
  function isContents(element) {
    return element.localName === "slot" || getComputedStyle(element).display === "contents";
  }

  // A label's own words, without the options or text of fields it wraps.
  function labelText(label) {
    const words = [];
    const texts = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      if (!node.parentElement?.closest("select, textarea, button, datalist")) {
        words.push(node.data);
      }
    }
    return oneLine(words.join(" "));
  }

  function oneLine(text) {
    return text.replace(/\s+/g, " ").trim();
  }

  // The text being captured, with innerText's rules for line breaks: a
  // block boundary asks for at least one line break, a paragraph for at
  // least two, and asks in a row merge.
  class Text {
    constructor(limit) {
      this.parts = [];
      this.length = 0;
      this.limit = limit;
      this.breaks = 0;
      this.lineStart = true;
    }

    get full() {
      return this.length >= this.limit;
    }

    get room() {
      return this.limit - this.length;
    }

    lineBreak(count = 1) {
      if (this.length > 0) {
        this.breaks = Math.max(this.breaks, count);
      }
    }

    // A `<br>`: a line break that always counts, even twice in a row.
    hardBreak() {
      this.flushBreaks();
      this.push("\n");
      this.lineStart = true;
    }

    flushBreaks() {
      if (this.breaks > 0) {
        this.push("\n".repeat(this.breaks));
        this.breaks = 0;
        this.lineStart = true;
      }
    }

    write(text) {
      if (text === "" || this.full) {
        return;
      }
      this.flushBreaks();
      this.lineStart = text.endsWith("\n");
      this.push(text);
    }

    // Text in normal flow: runs of white space become one space, and
    // none starts a line.
    flow(text) {
      let collapsed = text.replace(/[\t\n\f\r ]+/g, " ");
      if (this.breaks > 0 || this.lineStart || this.endsWithSpace()) {
        collapsed = collapsed.trimStart();
      }
      this.write(collapsed);
    }

    endsWithSpace() {
      const last = this.parts.at(-1) ?? "";
      return last.endsWith(" ");
    }

    push(text) {
      const piece = text.length > this.room ? text.slice(0, this.room) : text;
      this.parts.push(piece);
      this.length += piece.length;
    }

    toString() {
      return this.parts.join("").replace(/[ \t]+\n/g, "\n").trimEnd();
    }
  }

  class Walker {
    constructor(limit) {
      this.out = new Text(limit);
      this.notes = [];
      this.elements = 0;
      this.unread = 0;
      // Elements that need structure, and their ancestors; every other
      // element is read whole.
      this.structured = new Set();
      this.shadowRoots = new Map();
      this.skip = new Set();
      this.whiteSpace = new Map();
      // Where the walk is: inside `pre`, inside content that is not laid
      // out (a closed `details`), inside a label, how deep in lists.
      this.verbatim = false;
      this.unrendered = false;
      this.inLabel = false;
      this.listDepth = 0;
    }

    // Finds what needs structure under `root` (a document or a shadow
    // root) and marks it and its ancestors.
    survey(root) {
      const all = root.querySelectorAll("*");
      this.elements += all.length;
      for (let i = 0; i < all.length; i++) {
        const shadow = shadowRootOf(all[i]);
        if (shadow) {
          this.shadowRoots.set(all[i], shadow);
          this.markUp(all[i]);
        }
      }
      for (const element of root.querySelectorAll(STRUCTURED)) {
        this.markUp(element);
      }
    }

    markUp(element) {
      for (let node = element; node && !this.structured.has(node); node = node.parentNode ?? node.host) {
        this.structured.add(node);
      }
    }

    walkChildren(node) {
      const root = node.nodeType === Node.ELEMENT_NODE ? this.shadowRoots.get(node) : null;
      if (root) {
        this.survey(root);
        node = root;
      } else if (node.localName === "slot") {
        const assigned = node.assignedNodes({ flatten: true });
        if (assigned.length > 0) {
          for (const child of assigned) {
            if (this.out.full) {
              return;
            }
            this.walk(child);
          }
          return;
        }
      }
      for (let child = node.firstChild; child && !this.out.full; child = child.nextSibling) {
        this.walk(child);
      }
    }

    walk(node) {
      if (node.nodeType === Node.TEXT_NODE) {
        this.text(node);
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) {
        return;
      }
      const element = node;
      const tag = element.localName;
      if (SKIPPED.has(tag) || this.skip.has(element)) {
        return;
      }
      // Content that is not laid out is judged by `hidden` alone.
      if (this.unrendered ? element.hidden : !isVisible(element) && !isContents(element)) {
        return;
      }
      if (tag === "br") {
        this.out.hardBreak();
        return;
      }
      if (!this.structured.has(element)) {
        this.plain(element);
        return;
      }
      switch (tag) {
        case "iframe":
        case "frame":
          return this.frame(element);
        case "input":
        case "select":
        case "textarea":
          return this.field(element);
        case "table":
          return this.table(element);
        case "ul":
        case "ol":
          return this.list(element);
        case "dl":
          return this.definitions(element);
        default:
          return this.container(element);
      }
    }

    // An element without structure inside: its rendered text, whole.
    plain(element) {
      const tag = element.localName;
      const breaks = PARAGRAPHS.has(tag) ? 2 : BLOCKS.has(tag) ? 1 : 0;
      this.out.lineBreak(breaks);
      if (this.unrendered) {
        // Not laid out, so there is no rendered text to ask for.
        this.out.flow(element.textContent);
      } else if (element.childElementCount > WIDE && element.textContent.length > this.out.room) {
        for (let child = element.firstChild; child && !this.out.full; child = child.nextSibling) {
          this.walk(child);
        }
      } else if (this.verbatim) {
        this.out.write(element.innerText);
      } else if (breaks > 0) {
        this.out.write(element.innerText.trim());
      } else {
        this.out.flow(element.innerText);
      }
      this.out.lineBreak(breaks);
    }

    container(element) {
      const tag = element.localName;
      const heading = HEADINGS[tag];
      const breaks = PARAGRAPHS.has(tag) || heading ? 2 : BLOCKS.has(tag) ? 1 : 0;
      const saved = [this.verbatim, this.unrendered, this.inLabel];
      this.out.lineBreak(breaks);
      if (heading) {
        this.out.write(heading);
      }
      if (tag === "pre") {
        this.out.write("```");
        this.out.lineBreak(1);
        this.verbatim = true;
      }
      if (tag === "details" && !element.open) {
        this.unrendered = true;
      }
      // A field's label is written with its value (or, for a field that
      // is never read, not at all), so only what it wraps is walked.
      if (tag === "label" && element.control) {
        this.inLabel = true;
      }
      this.walkChildren(element);
      [this.verbatim, this.unrendered, this.inLabel] = saved;
      if (tag === "pre") {
        this.out.lineBreak(1);
        this.out.write("```");
      }
      this.out.lineBreak(breaks);
    }

    text(node) {
      if (this.inLabel) {
        return;
      }
      const text = node.data;
      if (this.verbatim || (COLLAPSIBLE.test(text) && this.mayKeepSpace(node) && this.keepsWhiteSpace(node.parentElement))) {
        this.out.write(text);
        return;
      }
      this.out.flow(text);
    }

    // Log viewers often keep white space with CSS (`white-space: pre`)
    // instead of a `pre`. The style is looked up only where it can
    // matter: text with white space that would collapse, and not just
    // the indentation between two blocks, which break lines anyway.
    mayKeepSpace(node) {
      if (node.data.trim() !== "") {
        return true;
      }
      const inline = (sibling) =>
        sibling !== null &&
        (sibling.nodeType === Node.TEXT_NODE || (!BLOCKS.has(sibling.localName) && !PARAGRAPHS.has(sibling.localName)));
      return inline(node.previousSibling) && inline(node.nextSibling);
    }

    keepsWhiteSpace(element) {
      if (!element) {
        return false;
      }
      let keeps = this.whiteSpace.get(element);
      if (keeps === undefined) {
        const value = getComputedStyle(element).whiteSpace;
        keeps = value.startsWith("pre") || value === "break-spaces";
        this.whiteSpace.set(element, keeps);
      }
      return keeps;
    }

    // The text of an element on one line: a table cell, a list term, an
    // alert.
    inline(element) {
      if (!this.structured.has(element) && !this.unrendered) {
        return isVisible(element) ? oneLine(element.innerText) : "";
      }
      const nested = new Walker(this.out.room);
      nested.structured = this.structured;
      nested.shadowRoots = this.shadowRoots;
      nested.skip = this.skip;
      nested.unrendered = this.unrendered;
      nested.walkChildren(element);
      this.unread += nested.unread;
      this.notes.push(...nested.notes);
      return oneLine(nested.out.toString());
    }

    // One line per row, header rows first, cells separated by " | ".
    table(table) {
      this.out.lineBreak(2);
      if (table.caption && isVisible(table.caption)) {
        this.out.write(this.inline(table.caption));
        this.out.lineBreak(1);
      }
      const head = [];
      const rest = [];
      for (const row of table.rows) {
        (row.parentElement?.localName === "thead" ? head : rest).push(row);
      }
      for (const row of head.concat(rest)) {
        if (this.out.full) {
          break;
        }
        if (!this.unrendered && !isVisible(row)) {
          continue;
        }
        const cells = this.structured.has(row) || this.unrendered
          ? [...row.cells].map((cell) => this.inline(cell))
          : row.innerText.split("\t").map(oneLine);
        if (cells.some((cell) => cell !== "")) {
          this.out.write(cells.join(" | "));
          this.out.lineBreak(1);
        }
      }
      this.out.lineBreak(2);
    }

    list(list) {
      const nested = this.listDepth > 0;
      this.out.lineBreak(nested ? 1 : 2);
      const ordered = list.localName === "ol";
      let number = ordered ? Number(list.getAttribute("start") ?? 1) : 0;
      const indent = "  ".repeat(this.listDepth);
      this.listDepth += 1;
      for (const item of list.children) {
        if (this.out.full) {
          break;
        }
        if (item.localName !== "li" || (!this.unrendered && !isVisible(item))) {
          continue;
        }
        this.out.lineBreak(1);
        this.out.write(indent + (ordered ? `${number++}. ` : "- "));
        if (this.structured.has(item)) {
          this.walkChildren(item);
        } else {
          this.out.write(oneLine(this.unrendered ? item.textContent : item.innerText));
        }
      }
      this.listDepth -= 1;
      this.out.lineBreak(nested ? 1 : 2);
    }

    // `term: definition`, one pair a line.
    definitions(list) {
      this.out.lineBreak(2);
      for (const item of list.querySelectorAll(":scope > dt, :scope > dd, :scope > div > dt, :scope > div > dd")) {
        if (this.out.full) {
          break;
        }
        const text = this.inline(item);
        if (item.localName === "dt") {
          this.out.lineBreak(1);
          this.out.write(`${text}:`);
        } else if (text !== "") {
          this.out.write(` ${text}`);
        }
      }
      this.out.lineBreak(2);
    }

    field(element) {
      const tag = element.localName;
      const type = tag === "input" ? (element.getAttribute("type") ?? "text").toLowerCase() : tag;
      if (UNREAD_TYPES.has(type)) {
        if (type === "password") {
          this.unread += 1;
        }
        return;
      }
      if (SECRET_AUTOCOMPLETE.test(element.getAttribute("autocomplete") ?? "")) {
        this.unread += 1;
        return;
      }
      let value;
      if (type === "checkbox" || type === "radio") {
        value = element.checked ? "[x]" : "[ ]";
      } else if (tag === "select") {
        value = [...element.selectedOptions].map((o) => o.text.trim()).join(", ");
      } else {
        value = element.value;
      }
      if (value === "") {
        return;
      }
      const label = this.label(element);
      this.out.lineBreak(1);
      this.out.write(label ? `${label}: ${value}` : value);
      this.out.lineBreak(1);
    }

    label(element) {
      const root = element.getRootNode();
      const byId = (element.getAttribute("aria-labelledby") ?? "")
        .split(/\s+/)
        .map((id) => (id && root.getElementById?.(id)?.textContent) || "")
        .join(" ");
      const fromLabel = [...(element.labels ?? [])].map(labelText).join(" ");
      return oneLine(
        byId.trim() ||
          element.getAttribute("aria-label") ||
          fromLabel ||
          element.getAttribute("placeholder") ||
          element.getAttribute("name") ||
          "",
      );
    }

    frame(frame) {
      let inner = null;
      try {
        inner = frame.contentDocument;
      } catch {
        inner = null;
      }
      if (!inner?.body) {
        let origin = "another site";
        try {
          origin = new URL(frame.getAttribute("src") ?? "", location.href).origin;
        } catch {
          // A malformed src is still a frame that was not read.
        }
        this.notes.push(`A frame from ${origin} was not read: it belongs to another site.`);
        return;
      }
      this.survey(inner);
      this.out.lineBreak(2);
      const title = inner.title.trim();
      this.out.write(`[Frame${title ? `: ${title}` : ""}]`);
      this.out.lineBreak(1);
      this.walkChildren(inner.body);
      this.out.lineBreak(2);
    }

    // Alerts and status messages, first, and not again in place.
    alerts(root) {
      const found = [];
      for (const alert of root.querySelectorAll(ALERTS)) {
        if (isVisible(alert) && !found.some((outer) => outer.contains(alert))) {
          found.push(alert);
        }
      }
      const texts = found
        .map((alert) => ({ alert, text: this.inline(alert) }))
        .filter(({ text }) => text !== "");
      if (texts.length === 0) {
        return;
      }
      this.out.write("Alerts:");
      for (const { alert, text } of texts) {
        this.out.lineBreak(1);
        this.out.write(`- ${text}`);
        this.skip.add(alert);
      }
      this.out.lineBreak(2);
    }

    finish() {
      if (this.unread > 0) {
        const fields = this.unread === 1 ? "1 form field was" : `${this.unread} form fields were`;
        this.notes.push(`${fields} not read: passwords, one-time codes and card data never are.`);
      }
      if (document.readyState !== "complete") {
        this.notes.push("The page was still loading; what had loaded was captured.");
      }
      return {
        text: this.out.toString(),
        cut: this.out.full,
        notes: this.notes,
        elements: this.elements,
      };
    }
  }

  // The page, alerts first.
  globalThis.fmReadPage = (limit) => {
    const walker = new Walker(limit);
    walker.survey(document);
    const body = document.body ?? document.documentElement;
    walker.alerts(body);
    walker.walkChildren(body);
    return walker.finish();
  };

  // The selection, widened so a reader sees the line or the row a
  // selected error came from: whole lines in a `pre`, `code` or
  // `textarea`, the whole row under its header row in a table.
  globalThis.fmReadSelection = (limit) => {
    const selection = globalThis.getSelection?.();
    const selected = selection?.toString() ?? "";
    if (selected.trim() === "") {
      return null;
    }
    const range = selection.getRangeAt(0);
    let around = range.commonAncestorContainer;
    if (around.nodeType !== Node.ELEMENT_NODE) {
      around = around.parentElement;
    }
    const block = around?.closest("pre, code, textarea, tr") ?? null;
    const walker = new Walker(limit);
    if (block?.localName === "tr") {
      const header = block.closest("table")?.tHead?.rows[0] ?? null;
      for (const row of header && header !== block ? [header, block] : [block]) {
        walker.out.write(row.innerText.split("\t").map(oneLine).join(" | "));
        walker.out.lineBreak(1);
      }
    } else if (block) {
      walker.out.write(wholeLines(block, range));
    } else {
      walker.out.write(selected);
    }
    return walker.finish();
  };

  function wholeLines(block, range) {
    const before = document.createRange();
    before.selectNodeContents(block);
    before.setEnd(range.startContainer, range.startOffset);
    const text = block.textContent;
    const start = before.toString().length;
    const end = start + range.toString().length;
    const from = text.lastIndexOf("\n", start - 1) + 1;
    const next = text.indexOf("\n", Math.max(end - 1, from));
    return text.slice(from, next < 0 ? text.length : next);
  }
})();
