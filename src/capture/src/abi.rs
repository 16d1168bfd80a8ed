//! The functions the JavaScript side calls, and how data crosses.
//!
//! JavaScript asks for a buffer with [`fm_alloc`], writes UTF-8 JSON into
//! it and calls an entry point, which answers with a JSON string whose
//! address and length it stores at `out`; JavaScript reads it and frees
//! both buffers with [`fm_free`]. Nothing else is shared.

use std::alloc::{Layout, alloc, dealloc};

/// Allocates `len` bytes for JavaScript to write into.
#[unsafe(no_mangle)]
pub extern "C" fn fm_alloc(len: usize) -> *mut u8 {
    if len == 0 {
        return std::ptr::NonNull::dangling().as_ptr();
    }
    let layout = Layout::array::<u8>(len).expect("sizes that fit in memory");
    // SAFETY: the layout has a non-zero size.
    unsafe { alloc(layout) }
}

/// Frees a buffer from [`fm_alloc`] or an answer.
///
/// # Safety
///
/// `ptr` and `len` must come from [`fm_alloc`] or an answer, once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fm_free(ptr: *mut u8, len: usize) {
    if len != 0 {
        let layout =
            Layout::array::<u8>(len).expect("sizes that fit in memory");
        // SAFETY: the caller passes a live allocation of this layout.
        unsafe { dealloc(ptr, layout) }
    }
}

/// Reads the UTF-8 input JavaScript wrote.
///
/// # Safety
///
/// `ptr..ptr + len` must be a buffer from [`fm_alloc`].
pub unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a str {
    if len == 0 {
        return "";
    }
    // SAFETY: the caller passes a live buffer of `len` bytes.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes).unwrap_or("")
}

/// Hands `answer` to JavaScript: its address and length go to `out`.
///
/// # Safety
///
/// `out` must point at 8 writable bytes.
pub unsafe fn answer(answer: String, out: *mut u32) {
    let mut bytes = answer.into_bytes().into_boxed_slice();
    let (ptr, len) = (bytes.as_mut_ptr(), bytes.len());
    std::mem::forget(bytes);
    // SAFETY: the caller gives room for two u32; the boxed slice's layout
    // is `[u8; len]`, which `fm_free` releases.
    unsafe {
        out.write(ptr as u32);
        out.add(1).write(len as u32);
    }
}
