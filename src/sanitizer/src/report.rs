//! What a sanitizing pass replaced, for the preview's highlighting and
//! summary and for the command line's `--report json`.

use serde::Serialize;

use crate::Category;

/// Everything replaced in one text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Each placeholder written, in output order.
    pub redactions: Vec<Redaction>,
    /// Per category: distinct values and occurrences, in
    /// [`Category::ALL`] order; categories with nothing are left out.
    pub counts: Vec<CategoryCount>,
}

/// One placeholder in the output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Redaction {
    /// The placeholder as written, such as `[EMAIL_2]`.
    pub placeholder: String,
    pub category: Category,
    /// Byte offsets of the placeholder in the output.
    pub start: usize,
    pub end: usize,
    /// The same offsets in UTF-16 code units, as JavaScript strings count.
    pub start_utf16: usize,
    pub end_utf16: usize,
}

/// How much of one category was redacted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryCount {
    pub category: Category,
    /// Distinct values (each has its own placeholder).
    pub values: usize,
    /// Placeholders written, counting repeats of a value.
    pub occurrences: usize,
}

impl Report {
    /// Distinct values redacted, over every category.
    pub fn total(&self) -> usize {
        self.counts.iter().map(|c| c.values).sum()
    }

    /// A sentence for people, such as "2 credentials, 3 e-mail addresses
    /// redacted", or "Nothing to redact".
    pub fn summary(&self) -> String {
        if self.counts.is_empty() {
            return "Nothing to redact".into();
        }
        let parts: Vec<String> = self
            .counts
            .iter()
            .map(|c| c.category.describe(c.values))
            .collect();
        format!("{} redacted", parts.join(", "))
    }
}
