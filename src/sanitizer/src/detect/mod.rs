//! The detectors. Each one looks at the text around an anchor (or at one
//! byte of the structural scan) and reports [`Finding`]s into a [`Sink`];
//! none of them writes output. Overlaps between detectors are resolved
//! later, by priority, in `redact`.

pub(crate) mod assignment;
pub(crate) mod command;
pub(crate) mod email;
pub(crate) mod header;
pub(crate) mod hexcolon;
pub(crate) mod numeric;
pub(crate) mod pattern;
pub(crate) mod pem;
pub(crate) mod scan;
pub(crate) mod url;

use std::collections::HashSet;

use crate::Category;

/// A value to redact: a byte range of the input, and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Finding<'e> {
    pub start: usize,
    pub end: usize,
    /// The placeholder type, as in `[EMAIL_1]`.
    pub kind: &'e str,
    pub category: Category,
    /// Who wins an overlap: the more specific detector.
    pub priority: u8,
}

/// The placeholder type of a finding that is kept as it is: see
/// [`Sink::push`].
pub(crate) const KEEP: &str = "";

/// Overlap priorities, most specific first. A token format beats the
/// assignment it sits in (`api_key=ghp_...` is a GitHub token), and a
/// structured credential beats the e-mail-like text inside it
/// (`postgres://app:pw@db.example.com`).
pub(crate) mod priority {
    /// A placeholder already in the text, kept as it is.
    pub const PLACEHOLDER: u8 = 255;
    pub const CUSTOM: u8 = 100;
    pub const PRIVATE_KEY: u8 = 95;
    pub const TOKEN: u8 = 90;
    pub const URL_CREDENTIALS: u8 = 80;
    pub const HEADER: u8 = 75;
    pub const COMMAND: u8 = 72;
    pub const ASSIGNMENT: u8 = 70;
    pub const PAYMENT: u8 = 50;
    pub const EMAIL: u8 = 40;
    /// Below e-mail: a user name that is an address is typed as one.
    pub const USERNAME: u8 = 38;
    pub const ADDRESS: u8 = 35;
    pub const PHONE: u8 = 30;
    /// Repeats of an already redacted value, found by searching for it.
    pub const ECHO: u8 = 10;
}

/// Where detectors put findings. It drops what the options exclude, so
/// detectors need not know about them.
pub(crate) struct Sink<'e> {
    pub findings: Vec<Finding<'e>>,
    disabled: u16,
    allow: &'e HashSet<Box<[u8]>>,
}

impl<'e> Sink<'e> {
    pub fn new(disabled: u16, allow: &'e HashSet<Box<[u8]>>) -> Self {
        Sink { findings: Vec::new(), disabled, allow }
    }

    /// Whether findings of `category` are wanted at all; detectors check
    /// this before doing work.
    pub fn wants(&self, category: Category) -> bool {
        self.disabled & category.bit() == 0
    }

    /// Reports `hay[start..end]` as a value of type `kind`.
    pub fn push(
        &mut self,
        hay: &[u8],
        start: usize,
        end: usize,
        kind: &'e str,
        category: Category,
        priority: u8,
    ) {
        if start >= end || !self.wants(category) {
            return;
        }
        let value = &hay[start..end];
        // A value that already is a placeholder (the text was sanitized
        // before) or that the user allowed is kept, and still takes part
        // in resolving overlaps, so that a weaker finding around it does
        // not redact it: sanitizing twice must change nothing.
        let keep = crate::text::is_placeholder(value)
            || (!self.allow.is_empty() && self.allow.contains(value));
        let kind = if keep { KEEP } else { kind };
        self.findings.push(Finding { start, end, kind, category, priority });
    }
}

/// The category a placeholder type belongs to when a rule reports several
/// values: the user name and host of a credential are account details,
/// whatever rule found them.
pub(crate) fn category_of(kind: &str, default: Category) -> Category {
    match kind {
        "USERNAME" | "HOST" => Category::Account,
        "EMAIL" => Category::Email,
        "IP_ADDRESS" => Category::IpAddress,
        _ => default,
    }
}
