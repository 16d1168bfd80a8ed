//! The page, as the DOM bridge (`extension/capture/bridge.js`) and its
//! page reader (`extension/capture/walker.js`) show it.
//!
//! The bridge is a handful of plain functions imported from the `dom`
//! module: strings cross as UTF-8 written straight into a buffer this
//! side provides, so no glue library and no JavaScript objects are
//! involved. Outside WebAssembly (native unit tests) there is no page,
//! and every read is empty.

/// A string the bridge can write.
#[derive(Clone, Copy, Debug)]
#[repr(u32)]
pub enum Text {
    /// The selection, widened to whole lines of a log and whole rows of
    /// a table; empty when nothing is selected.
    Selection = 0,
    /// The page's visible text, structure kept, alerts first.
    Page = 1,
    /// `location.href`.
    Location = 2,
    /// `document.title`.
    Title = 3,
    /// What the last read of the selection or page noted (frames not
    /// read, fields skipped), one note a line.
    Notes = 4,
}

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "dom")]
    unsafe extern "C" {
        /// Writes at most `cap` bytes of UTF-8 at `ptr`; returns how many.
        pub fn text(which: u32, ptr: *mut u8, cap: usize) -> usize;
        /// Elements the last read of the selection or page visited.
        pub fn elements() -> u32;
        /// 1 when the last read stopped at its limit.
        pub fn cut() -> u32;
        /// `Date.now()`: milliseconds since the epoch.
        pub fn now() -> f64;
    }
}

/// Reads `which`, at most `limit` bytes, cut at a character boundary.
pub fn read(which: Text, limit: usize) -> String {
    #[cfg(target_arch = "wasm32")]
    let buffer = {
        let mut buffer: Vec<u8> = Vec::with_capacity(limit);
        // SAFETY: the bridge writes at most `limit` bytes of valid UTF-8
        // (TextEncoder.encodeInto never splits a character) into the
        // buffer's spare capacity and returns how many it wrote.
        unsafe {
            let written =
                imports::text(which as u32, buffer.as_mut_ptr(), limit);
            buffer.set_len(written.min(limit));
        }
        buffer
    };
    // Off the web there is no page to read.
    #[cfg(not(target_arch = "wasm32"))]
    let buffer: Vec<u8> = {
        let _ = (which, limit);
        Vec::new()
    };
    String::from_utf8(buffer)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Elements the last read of the selection or page visited.
pub fn elements() -> u32 {
    #[cfg(target_arch = "wasm32")]
    // SAFETY: a plain import without arguments.
    unsafe {
        imports::elements()
    }
    #[cfg(not(target_arch = "wasm32"))]
    0
}

/// Whether the last read of the selection or page stopped at its limit,
/// with more of the page left.
pub fn was_cut() -> bool {
    #[cfg(target_arch = "wasm32")]
    // SAFETY: a plain import without arguments.
    unsafe {
        imports::cut() != 0
    }
    #[cfg(not(target_arch = "wasm32"))]
    false
}

/// Milliseconds since the epoch, from the page's clock.
pub fn now() -> f64 {
    #[cfg(target_arch = "wasm32")]
    // SAFETY: a plain import without arguments.
    unsafe {
        imports::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    0.0
}
