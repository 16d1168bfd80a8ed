//! Detection: runs the scan over a text and hands each place it stops at
//! to the detectors that want it.
//!
//! The engine owns everything built from the options: the matcher over
//! every enabled anchor and the table from anchor to the detectors that
//! want it, the matcher over assignment key words, the anchors that sit
//! inside words, and the custom patterns. The built-in regexes are
//! shared by every engine (see `detect::pattern`).

use std::collections::HashSet;

use crate::anchors::Anchors;
use crate::detect::scan::{self, Structural, Visitor};
use crate::detect::{
    Finding, Sink, assignment, command, header, pattern, pem, url,
};
use crate::rule::{Builtin, Detector, RULES};
use crate::text::is_alnum;
use crate::{Category, Error, Options};

/// What an anchor hit is for.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// A literal of pattern rule `rule`. The matcher ignores case; a
    /// literal with letters must match them in its own case, so it is
    /// kept to be checked byte for byte.
    Anchor { rule: u16, exact: Option<&'static [u8]> },
    /// A context word of pattern rule `rule`.
    Keyword { rule: u16 },
    /// A marker of a built-in detector.
    Builtin(Builtin),
    /// A key word of the assignment detector.
    Assignment,
}

/// What detection found in a text.
pub(crate) struct Found<'e> {
    /// Every finding, unresolved: findings may overlap.
    pub findings: Vec<Finding<'e>>,
    /// For each 64-byte block, the mask of the places where a repeat of
    /// a redacted value may start (see [`Visitor::token_starts`]); found
    /// in the same pass, so looking for repeats need not read the text
    /// again. Sized for the text up front, as most blocks of a log have
    /// some: growing it would copy it several times.
    pub token_starts: Vec<u64>,
}

/// Literals, the matcher over them, and the targets each one feeds.
struct Literals {
    matcher: Anchors,
    /// For each distinct literal, the range of `targets` it feeds.
    routes: Vec<(u32, u32)>,
    targets: Vec<Target>,
}

/// An anchor that sits inside a word, `tail` bytes before its end, such
/// as the `AZDO` of an Azure DevOps token.
struct Tail {
    literal: &'static [u8],
    tail: usize,
    rule: u16,
}

pub(crate) struct Engine {
    disabled: u16,
    keep_private_ips: bool,
    allow: HashSet<Box<[u8]>>,
    /// The literals looked up where a word starts or at a special byte.
    starts: Literals,
    /// The literals looked up where a word ends: the assignment
    /// detector's key words, and anchors that end a word (`...NRAL`).
    ends: Literals,
    /// The other anchors inside words: checked in words of 64 bytes or
    /// more, and before a special byte in `tail_follow`.
    tails: Vec<Tail>,
    tail_follow: [bool; 256],
    /// Which digits begin an anchor (`1//0`, `00D`): words that start
    /// with a digit are looked up only then.
    digit_first: [bool; 10],
    /// The bytes that follow the digits such an anchor begins with.
    digit_next: [bool; 256],
    assignment: assignment::Table,
    structural: scan::Wanted,
    custom: Vec<pattern::Custom>,
}

