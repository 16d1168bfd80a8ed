// Waiting for the browser by asking it, never by sleeping a fixed time.

/// Calls `probe` every `every` ms until it answers something other than
/// null, undefined or false (an empty string counts: an input's text may
/// be empty), and answers that; throws, naming `what`, after `timeout` ms.
export async function until(what, probe, { timeout = 10_000, every = 50 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
