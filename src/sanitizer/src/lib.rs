//! Removes secrets and personal data from text before it leaves the
//! machine.
//!
//! A [`Sanitizer`] is built once from [`Options`] and then sanitizes any
//! number of texts. Sanitizing replaces each sensitive value, and only the
//! value, with a typed, numbered placeholder: `password=hunter2` becomes
//! `password=[PASSWORD_1]`, and every later occurrence of the same value in
//! the same text gets the same placeholder, so a reader can still see that
//! one key failed twice.
//!
//! # Design
//!
//! The rules live in data files (`rules/*.toml`), each with examples that
//! must be redacted and examples that must be kept; `build.rs` turns them
//! into a static table. Detection is one pass over the text, linear in
//! its length:
//!
//! 1. Each 64-byte block is classified with SIMD (letters, digits and a
//!    few punctuation bytes), and masks over the classes give the places
//!    a detector may care about: where words start and end, where runs
//!    of digits start, and the bytes `@ : - $ ~`.
//! 2. Where a word starts, its first bytes are looked up among the
//!    *anchors*: the literal prefixes of token formats (`ghp_`, `AKIA`,
//!    `xoxb-`), the context words of some rules (`datadog`) and the
//!    markers of structured values (`Authorization`, `-----BEGIN`).
//!    Where a word ends, its last bytes are looked up among the key words
//!    of assignments (`password`, `token`, glued or not: `DBPASSWORD`).
//!    A rule's regex runs only in a small window around its anchors.
//! 3. Runs of digits and the punctuation bytes wake the detectors for
//!    values with no literal: addresses, card numbers, phone numbers.
//! 4. Findings are resolved (the most specific rule wins an overlap), then
//!    every other occurrence of a high-entropy value is found too, and the
//!    output is written in one pass.
//!
//! Every regex is compiled by `regex-automata` without Unicode tables and
//! without backtracking, so no input can make sanitizing slower than
//! linear.

mod anchors;
mod blocks;
mod category;
mod detect;
mod engine;
mod error;
mod options;
mod redact;
mod report;
mod rule;
mod text;
mod validate;

pub use category::Category;
pub use error::Error;
pub use options::{CustomPattern, Options};
pub use report::{CategoryCount, Redaction, Report};
pub use rule::{RuleInfo, rules};

/// A sanitizer, ready to use; build it once and reuse it.
///
/// Building sets up the anchor tables and compiles every custom pattern,
/// so a bad one is reported at once. The built-in regexes compile on
/// first use and are then shared by every sanitizer in the process, so a
/// page that never mentions a Slack token never pays for the Slack rule,
/// and a second sanitizer pays for nothing.
pub struct Sanitizer {
    engine: engine::Engine,
}

/// The result of sanitizing one text.
#[derive(Clone, Debug)]
pub struct Sanitized {
    /// The text with every sensitive value replaced by a placeholder.
    pub text: String,
    /// What was replaced, where, and how many of each category.
    pub report: Report,
    /// Where `text` starts in the whole output: 0 for
    /// [`Sanitizer::sanitize`]; for a [`Session`]'s chunk, the bytes of
    /// the chunks before it, from which the report's offsets count.
    pub offset: usize,
}

impl Sanitized {
    /// The placeholder that `redaction`, one of this text's report,
    /// stands for, such as `[EMAIL_2]`.
    pub fn placeholder(&self, redaction: &Redaction) -> &str {
        &self.text[redaction.start - self.offset..redaction.end - self.offset]
    }
}

impl Sanitizer {
    /// Builds a sanitizer.
    ///
    /// Fails only on a custom pattern that is malformed, too large, or has
    /// an unusable name; the error names the pattern and says why.
    pub fn new(options: Options) -> Result<Sanitizer, Error> {
        Ok(Sanitizer { engine: engine::Engine::new(options)? })
    }

    /// Sanitizes `text`.
    ///
    /// Needs memory for the output and the findings, about twice the input
    /// at most; the input itself is never copied.
    pub fn sanitize(&self, text: &str) -> Sanitized {
        self.session().sanitize(text)
    }

    /// Starts a session for sanitizing one long text in chunks: a value
    /// keeps its placeholder from chunk to chunk, and report offsets count
    /// from the start of the whole output. Cut chunks at line ends.
    pub fn session(&self) -> Session<'_> {
        Session { engine: &self.engine, state: redact::State::default() }
    }
}

/// One text sanitized in chunks; see [`Sanitizer::session`].
pub struct Session<'s> {
    engine: &'s engine::Engine,
    state: redact::State<'s>,
}

impl Session<'_> {
    /// Sanitizes the next chunk. Counts in its report are for this chunk;
    /// a value already seen in an earlier chunk counts as an occurrence,
    /// not a new value.
    pub fn sanitize(&mut self, chunk: &str) -> Sanitized {
        let found = self.engine.find(chunk);
        redact::apply(&mut self.state, chunk, found)
    }
}

impl Default for Sanitizer {
    fn default() -> Sanitizer {
        Sanitizer::new(Options::default())
            .expect("default options carry no custom pattern to reject")
    }
}
