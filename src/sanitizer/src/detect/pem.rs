//! Private key blocks: PEM (`-----BEGIN ... PRIVATE KEY-----`), OpenSSH,
//! PGP private key blocks, and PuTTY key files. The markers stay; the
//! body becomes one placeholder followed by the body's line breaks.

use memchr::memmem;

use super::{Sink, priority};
use crate::Category;
use crate::text::{is_token, line_end};

/// The most key material a block is searched for, in bytes.
const MAX_BLOCK: usize = 64 * 1024;

/// After `-----BEGIN ` or `PuTTY-User-Key-File-` at `start..end`.
pub(crate) fn detect(
    hay: &[u8],
    start: usize,
    end: usize,
    sink: &mut Sink<'_>,
) {
    if hay[start] == b'-' {
        pem(hay, end, sink)
    } else {
        putty(hay, end, sink)
    }
}

fn pem(hay: &[u8], label_start: usize, sink: &mut Sink<'_>) {
    let line = &hay[label_start..line_end(hay, label_start)];
    let Some(label_len) = memmem::find(line, b"-----") else { return };
    let label = &line[..label_len];
    if memmem::find(&label.to_ascii_uppercase(), b"PRIVATE KEY").is_none() {
        return; // certificates and public keys are not secret
    }
    let body_start = label_start + label_len + 5;
    let window = &hay[body_start..hay.len().min(body_start + MAX_BLOCK)];
    let body_end = match memmem::find(window, b"-----END") {
        Some(i) => body_start + i,
        None => body_start + key_material_len(window),
    };
    let (s, e) = trim(hay, body_start, body_end);
    if e > s {
        push(hay, s, e, sink);
    }
}

/// Without an END marker (a truncated paste): the run of lines that look
/// like key material.
fn key_material_len(window: &[u8]) -> usize {
    let mut len = 0;
    for line in window.split_inclusive(|&b| b == b'\n') {
        let content = line.trim_ascii();
        let material = !content.is_empty()
            && content.iter().all(|&b| {
                is_token(b)
                    || matches!(b, b'"' | b'\'' | b'\\' | b' ' | b',' | b':')
            });
        if !material && len > 0 {
            break;
        }
        len += line.len();
    }
    len
}

fn putty(hay: &[u8], after: usize, sink: &mut Sink<'_>) {
    let window = &hay[after..hay.len().min(after + MAX_BLOCK)];
    let Some(at) = memmem::find(window, b"Private-Lines:") else { return };
    let count_start = after + at + b"Private-Lines:".len();
    let count_end = line_end(hay, count_start);
    let Ok(lines) = std::str::from_utf8(&hay[count_start..count_end])
        .unwrap_or("")
        .trim()
        .parse::<usize>()
    else {
        return;
    };
    let s = (count_end + 1).min(hay.len());
    let mut e = s;
    for _ in 0..lines.min(512) {
        if e >= hay.len() {
            break;
        }
        e = (line_end(hay, e) + 1).min(hay.len());
    }
    let (s, e) = trim(hay, s, e);
    if e > s {
        push(hay, s, e, sink);
    }
}

/// Trims white space and the `\n` escapes of keys pasted from JSON.
fn trim(hay: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    let escape = |i: usize| {
        hay[i] == b'\\' && matches!(hay.get(i + 1), Some(b'n' | b'r'))
    };
    loop {
        if s < e && hay[s].is_ascii_whitespace() {
            s += 1;
        } else if s + 1 < e && escape(s) {
            s += 2;
        } else {
            break;
        }
    }
    loop {
        if e > s && hay[e - 1].is_ascii_whitespace() {
            e -= 1;
        } else if e >= s + 2 && escape(e - 2) {
            e -= 2;
        } else {
            break;
        }
    }
    (s, e)
}

fn push(hay: &[u8], s: usize, e: usize, sink: &mut Sink<'_>) {
    sink.push(
        hay,
        s,
        e,
        "PRIVATE_KEY",
        Category::Credential,
        priority::PRIVATE_KEY,
    );
}
