//! Errors from building a sanitizer. Sanitizing itself cannot fail.

use std::fmt;

/// Why a [`Sanitizer`](crate::Sanitizer) could not be built.
///
/// Only user-supplied patterns can be wrong; each error names the pattern
/// and says what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A custom pattern's name is empty or not letters, digits, `-` or `_`.
    InvalidName { name: String },
    /// Two custom patterns have the same name.
    DuplicateName { name: String },
    /// A custom pattern does not compile.
    InvalidPattern { name: String, message: String },
    /// A custom pattern compiles to more than the size limit.
    PatternTooLarge { name: String, limit: usize },
    /// A custom pattern matches the empty string, so it would redact
    /// nothing and everywhere at once.
    MatchesEmpty { name: String },
    /// More custom patterns than the limit.
    TooManyPatterns { limit: usize },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidName { name } => write!(
                f,
                "custom pattern name {name:?} is not usable: use 1 to 32 \
                 letters, digits, '-' or '_'"
            ),
            Error::DuplicateName { name } => write!(
                f,
                "two custom patterns are named {name:?}: give each its own \
                 name"
            ),
            Error::InvalidPattern { name, message } => write!(
                f,
                "custom pattern {name:?} does not compile: {message}"
            ),
            Error::PatternTooLarge { name, limit } => write!(
                f,
                "custom pattern {name:?} is too large (over {limit} bytes \
                 compiled): simplify it or lower its repetition counts"
            ),
            Error::MatchesEmpty { name } => write!(
                f,
                "custom pattern {name:?} matches empty text: make it match \
                 at least one character"
            ),
            Error::TooManyPatterns { limit } => {
                write!(f, "too many custom patterns: at most {limit}")
            }
        }
    }
}

impl std::error::Error for Error {}
