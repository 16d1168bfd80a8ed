// The service worker (Chrome) or background script (Firefox).
//
// Manifest V3 delivers an event only to listeners registered in the first
// turn of the worker's start-up, before any await, so they are all
// registered here at once; each waits for the Rust module (src/background)
// to load, then hands the event to it.
import init, { onAlarm, onMessage, onSelectionMenu, onStartup } from "./background/fm_background.js";

const ext = globalThis.browser ?? globalThis.chrome;

// Matches `menu::SEND_SELECTION` in src/background/src/menu.rs.
const SEND_SELECTION = "send-selection";

const ready = init({
  module_or_path: new URL("./background/fm_background_bg.wasm", import.meta.url),
});

ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
  // Only the extension's own pages talk to the worker.
  if (sender.id !== ext.runtime.id) {
    return false;
  }
  ready
    .then(() => onMessage(message))
    .then(sendResponse, (error) => sendResponse({ error: String(error) }));
  return true;
});

ext.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId !== SEND_SELECTION) {
    return;
  }
  // Firefox opens the popup only straight from the click, before any
  // await; Chrome allows it any time. Either way it is asked for here.
  let opened;
  try {
    opened = Promise.resolve(ext.action.openPopup()).then(() => true, () => false);
  } catch {
    opened = Promise.resolve(false);
  }
  ready.then(() => onSelectionMenu(tab?.id ?? -1, opened)).catch(() => {});
});

// A capture the popup queues is delivered from here, the moment its
// outbox entry is stored: the write wakes the worker, and nothing depends
// on the popup staying open to send a message. Only new entries count;
// the worker's own updates of an entry do not start a delivery.
// Matches `keys::OUTBOX_PREFIX` in src/types/src/lib.rs.
const OUTBOX_PREFIX = "outbox/";

ext.storage.onChanged.addListener((changes, area) => {
  if (area !== "local") {
    return;
  }
  for (const [key, { oldValue, newValue }] of Object.entries(changes)) {
    if (key.startsWith(OUTBOX_PREFIX) && oldValue === undefined && newValue?.state?.kind === "pending") {
      const id = key.slice(OUTBOX_PREFIX.length);
      ready.then(() => onMessage({ kind: "deliver", id })).catch(() => {});
    }
  }
});

ext.alarms.onAlarm.addListener((alarm) => {
  ready.then(() => onAlarm(alarm.name)).catch(() => {});
});

ext.runtime.onStartup.addListener(() => {
  ready.then(onStartup).catch(() => {});
});

ext.runtime.onInstalled.addListener(() => {
  ready.then(onStartup).catch(() => {});
});
