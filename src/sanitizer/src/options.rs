//! What a user can change about sanitizing.

use serde::{Deserialize, Serialize};

use crate::Category;

/// Settings for a [`Sanitizer`](crate::Sanitizer).
///
/// The defaults redact every category. Options are plain data so the
/// extension can store them and pass them across the WebAssembly boundary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Options {
    /// Categories to leave alone.
    pub disabled: Vec<Category>,
    /// Exact values to keep even when a rule matches them, such as an
    /// internal host name the reader needs to see.
    pub allow: Vec<String>,
    /// Keep private, loopback and link-local IP addresses (10.0.0.0/8,
    /// 192.168.0.0/16, fe80::/10, ...): they name nothing outside the
    /// user's network and often matter for troubleshooting.
    pub keep_private_ips: bool,
    /// The user's own patterns.
    pub custom: Vec<CustomPattern>,
}

/// A user-defined pattern: every match becomes `[NAME_n]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomPattern {
    /// Letters, digits, `-` and `_`; upper-cased into the placeholder.
    pub name: String,
    /// A regular expression in the `regex` crate's syntax, matched against
    /// bytes without Unicode classes (`\w` is `[0-9A-Za-z_]`).
    pub pattern: String,
}

impl Options {
    pub(crate) fn disabled_mask(&self) -> u16 {
        self.disabled.iter().fold(0, |mask, c| mask | c.bit())
    }

    /// Whether `category` is redacted.
    pub fn is_enabled(&self, category: Category) -> bool {
        self.disabled_mask() & category.bit() == 0
    }
}