impl Engine {
    pub fn new(options: Options) -> Result<Engine, Error> {
        let disabled = options.disabled_mask();
        let enabled = |c: Category| disabled & c.bit() == 0;
        let custom = pattern::compile_custom(&options.custom)?;

        let mut literals: Vec<(Vec<u8>, Target)> = Vec::new();
        let mut endings: Vec<(Vec<u8>, Target)> = Vec::new();
        let mut tails = Vec::new();
        let mut tail_follow = [false; 256];
        let mut assignment_rules = Vec::new();
        let mut builtins = Vec::new();
        for (index, rule) in RULES.iter().enumerate() {
            if !enabled(rule.category) {
                continue;
            }
            let index = index as u16;
            match &rule.detector {
                Detector::Pattern(p) => {
                    for a in p.anchors {
                        let literal = a.as_bytes();
                        let exact = literal
                            .iter()
                            .any(u8::is_ascii_alphabetic)
                            .then_some(literal);
                        let target = Target::Anchor { rule: index, exact };
                        match p.tail.map(|t| t as usize) {
                            None => literals.push((literal.to_vec(), target)),
                            Some(tail) if tail == literal.len() => {
                                endings.push((literal.to_vec(), target))
                            }
                            Some(tail) => {
                                // `8Q~`: the literal runs onto a special
                                // byte; else the word is long (build.rs).
                                if let Some(&b) = literal.get(tail) {
                                    tail_follow[usize::from(b)] = true;
                                }
                                tails.push(Tail {
                                    literal,
                                    tail,
                                    rule: index,
                                });
                            }
                        }
                    }
                    for k in p.keywords {
                        let target = Target::Keyword { rule: index };
                        literals.push((k.as_bytes().to_vec(), target));
                    }
                }
                Detector::Assignment(a) => {
                    assignment_rules.push(index);
                    // A two-word entry (`user_name`) is found through its
                    // first word, which is an entry of its own.
                    for w in a.words.iter().filter(|w| !w.contains('_')) {
                        endings
                            .push((w.as_bytes().to_vec(), Target::Assignment));
                    }
                }
                Detector::Builtin(b) => builtins.push(*b),
            }
        }
        for &b in &builtins {
            for marker in builtin_markers(b) {
                literals.push((marker.to_vec(), Target::Builtin(b)));
            }
        }
        let mut digit_first = [false; 10];
        let mut digit_next = [false; 256];
        for (lit, _) in &literals {
            if lit[0].is_ascii_digit() {
                digit_first[usize::from(lit[0] - b'0')] = true;
                let after = lit.iter().find(|b| !b.is_ascii_digit());
                for b in after.into_iter().flat_map(|&b| {
                    [b.to_ascii_lowercase(), b.to_ascii_uppercase()]
                }) {
                    digit_next[usize::from(b)] = true;
                }
            }
        }

        Ok(Engine {
            disabled,
            keep_private_ips: options.keep_private_ips,
            allow: options
                .allow
                .iter()
                .filter(|v| !v.is_empty())
                .map(|v| v.as_bytes().into())
                .collect(),
            starts: Literals::new(literals, Anchors::new),
            ends: Literals::new(endings, Anchors::new_reversed),
            tails,
            tail_follow,
            digit_first,
            digit_next,
            assignment: assignment::Table::new(&assignment_rules),
            structural: scan::Wanted::from_builtins(&builtins),
            custom,
        })
    }

    /// Every finding in `text`, unresolved: findings may overlap.
    pub fn find(&self, text: &str) -> Found<'_> {
        let hay = text.as_bytes();
        let mut finder = Finder {
            engine: self,
            hay,
            sink: Sink::new(self.disabled, &self.allow),
            progress: pattern::Progress::new(RULES.len()),
            assignment_done: 0,
            structural: Structural::new(
                self.structural,
                self.keep_private_ips,
            ),
            token_starts: vec![0; hay.len() / 64 + 1],
        };
        scan::run(hay, &mut finder);
        let mut sink = finder.sink;
        for custom in &self.custom {
            custom.find_all(hay, &mut sink);
        }
        Found { findings: sink.findings, token_starts: finder.token_starts }
    }
}

impl Literals {
    /// One matcher literal per distinct (case-folded) literal, each
    /// routing to every target that wants it.
    fn new(
        mut literals: Vec<(Vec<u8>, Target)>,
        matcher: fn(Vec<Box<[u8]>>) -> Anchors,
    ) -> Literals {
        for (lit, _) in &mut literals {
            lit.make_ascii_lowercase();
        }
        literals.sort_by(|a, b| a.0.cmp(&b.0));
        let mut distinct: Vec<Box<[u8]>> = Vec::new();
        let mut routes = Vec::new();
        let mut targets = Vec::new();
        for (lit, target) in literals {
            if distinct.last().is_none_or(|last| **last != *lit) {
                distinct.push(lit.into_boxed_slice());
                routes.push((targets.len() as u32, targets.len() as u32));
            }
            targets.push(target);
            routes.last_mut().expect("a route was pushed above").1 += 1;
        }
        Literals { matcher: matcher(distinct), routes, targets }
    }

