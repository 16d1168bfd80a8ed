// A frame script: firefox.mjs loads it through a <browser>'s message
// manager into the process that renders the page, the popup included.
// WebDriver cannot reach the popup (it is no window or tab to WebDriver,
// and WebDriver BiDi leaves extension documents out), so the tests reach
// it through the browser's own frame-script channel instead.
//
// It answers three requests:
// - "fm-test:evaluate" runs a test's function in the page's own realm,
//   seeing what the page's scripts see (`browser`, `document`), not
//   through the wrappers that privileged code would get;
// - "fm-test:click" clicks an element with a real mouse event, through
//   the same path as a user's mouse, so the page handles user input
//   (Firefox grants `permissions.request` only then);
// - "fm-test:contextmenu" opens the context menu on the selection.
"use strict";

// One sandbox a document, made again when the frame shows another. Keyed
// by the document, not by `content`: that is the frame's window proxy,
// the same object across navigations, and a sandbox made for a document
// that has gone dies with it.
let realm = null;

function pageRealm() {
  const { document } = content;
  if (realm?.document.deref() !== document) {
    const sandbox = Cu.Sandbox(content, {
      sandboxPrototype: content,
      sameZoneAs: content,
      wantXrays: false,
    });
    realm = { document: new WeakRef(document), sandbox };
  }
  return realm.sandbox;
}

// A page's promises never settle once the page is gone, so an answer
// pending when the tab navigates away is given as an error instead of
// never: the caller may ask again on the new page.
function evaluate(source) {
  return new Promise((resolve, reject) => {
    const gone = () => reject(new Error("the page went away before answering"));
    addEventListener("pagehide", gone, { once: true, capture: true });
    Cu.evalInSandbox(
      `Promise.resolve(${source}).then((value) => JSON.stringify(value ?? null))`,
      pageRealm(),
    )
      .then(resolve, reject)
      .finally(() => removeEventListener("pagehide", gone, { capture: true }));
  });
}

// Answers false, for the caller to try again, while there is no such
// element.
function click(selector) {
  const { document } = content;
  const element = document.querySelector(selector);
  if (!element) {
    return "false";
  }
  element.scrollIntoView({ block: "center", inline: "center" });
  const box = element.getBoundingClientRect();
  const x = box.left + box.width / 2;
  const y = box.top + box.height / 2;
  // A user can only click what they can see.
  const hit = document.elementFromPoint(x, y);
  if (!hit || !element.contains(hit)) {
    throw new Error(`${selector} is covered by <${hit?.localName}>`);
  }
  for (const type of ["mousedown", "mouseup"]) {
    content.synthesizeMouseEvent(type, x, y, { button: 0, clickCount: 1 });
  }
  return "true";
}

// Right-clicks the middle of the selection, as a user opens the context
// menu on selected text.
function openContextMenu() {
  const selection = content.getSelection();
  if (selection.isCollapsed) {
    throw new Error("nothing is selected");
  }
  const box = selection.getRangeAt(0).getClientRects()[0];
  const x = box.left + box.width / 2;
  const y = box.top + box.height / 2;
  for (const type of ["mousedown", "contextmenu", "mouseup"]) {
    content.synthesizeMouseEvent(type, x, y, { button: 2, clickCount: 1 });
  }
  return "null";
}

function answer(name, handle) {
  addMessageListener(name, async ({ data: { id, argument } }) => {
    let reply;
    try {
      reply = { id, json: await handle(argument) };
    } catch (error) {
      reply = { id, error: String(error?.message ?? error) };
    }
    sendAsyncMessage("fm-test:answer", reply);
  });
}

answer("fm-test:evaluate", evaluate);
answer("fm-test:click", click);
answer("fm-test:contextmenu", openContextMenu);
