/// The bytes other than letters and digits that the detection scan stops
/// at: `@` starts e-mail addresses, `:` IPv6 and MAC addresses and URLs,
/// `-` MAC addresses and PEM markers, `~` follows the first part of an
/// Entra ID client secret, and anchors may begin with `$`, `:` or `-`
/// (`$2b$`, `:AA`, `-----BEGIN`). Shared with `build.rs`, which checks
/// that every anchor can be found.
pub(crate) const SPECIALS: [u8; 5] = [b'@', b':', b'-', b'$', b'~'];
