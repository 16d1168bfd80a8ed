//! Credentials given as short command-line flags (`psexec -u admin -p
//! pw`, `mysql -uroot -psecret`, `curl -u user:pass`) and `.netrc`
//! entries.
//!
//! On a command line the value is redacted whatever it looks like, even
//! `$PASSWORD`: logs and shell histories usually show the command as it
//! ran, and a variable name costs little to hide.

use super::{Sink, priority};
use crate::Category;
use crate::text::{at, before, line_end};

/// How one command takes credentials.
struct Command {
    name: &'static [u8],
    /// Flags followed by a user name.
    user: &'static [&'static [u8]],
    /// Flags followed by a password.
    password: &'static [&'static [u8]],
    /// Flags followed by `user<sep>password`.
    pair: &'static [&'static [u8]],
    pair_separator: u8,
    /// Whether the value may be glued to the flag (`-uroot`).
    glued: bool,
}

const TABLE: [Command; 12] = [
    cmd(b"psexec", &[b"-u"], &[b"-p"], &[], false),
    cmd(b"docker login", &[b"-u"], &[b"-p"], &[], false),
    cmd(b"podman login", &[b"-u"], &[b"-p"], &[], false),
    cmd(b"mysql", &[b"-u"], &[b"-p"], &[], true),
    cmd(b"mysqldump", &[b"-u"], &[b"-p"], &[], true),
    cmd(b"mysqladmin", &[b"-u"], &[b"-p"], &[], true),
    cmd(b"sqlcmd", &[b"-U"], &[b"-P"], &[], false),
    cmd(b"sshpass", &[], &[b"-p"], &[], false),
    cmd(b"net use", &[b"/user:"], &[], &[], true),
    cmd(b"runas", &[b"/user:"], &[], &[], true),
    Command {
        pair_separator: b':',
        ..cmd(b"curl", &[], &[], &[b"-u", b"--user", b"--proxy-user"], false)
    },
    Command {
        pair_separator: b'%',
        ..cmd(b"smbclient", &[], &[], &[b"-U", b"--user"], false)
    },
];

const fn cmd(
    name: &'static [u8],
    user: &'static [&'static [u8]],
    password: &'static [&'static [u8]],
    pair: &'static [&'static [u8]],
    glued: bool,
) -> Command {
    Command { name, user, password, pair, pair_separator: b':', glued }
}

/// The command names, as anchors.
pub(crate) const COMMANDS: &[&[u8]] = &[
    b"psexec",
    b"docker login",
    b"podman login",
    b"mysql",
    b"mysqldump",
    b"mysqladmin",
    b"sqlcmd",
    b"sshpass",
    b"net use",
    b"runas",
    b"curl",
    b"smbclient",
];

