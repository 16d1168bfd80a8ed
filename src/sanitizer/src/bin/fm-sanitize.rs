//! `fm-sanitize`: the extension's sanitizer as a filter for logs and CI
//! pipelines. Reads standard input, writes the sanitized text to standard
//! output, and optionally a report to standard error.
//!
//! Input is read in chunks of about 1 MiB cut at line ends, so memory
//! stays flat however large the input; placeholders stay consistent across
//! chunks. Bytes that are not UTF-8 are written as U+FFFD.

use std::borrow::Cow;
use std::io::{self, BufWriter, ErrorKind, Read, Write};
use std::process::ExitCode;

use fm_sanitizer::{
    Category, CategoryCount, CustomPattern, Options, Redaction, Report,
    Sanitized, Sanitizer,
};
use serde::Serialize;

const USAGE: &str = "\
Usage: fm-sanitize [OPTIONS] < input > output

Removes secrets and personal data from text: every sensitive value becomes
a typed placeholder such as [PASSWORD_1] or [EMAIL_2].

Options:
  --report json|summary   Write a report to standard error
  --allow VALUE           Keep VALUE wherever it appears (repeatable)
  --disable CATEGORY      Do not redact CATEGORY (repeatable)
  --pattern NAME=REGEX    Also redact REGEX as [NAME_n] (repeatable)
  --keep-private-ips      Keep private, loopback and link-local addresses
  --list-rules            List the built-in rules and exit
  -h, --help              Show this help
  -V, --version           Show the version

Categories: credential, account, email, phone, payment-card, iban,
national-id, ip-address, mac-address, cloud-resource, custom
";

/// Chunk size: big enough to amortise per-chunk work, small enough that
/// memory stays flat.
const CHUNK: usize = 1 << 20;

#[derive(Clone, Copy, PartialEq)]
enum ReportFormat {
    None,
    Json,
    Summary,
}

struct Args {
    options: Options,
    report: ReportFormat,
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => return ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("fm-sanitize: {message}\nTry 'fm-sanitize --help'.");
            return ExitCode::from(2);
        }
    };
    let sanitizer = match Sanitizer::new(args.options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("fm-sanitize: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&sanitizer, args.report) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fm-sanitize: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(
    mut args: impl Iterator<Item = String>,
) -> Result<Option<Args>, String> {
    let mut options = Options::default();
    let mut report = ReportFormat::None;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next().ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(None);
            }
            "-V" | "--version" => {
                println!("fm-sanitize {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            "--list-rules" => {
                for rule in fm_sanitizer::rules() {
                    println!(
                        "{:<34} {:<15} [{}]  {}",
                        rule.id,
                        rule.category.as_str(),
                        rule.placeholder,
                        rule.name
                    );
                }
                return Ok(None);
            }
            "--report" => {
                report = match value("--report")?.as_str() {
                    "json" => ReportFormat::Json,
                    "summary" => ReportFormat::Summary,
                    other => {
                        return Err(format!(
                            "unknown report format {other:?}: use json or \
                             summary"
                        ));
                    }
                }
            }
            "--allow" => options.allow.push(value("--allow")?),
            "--disable" => {
                let name = value("--disable")?;
                let category = Category::parse(&name).ok_or_else(|| {
                    format!("unknown category {name:?}; see --help")
                })?;
                options.disabled.push(category);
            }
            "--pattern" => {
                let spec = value("--pattern")?;
                let (name, pattern) =
                    spec.split_once('=').ok_or_else(|| {
                        format!("--pattern takes NAME=REGEX, got {spec:?}")
                    })?;
                options.custom.push(CustomPattern {
                    name: name.into(),
                    pattern: pattern.into(),
                });
            }
            "--keep-private-ips" => options.keep_private_ips = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(Args { options, report }))
}

fn run(sanitizer: &Sanitizer, format: ReportFormat) -> io::Result<()> {
    let mut input = io::stdin().lock();
    let mut output = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut session = sanitizer.session();
    let mut total = Total::default();

    let mut buffer: Vec<u8> = Vec::with_capacity(CHUNK * 2);
    let mut eof = false;
    while !eof || !buffer.is_empty() {
        while !eof && buffer.len() < CHUNK {
            let start = buffer.len();
            buffer.resize(start + CHUNK, 0);
            let n = loop {
                match input.read(&mut buffer[start..]) {
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    other => break other?,
                }
            };
            buffer.truncate(start + n);
            eof = n == 0;
        }
        let cut = if eof { buffer.len() } else { chunk_end(&buffer) };
        let chunk = match std::str::from_utf8(&buffer[..cut]) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&buffer[..cut]),
        };
        let sanitized = session.sanitize(&chunk);
        output.write_all(sanitized.text.as_bytes())?;
        if format != ReportFormat::None {
            total.add(&sanitized);
        }
        buffer.drain(..cut);
    }
    output.flush()?;

    match format {
        ReportFormat::None => {}
        ReportFormat::Summary => eprintln!("{}", total.summary()),
        ReportFormat::Json => {
            let json =
                serde_json::to_string(&total).map_err(io::Error::other)?;
            eprintln!("{json}");
        }
    }
    Ok(())
}

/// Where to end a chunk: after the last line break, but before a private
/// key block whose end marker is not in the chunk yet, so the block is
/// sanitized whole. A chunk without a line break ends after its last
/// blank, so that no value is cut in two, or failing that after its last
/// whole character.
fn chunk_end(buffer: &[u8]) -> usize {
    let Some(last_newline) = memchr::memrchr(b'\n', buffer) else {
        if let Some(blank) =
            buffer.iter().rposition(|&b| matches!(b, b' ' | b'\t'))
        {
            return blank + 1;
        }
        // End before the last character if it began in the last 3 bytes:
        // it may be incomplete, and it is read again with the next chunk.
        let len = buffer.len();
        for back in 1..=len.min(3) {
            let b = buffer[len - back];
            if (b as i8) >= -64 {
                return if b >= 0xC0 { len - back } else { len };
            }
        }
        return len;
    };
    let mut cut = last_newline + 1;
    let head = &buffer[..cut];
    let last_begin = memchr::memmem::find_iter(head, b"-----BEGIN ").last();
    if let Some(begin) = last_begin
        && memchr::memmem::find(&head[begin..], b"-----END").is_none()
    {
        let line_start =
            memchr::memrchr(b'\n', &head[..begin]).map_or(0, |i| i + 1);
        if line_start > 0 {
            cut = line_start;
        }
    }
    cut
}

/// The report of the whole input, chunk by chunk; as JSON, a [`Report`]
/// whose redactions also name their placeholder.
#[derive(Default, Serialize)]
struct Total {
    redactions: Vec<Named>,
    counts: Vec<CategoryCount>,
}

#[derive(Serialize)]
struct Named {
    placeholder: String,
    #[serde(flatten)]
    redaction: Redaction,
}

impl Total {
    fn add(&mut self, chunk: &Sanitized) {
        self.redactions.extend(chunk.report.redactions.iter().map(|r| {
            Named {
                placeholder: chunk.placeholder(r).to_owned(),
                redaction: *r,
            }
        }));
        for &count in &chunk.report.counts {
            match self.counts.iter_mut().find(|c| c.category == count.category)
            {
                Some(c) => {
                    c.values += count.values;
                    c.occurrences += count.occurrences;
                }
                None => self.counts.push(count),
            }
        }
        self.counts.sort_by_key(|c| c.category);
    }

    fn summary(&self) -> String {
        Report::summary_of(&self.counts)
    }
}