    fn targets(&self, literal: usize) -> &[Target] {
        let (from, to) = self.routes[literal];
        &self.targets[from as usize..to as usize]
    }
}

/// The state of one text's detection pass.
struct Finder<'e, 'h> {
    engine: &'e Engine,
    hay: &'h [u8],
    sink: Sink<'e>,
    progress: pattern::Progress,
    /// The end of the last key the assignment detector looked at, so the
    /// other words of that key are skipped.
    assignment_done: usize,
    structural: Structural,
    /// Where repeats of redacted values may start, block by block.
    token_starts: Vec<u64>,
}

impl Finder<'_, '_> {
    /// Runs the targets of every literal that starts at `i`.
    #[inline(always)]
    fn starts_at(&mut self, i: usize) {
        if let Some(word) =
            self.engine.starts.matcher.may_start_at(self.hay, i)
        {
            self.starts_found(i, word);
        }
    }

    #[inline(never)]
    fn starts_found(&mut self, i: usize, word: u32) {
        let starts = &self.engine.starts;
        starts.matcher.starting_at(
            self.hay,
            i,
            word,
            |start, end, literal| {
                for &target in starts.targets(literal) {
                    self.run(target, start, end);
                }
            },
        );
    }

    /// Runs the targets of every literal that ends at `end`.
    #[inline(never)]
    fn ends_found(&mut self, end: usize, word: u32) {
        let ends = &self.engine.ends;
        ends.matcher.ending_at(self.hay, end, word, |start, end, literal| {
            for &target in ends.targets(literal) {
                self.run(target, start, end);
            }
        });
    }

    fn run(&mut self, target: Target, start: usize, end: usize) {
        let (hay, sink) = (self.hay, &mut self.sink);
        match target {
            Target::Anchor { rule, exact } => {
                let rule = rule as usize;
                if exact.is_some_and(|literal| hay[start..end] != *literal) {
                    return;
                }
                pattern::run_at_anchor(
                    rule,
                    hay,
                    start,
                    end,
                    &mut self.progress,
                    sink,
                );
            }
            Target::Keyword { rule } => pattern::run_after_keyword(
                rule as usize,
                hay,
                end,
                &mut self.progress,
                sink,
            ),
            Target::Builtin(b) => run_builtin(b, hay, start, end, sink),
            Target::Assignment => {
                if start >= self.assignment_done && may_end_key(hay, end) {
                    self.assignment_done =
                        self.engine.assignment.detect(hay, start, end, sink);
                }
            }
        }
    }

    /// Checks the anchors that sit inside the word `start..end`, or run
    /// from it onto the byte at `end`.
    #[inline(never)]
    fn tails(&mut self, start: usize, end: usize) {
        let engine = self.engine;
        for t in &engine.tails {
            let Some(at) = end.checked_sub(t.tail) else { continue };
            let hit = at >= start
                && self.hay.get(at..at + t.literal.len()) == Some(t.literal);
            if hit {
                let rule = t.rule as usize;
                let end = at + t.literal.len();
                pattern::run_at_anchor(
                    rule,
                    self.hay,
                    at,
                    end,
                    &mut self.progress,
                    &mut self.sink,
                );
            }
        }
    }
}

impl Visitor for Finder<'_, '_> {
    #[inline]
    fn word_start(&mut self, i: usize) {
        self.starts_at(i);
    }

    #[inline]
    fn word_end(&mut self, end: usize) {
        if let Some(word) = self.engine.ends.matcher.may_end_at(self.hay, end)
        {
            self.ends_found(end, word);
        }
    }

    #[inline]
    fn long_word(&mut self, start: usize, end: usize) {
        self.tails(start, end);
    }

    #[inline]
    fn digits(&mut self, i: usize, end: usize) {
        let (engine, hay) = (self.engine, self.hay);
        // Anchors that begin with digits (`1//0`, `00D`), where a word
        // starts; tested without branches, as the answer is almost always
        // no and the tests would be hard to predict.
        let probe = engine.digit_first[usize::from(hay[i] - b'0')]
            & engine.digit_next[usize::from(crate::text::at(hay, end))]
            & !is_alnum(crate::text::before(hay, i));
        if probe {
            self.starts_at(i);
        }
        self.structural.digits(hay, i, end, &mut self.sink);
    }