/// After a command name at `start..end`: its credential flags, up to the
/// end of the command.
pub(crate) fn detect_flags(
    hay: &[u8],
    start: usize,
    end: usize,
    sink: &mut Sink<'_>,
) {
    let name = hay[start..end].to_ascii_lowercase();
    let Some(command) = TABLE.iter().find(|c| c.name == name.as_slice())
    else {
        return;
    };
    let left_ok = !before(hay, start).is_ascii_alphanumeric();
    let next = at(hay, end);
    let right_ok = matches!(next, b' ' | b'\t' | b'"' | b'\'')
        || hay
            .get(end..end + 4)
            .is_some_and(|t| t.eq_ignore_ascii_case(b".exe"));
    if !left_ok || !right_ok {
        return;
    }

    let stop = command_end(hay, end);
    let mut tokens = Tokens { hay, i: end, stop };
    while let Some((s, e)) = tokens.next() {
        let token = &hay[s..e];
        for (flags, what) in [
            (command.user, Part::User),
            (command.password, Part::Password),
            (command.pair, Part::Pair(command.pair_separator)),
        ] {
            for &flag in flags {
                if token == flag {
                    if let Some((vs, ve)) = tokens.next() {
                        report(hay, vs, ve, what, sink);
                    }
                } else if command.glued
                    && token.len() > flag.len()
                    && token.starts_with(flag)
                {
                    report(hay, s + flag.len(), e, what, sink);
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Part {
    User,
    Password,
    Pair(u8),
}

fn report(hay: &[u8], s: usize, e: usize, part: Part, sink: &mut Sink<'_>) {
    let (s, e) = unquote(hay, s, e);
    if s >= e {
        return;
    }
    match part {
        Part::User => user(hay, s, e, sink),
        Part::Password => password(hay, s, e, sink),
        Part::Pair(sep) => match hay[s..e].iter().position(|&b| b == sep) {
            Some(p) => {
                user(hay, s, s + p, sink);
                password(hay, s + p + 1, e, sink);
            }
            None => user(hay, s, e, sink),
        },
    }
}

fn user(hay: &[u8], s: usize, e: usize, sink: &mut Sink<'_>) {
    sink.push(hay, s, e, "USERNAME", Category::Account, priority::COMMAND);
}

fn password(hay: &[u8], s: usize, e: usize, sink: &mut Sink<'_>) {
    sink.push(hay, s, e, "PASSWORD", Category::Credential, priority::COMMAND);
}

fn unquote(hay: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && matches!(hay[s], b'"' | b'\'') {
        s += 1;
    }
    while e > s && matches!(hay[e - 1], b'"' | b'\'' | b')' | b';') {
        e -= 1;
    }
    (s, e)
}

/// The end of a command: the line's end, a pipe, `&&` or `;`.
fn command_end(hay: &[u8], from: usize) -> usize {
    let eol = line_end(hay, from).min(from + 2048);
    hay[from..eol]
        .iter()
        .position(|&b| matches!(b, b'|' | b';' | b'&'))
        .map_or(eol, |i| from + i)
}

/// Whitespace-separated words; a quoted word keeps its spaces.
struct Tokens<'h> {
    hay: &'h [u8],
    i: usize,
    stop: usize,
}

impl Tokens<'_> {
    fn next(&mut self) -> Option<(usize, usize)> {
        let hay = self.hay;
        while self.i < self.stop && hay[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
        if self.i >= self.stop {
            return None;
        }
        let s = self.i;
        let quote = matches!(hay[s], b'"' | b'\'').then_some(hay[s]);
        let mut j = s + 1;
        while j < self.stop {
            let b = hay[j];
            match quote {
                Some(q) if b == q => {
                    j += 1;
                    break;
                }
                None if b.is_ascii_whitespace() => break,
                _ => j += 1,
            }
        }
        self.i = j;
        Some((s, j))
    }
}

/// After `machine` at `start..end`: a `.netrc` entry
/// (`machine HOST login USER password PASS`), on one line or several.
pub(crate) fn detect_netrc(
    hay: &[u8],
    start: usize,
    end: usize,
    sink: &mut Sink<'_>,
) {
    if before(hay, start).is_ascii_alphanumeric()
        || !at(hay, end).is_ascii_whitespace()
    {
        return;
    }
    let stop = hay.len().min(end + 1024);
    let mut tokens = Tokens { hay, i: end, stop };
    let Some(host) = tokens.next() else { return };
    let mut login = None;
    let mut password_at = None;
    while let Some((s, e)) = tokens.next() {
        match &hay[s..e] {
            b"login" => login = tokens.next(),
            b"password" => password_at = tokens.next(),
            b"account" | b"port" => {
                tokens.next();
            }
            _ => break,
        }
    }
    let Some((ps, pe)) = password_at else { return };
    password(hay, ps, pe, sink);
    if let Some((ls, le)) = login {
        user(hay, ls, le, sink);
    }
    sink.push(
        hay,
        host.0,
        host.1,
        "HOST",
        Category::Account,
        priority::COMMAND,
    );
}
