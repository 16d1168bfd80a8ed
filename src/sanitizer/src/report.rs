//! What a sanitizing pass replaced, for the preview's highlighting and
//! summary and for the command line's `--report json`.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

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

/// One placeholder in the output, such as `[EMAIL_2]`; its text is
/// [`Sanitized::placeholder`](crate::Sanitized::placeholder).
///
/// Only offsets, no copy of the placeholder: a text made of short values
/// has a redaction every few bytes, and the report would otherwise be
/// several times the size of the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Redaction {
    pub category: Category,
    /// Byte offsets of the placeholder in the output.
    pub start: usize,
    pub end: usize,
    /// The start in UTF-16 code units, as JavaScript strings count.
    pub start_utf16: usize,
}

impl Redaction {
    /// The end in UTF-16 code units: a placeholder is ASCII, one unit a
    /// byte.
    pub fn end_utf16(&self) -> usize {
        self.start_utf16 + (self.end - self.start)
    }
}

/// As JSON: `category`, `start`, `end`, `startUtf16` and `endUtf16`.
impl Serialize for Redaction {
    fn serialize<S: Serializer>(
        &self,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut fields = serializer.serialize_struct("Redaction", 5)?;
        fields.serialize_field("category", &self.category)?;
        fields.serialize_field("start", &self.start)?;
        fields.serialize_field("end", &self.end)?;
        fields.serialize_field("startUtf16", &self.start_utf16)?;
        fields.serialize_field("endUtf16", &self.end_utf16())?;
        fields.end()
    }
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
        Report::summary_of(&self.counts)
    }

    /// The same sentence for `counts` alone, such as counts added up over
    /// several reports.
    pub fn summary_of(counts: &[CategoryCount]) -> String {
        if counts.is_empty() {
            return "Nothing to redact".into();
        }
        let parts: Vec<String> =
            counts.iter().map(|c| c.category.describe(c.values)).collect();
        format!("{} redacted", parts.join(", "))
    }
}
