//! The categories a user can switch on and off, and how the summary names
//! them.

use serde::{Deserialize, Serialize};

/// A family of sensitive values. Each can be switched off in [`Options`],
/// and the report counts redactions per category.
///
/// [`Options`]: crate::Options
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Category {
    /// Passwords, tokens, API keys, private keys, auth headers, cookies.
    Credential,
    /// The user name and host that go with a credential, as in
    /// `postgres://app:pw@db/x` or a `.netrc` entry.
    Account,
    /// E-mail addresses.
    Email,
    /// Phone numbers.
    Phone,
    /// Payment card numbers (Luhn-checked).
    PaymentCard,
    /// International bank account numbers (mod-97-checked).
    Iban,
    /// National identifiers such as US social security numbers.
    NationalId,
    /// IPv4 and IPv6 addresses.
    IpAddress,
    /// MAC addresses.
    MacAddress,
    /// Cloud resource names that identify an account: AWS account ids and
    /// ARNs, storage bucket names, OAuth client ids.
    CloudResource,
    /// Values matched by the user's own patterns.
    Custom,
}

impl Category {
    /// Every category, in the order summaries list them.
    pub const ALL: [Category; 11] = [
        Category::Credential,
        Category::Account,
        Category::Email,
        Category::Phone,
        Category::PaymentCard,
        Category::Iban,
        Category::NationalId,
        Category::IpAddress,
        Category::MacAddress,
        Category::CloudResource,
        Category::Custom,
    ];

    /// The name used in options, reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Credential => "credential",
            Category::Account => "account",
            Category::Email => "email",
            Category::Phone => "phone",
            Category::PaymentCard => "payment-card",
            Category::Iban => "iban",
            Category::NationalId => "national-id",
            Category::IpAddress => "ip-address",
            Category::MacAddress => "mac-address",
            Category::CloudResource => "cloud-resource",
            Category::Custom => "custom",
        }
    }

    /// Parses the name returned by [`Category::as_str`].
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// How a summary counts `n` values of this category, such as
    /// "2 credentials" or "1 e-mail address".
    pub fn describe(self, n: usize) -> String {
        let (one, many) = match self {
            Category::Credential => ("credential", "credentials"),
            Category::Account => ("account name", "account names"),
            Category::Email => ("e-mail address", "e-mail addresses"),
            Category::Phone => ("phone number", "phone numbers"),
            Category::PaymentCard => ("card number", "card numbers"),
            Category::Iban => ("IBAN", "IBANs"),
            Category::NationalId => ("national ID", "national IDs"),
            Category::IpAddress => ("IP address", "IP addresses"),
            Category::MacAddress => ("MAC address", "MAC addresses"),
            Category::CloudResource => ("cloud resource", "cloud resources"),
            Category::Custom => ("custom match", "custom matches"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }

    pub(crate) fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn describe_uses_plural() {
        assert_eq!(Category::Email.describe(1), "1 e-mail address");
        assert_eq!(Category::Credential.describe(2), "2 credentials");
    }
}
