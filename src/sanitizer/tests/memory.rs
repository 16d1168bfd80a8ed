//! How much memory sanitizing takes, measured by counting every
//! allocation of this test binary.
//!
//! The promise is about 3 × N plus a constant for a text of N bytes:
//! the input (N), the output (about N) and the findings and report. It
//! holds for text with the density of values the benchmark corpus has (a
//! few in every 10 KiB). A text made of nothing but short values needs
//! more, as every value of a few bytes costs a finding, a redaction and
//! a number (about 100 bytes together) and a placeholder longer than
//! itself; that case is measured and bounded here too, so a regression
//! in either shows.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use fm_sanitizer::Sanitizer;

#[path = "../examples/common/corpus.rs"]
mod corpus;

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = IN_USE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; the
// counters only observe it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: the caller's layout is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: Layout,
        new_size: usize,
    ) -> *mut u8 {
        // Counted as the new block allocated before the old one is freed,
        // which is the worst a moving reallocation can do.
        grew(new_size);
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The peak of memory in use while sanitizing `text`, counting `text`
/// itself, relative to its length.
fn peak_ratio(sanitizer: &Sanitizer, text: &str) -> f64 {
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = sanitizer.sanitize(text);
    let peak = PEAK.load(Ordering::Relaxed);
    drop(out);
    // Only the input was in use before; the rest of `before` is this
    // test's own small allocations.
    (peak - before + text.len()) as f64 / text.len() as f64
}

/// One test, so that no other test allocates while this one counts.
#[test]
fn sanitizing_needs_about_three_times_the_text() {
    let sanitizer = Sanitizer::default();
    // Compile the rules the texts need, so only sanitizing is measured.
    let warm = corpus::generate(1 << 20).text;
    sanitizer.sanitize(&warm);

    let text = corpus::generate(8 << 20).text;
    let ratio = peak_ratio(&sanitizer, &text);
    println!("benchmark corpus, 8 MiB: peak {ratio:.2} x the text");
    assert!(ratio <= 3.0, "peak {ratio:.2} x the text");

    // The worst case: every line a different address.
    let dense: String = (0..1u32 << 20)
        .map(|i| format!("10.{}.{}.{}\n", i >> 16, (i >> 8) & 255, i & 255))
        .collect();
    let ratio = peak_ratio(&sanitizer, &dense);
    println!("one IPv4 address a line: peak {ratio:.2} x the text");
    assert!(ratio <= 14.0, "peak {ratio:.2} x the text");
}
