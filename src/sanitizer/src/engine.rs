//! Detection: runs the anchor automaton and the structural scan over a
//! text and collects what the detectors find.
//!
//! The engine owns everything built from the options: the automaton over
//! every enabled anchor, the table from anchor to the detectors that want
//! it, the lazily compiled pattern rules and the custom patterns.

use std::collections::HashSet;

use crate::anchors::Anchors;
use crate::detect::{
    self, Finding, Sink, assignment, command, header, pattern, pem, url,
};
use crate::rule::{Builtin, Detector, RULES};
use crate::{Category, Error, Options};

/// What an anchor hit is for.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// A literal of pattern rule `rule`; `exact` means the automaton's
    /// case-insensitive hit must be checked byte for byte.
    Anchor { rule: u16, exact: bool },
    /// A context word of pattern rule `rule`.
    Keyword { rule: u16 },
    /// A key word of the assignment detector.
    Assignment,
    /// A marker of a built-in detector.
    Builtin(Builtin),
}

pub(crate) struct Engine {
    disabled: u16,
    keep_private_ips: bool,
    allow: HashSet<Box<[u8]>>,
    /// Every anchor, matched without regard to case.
    anchors: Anchors,
    /// For each anchor literal, the range of `targets` it feeds.
    routes: Vec<(u32, u32)>,
    targets: Vec<Target>,
    /// One slot per rule in `RULES`, compiled on first use.
    patterns: Vec<pattern::Lazy>,
    assignment: assignment::Table,
    structural: detect::scan::Wanted,
    custom: Vec<pattern::Custom>,
}

impl Engine {
    pub fn new(options: Options) -> Result<Engine, Error> {
        let disabled = options.disabled_mask();
        let enabled = |c: Category| disabled & c.bit() == 0;
        let custom = pattern::compile_custom(&options.custom)?;

        let mut literals: Vec<(Vec<u8>, Target)> = Vec::new();
        let mut patterns = Vec::with_capacity(RULES.len());
        let mut assignment_rules = Vec::new();
        let mut builtins = Vec::new();
        for (index, rule) in RULES.iter().enumerate() {
            patterns.push(pattern::Lazy::new());
            if !enabled(rule.category) {
                continue;
            }
            let index = index as u16;
            match &rule.detector {
                Detector::Pattern(p) => {
                    for a in p.anchors {
                        let exact = a.bytes().any(|b| b.is_ascii_alphabetic());
                        let target = Target::Anchor { rule: index, exact };
                        literals.push((a.as_bytes().to_vec(), target));
                    }
                    for k in p.keywords {
                        let target = Target::Keyword { rule: index };
                        literals.push((k.as_bytes().to_vec(), target));
                    }
                }
                Detector::Assignment(a) => {
                    assignment_rules.push(index);
                    // A two-word entry (`user_name`) is found through the
                    // anchor of its first word.
                    for w in a.words.iter().filter(|w| !w.contains('_')) {
                        literals
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

        // One matcher literal per distinct (case-folded) literal, each
        // routing to every target that wants it.
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
        let anchors = Anchors::new(distinct);

        Ok(Engine {
            disabled,
            keep_private_ips: options.keep_private_ips,
            allow: options
                .allow
                .iter()
                .filter(|v| !v.is_empty())
                .map(|v| v.as_bytes().into())
                .collect(),
            anchors,
            routes,
            targets,
            patterns,
            assignment: assignment::Table::new(&assignment_rules),
            structural: detect::scan::Wanted::from_builtins(&builtins),
            custom,
        })
    }

    /// Every finding in `text`, unresolved: findings may overlap.
    pub fn find(&self, text: &str) -> Vec<Finding<'_>> {
        let hay = text.as_bytes();
        let mut sink = Sink::new(self.disabled, &self.allow);
        let mut state = pattern::Progress::new(RULES.len());
        let mut assignment_done = 0;

        self.anchors.for_each(hay, |start, end, literal| {
            let (from, to) = self.routes[literal];
            for &target in &self.targets[from as usize..to as usize] {
                match target {
                    Target::Anchor { rule, exact } => {
                        let rule = rule as usize;
                        if exact && !anchor_matches(hay, start, end, rule) {
                            continue;
                        }
                        self.patterns[rule].run_at_anchor(
                            rule, hay, start, end, &mut state, &mut sink,
                        );
                    }
                    Target::Keyword { rule } => {
                        let rule = rule as usize;
                        self.patterns[rule].run_after_keyword(
                            rule, hay, end, &mut state, &mut sink,
                        );
                    }
                    Target::Assignment => {
                        if start >= assignment_done {
                            assignment_done = self
                                .assignment
                                .detect(hay, start, end, &mut sink);
                        }
                    }
                    Target::Builtin(b) => {
                        self.run_builtin(b, hay, start, end, &mut sink)
                    }
                }
            }
        });

        detect::scan::run(
            hay,
            self.structural,
            self.keep_private_ips,
            &mut sink,
        );
        for custom in &self.custom {
            custom.find_all(hay, &mut sink);
        }
        sink.findings
    }

    fn run_builtin(
        &self,
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
}

/// The literals that wake a built-in detector.
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

/// Whether the case-insensitive hit at `start..end` is, byte for byte, one
/// of rule `rule`'s anchors.
fn anchor_matches(hay: &[u8], start: usize, end: usize, rule: usize) -> bool {
    let Detector::Pattern(p) = &RULES[rule].detector else {
        return false;
    };
    let hit = &hay[start..end];
    p.anchors.iter().any(|a| a.as_bytes() == hit)
}