    #[inline]
    fn special(&mut self, i: usize, byte: u8) {
        self.starts_at(i);
        // A Java property flag glues its key to the flag: `-Dsonar.login=`.
        if byte == b'-'
            && self.hay.get(i + 1) == Some(&b'D')
            && self.hay.get(i + 2).is_some_and(u8::is_ascii_lowercase)
        {
            self.starts_at(i + 2);
        }
        if self.engine.tail_follow[usize::from(byte)] {
            let start = crate::text::extend_left(self.hay, i, 64, is_alnum);
            self.tails(start, i);
        }
        self.structural.special(self.hay, i, byte, &mut self.sink);
    }

    #[inline]
    fn token_starts(&mut self, base: usize, starts: u64) {
        self.token_starts[base / 64] = starts;
    }
}

/// Whether a key word ending at `end` may belong to a key that is
/// assigned a value: what follows is a separator, a quote or a blank
/// (`password=`, `"token":`, `--password x`, `the password is`), or more
/// of the key (`session_id`, `db.password`). A word followed by a bracket
/// or a line break (`[auth]`) is not assigned anything, and most key
/// words in text are; they are rejected before the detector's full work.
fn may_end_key(hay: &[u8], end: usize) -> bool {
    matches!(
        crate::text::at(hay, end),
        b' ' | b'\t'
            | b'='
            | b':'
            | b'"'
            | b'\''
            | b'`'
            | b'>'
            | b'\\'
            | b','
            | b'_'
            | b'-'
            | b'.'
    )
}

fn run_builtin(
    builtin: Builtin,
    hay: &[u8],
    start: usize,
    end: usize,
    sink: &mut Sink<'_>,
) {
    match builtin {
        Builtin::UrlCredentials => url::detect(hay, start, sink),
        Builtin::PrivateKey => pem::detect(hay, start, end, sink),
        Builtin::AuthHeader => header::detect_auth(hay, start, end, sink),
        Builtin::Cookie => header::detect_cookie(hay, start, end, sink),
        Builtin::CommandCredentials => {
            command::detect_flags(hay, start, end, sink)
        }
        Builtin::Netrc => command::detect_netrc(hay, start, end, sink),
        // The structural scan handles these; they have no markers.
        Builtin::Email
        | Builtin::Ipv4
        | Builtin::Ipv6
        | Builtin::Mac
        | Builtin::PaymentCard
        | Builtin::Iban
        | Builtin::Ssn
        | Builtin::Phone => {}
    }
}

/// The literals that wake a built-in detector. Each begins where the
/// scan stops: at a word's start or at one of `blocks::SPECIALS`.
fn builtin_markers(builtin: Builtin) -> &'static [&'static [u8]] {
    match builtin {
        Builtin::UrlCredentials => &[b"://"],
        Builtin::PrivateKey => &[b"-----begin ", b"putty-user-key-file-"],
        Builtin::AuthHeader => &[b"authorization", b"bearer"],
        Builtin::Cookie => &[b"cookie"],
        Builtin::CommandCredentials => command::COMMANDS,
        Builtin::Netrc => &[b"machine"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::SPECIALS;

    /// Every literal must begin where the scan stops, or it would never
    /// be looked up.
    #[test]
    fn every_literal_can_be_found() {
        let engine = Engine::new(Options::default()).expect("defaults");
        // A literal found where a word ends lies inside that word only if
        // it is all letters; the matcher does not check.
        for lit in engine.ends.matcher.literals() {
            assert!(lit.iter().all(u8::is_ascii_alphabetic), "{lit:?}");
        }
        for lit in engine.starts.matcher.literals() {
            let first = lit[0];
            assert!(
                is_alnum(first) || SPECIALS.contains(&first),
                "{:?} begins with a byte the scan does not stop at",
                String::from_utf8_lossy(lit)
            );
        }
    }
}
