//! Opening an event log as it comes: gzip-compressed or not, CSV or XES, told apart by the bytes
//! themselves (a `.xes.gz` named `export.dat` still reads), with the CSV's delimiter taken from
//! its header row. Everything streams: memory does not grow with the file.

use super::csv::ColumnMapping;
use super::timestamp::{ClockChanges, DEFAULT_ZONE, TimestampFormat};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Cursor, Read};

/// The two file formats event logs come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum InputFormat {
    Csv,
    Xes,
}

impl InputFormat {
    /// `csv` or `xes`, as `--format-in` and the upload route name them.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "xes" => Ok(Self::Xes),
            other => Err(format!("'{other}' is not csv or xes")),
        }
    }
}

/// How to read an event-log file; every choice left `None` is detected from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// CSV or XES; detected from the content when `None`.
    pub format: Option<InputFormat>,
    /// Which CSV headers hold which fields.
    pub columns: ColumnMapping,
    /// The CSV delimiter; detected from the header row when `None`.
    pub delimiter: Option<u8>,
    /// How timestamps are written; detected from the first row when `None`.
    pub timestamp_format: Option<TimestampFormat>,
    /// The zone offset-less times were written in.
    pub timezone: Tz,
    /// Most bytes of a field qiflow keeps (activity, organisation, resource).
    pub max_field_bytes: usize,
    /// Most bytes read after decompression (a small gzip can hold gigabytes); `None` for no
    /// limit (a user's own file on the command line).
    pub max_input_bytes: Option<u64>,
    /// The organisation of each event that names none, from its resource.
    pub resource_organisations: Option<std::sync::Arc<super::resources::ResourceOrganisations>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            format: None,
            columns: ColumnMapping::default(),
            delimiter: None,
            timestamp_format: None,
            timezone: DEFAULT_ZONE,
            max_field_bytes: super::bounded::MAX_FIELD_BYTES,
            max_input_bytes: None,
            resource_organisations: None,
        }
    }
}

/// Parses a `--delimiter`: one character, or `tab`. O(1).
pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() && t != "\"" && t != "\n" && t != "\r" => {
            Ok(t.as_bytes()[0])
        }
        t => Err(format!(
            "'{t}' is not a delimiter: give one character such as , ; | or tab"
        )),
    }
}

/// What the reader found out about a file and chose: shown to the user and kept with an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reading {
    pub format: InputFormat,
    /// Whether the file was gzip-compressed.
    pub compressed: bool,
    /// The CSV delimiter (`None` for XES).
    #[serde(serialize_with = "as_char", deserialize_with = "from_char")]
    pub delimiter: Option<u8>,
    /// The timestamp format given or detected (`None` when the file held no timestamp).
    pub timestamp_format: Option<String>,
    /// The IANA zone offset-less times were read in.
    pub timezone: String,
    pub clock_changes: ClockChanges,
    /// Events without an organisation that were given their resource's (see
    /// [`super::resources`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub organisations_from_resources: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn as_char<S: serde::Serializer>(d: &Option<u8>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(b) => s.serialize_some(&(*b as char).to_string()),
        None => s.serialize_none(),
    }
}

fn from_char<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    Ok(text.and_then(|t| t.bytes().next()))
}

impl Reading {
    /// One line for people: `CSV (gzip), ';'-separated, timestamps YYYY/MM/DD HH:MM:SS in
    /// Europe/London (2 times in the spring gap moved forward)`.
    pub fn describe(&self) -> String {
        let mut out = match self.format {
            InputFormat::Csv => "CSV".to_string(),
            InputFormat::Xes => "XES".to_string(),
        };
        if self.compressed {
            out.push_str(" (gzip)");
        }
        if let Some(d) = self.delimiter {
            let shown = if d == b'\t' {
                "tab".to_string()
            } else {
                format!("'{}'", d as char)
            };
            out.push_str(&format!(", {shown}-separated"));
        }
        if let Some(f) = &self.timestamp_format {
            out.push_str(&format!(", timestamps {f}"));
        }
        out.push_str(&format!(", times without an offset in {}", self.timezone));
        let ClockChanges {
            moved_forward,
            repeated,
        } = self.clock_changes;
        if moved_forward > 0 {
            out.push_str(&format!(
                "; {moved_forward} local time(s) in the spring gap moved forward by the gap"
            ));
        }
        if repeated > 0 {
            out.push_str(&format!(
                "; {repeated} local time(s) in the repeated autumn hour taken at the first"
            ));
        }
        if self.organisations_from_resources > 0 {
            out.push_str(&format!(
                "; {} event(s) given their resource's organisation",
                self.organisations_from_resources
            ));
        }
        out
    }
}

/// An opened log: the decompressed stream, what it holds and how it was stored.
pub struct Opened<'a> {
    pub input: Box<dyn BufRead + 'a>,
    pub format: InputFormat,
    pub compressed: bool,
}

/// Bytes read to tell the format: enough for a BOM, an XML declaration's start and whitespace.
const SNIFF_BYTES: usize = 512;

/// Up to `n` bytes from the front of `input` (fewer only at its end), and the input with them
/// put back.
fn peek<'a, R: Read + 'a>(mut input: R, n: usize) -> std::io::Result<(Vec<u8>, impl Read + 'a)> {
    let mut front = Vec::with_capacity(n);
    (&mut input).take(n as u64).read_to_end(&mut front)?;
    Ok((front.clone(), Cursor::new(front).chain(input)))
}

/// Opens a log: gzip is recognised by its magic bytes and decompressed as a stream; the format
/// is `forced`, or XES when the first thing after a byte-order mark and whitespace is `<`, and
/// CSV otherwise. `max_bytes` bounds the bytes read after decompression. O(1) before reading.
pub fn open<'a, R: Read + 'a>(
    input: R,
    forced: Option<InputFormat>,
    max_bytes: Option<u64>,
) -> std::io::Result<Opened<'a>> {
    let (magic, raw) = peek(input, 2)?;
    let compressed = magic == [0x1f, 0x8b];
    let plain: Box<dyn Read + 'a> = if compressed {
        // Multi-member: `cat a.gz b.gz` and bgzip files are one stream.
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(raw)))
    } else {
        Box::new(raw)
    };
    let plain: Box<dyn Read + 'a> = match max_bytes {
        Some(limit) => Box::new(Limited {
            inner: plain,
            left: limit,
        }),
        None => plain,
    };
    let (front, plain) = peek(plain, SNIFF_BYTES)?;
    let format = forced.unwrap_or_else(|| {
        let text = front.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(&front);
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => InputFormat::Xes,
            _ => InputFormat::Csv,
        }
    });
    Ok(Opened {
        input: Box::new(BufReader::with_capacity(1 << 20, plain)),
        format,
        compressed,
    })
}

/// A reader that fails once more than its limit has passed.
struct Limited<R> {
    inner: R,
    left: u64,
}

/// The error a [`Limited`] reader gives.
pub const TOO_MUCH: &str = "the file holds more than this server reads from one upload";

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self
            .left
            .checked_sub(n as u64)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, TOO_MUCH))?;
        Ok(n)
    }
}

/// The delimiter of a CSV header row: whichever of `,` `;` tab `|` appears most often outside
/// quotes (`,` when none does, or on a tie with it). O(len).
pub fn detect_delimiter(header: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in header {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
            counts[i] += 1;
        }
    }
    let best = (0..4)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        CANDIDATES[best]
    }
}

/// The header row of a CSV stream (at most `limit` bytes of it) and the stream with it put
/// back, for choosing the delimiter before the CSV reader starts.
pub fn header_line<'a>(
    mut input: Box<dyn BufRead + 'a>,
    limit: u64,
) -> std::io::Result<(Vec<u8>, Box<dyn BufRead + 'a>)> {
    let mut line = Vec::new();
    (&mut input).take(limit).read_until(b'\n', &mut line)?;
    Ok((line.clone(), Box::new(Cursor::new(line).chain(input))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn opened(bytes: &[u8]) -> (InputFormat, bool, String) {
        let mut o = open(bytes, None, None).unwrap();
        let mut text = String::new();
        o.input.read_to_string(&mut text).unwrap();
        (o.format, o.compressed, text)
    }

    #[test]
    fn gzip_and_xes_are_told_from_the_bytes_not_the_name() {
        let xes = "\u{feff}  <?xml version=\"1.0\"?><log/>";
        assert_eq!(
            opened(xes.as_bytes()),
            (InputFormat::Xes, false, xes.into())
        );
        assert_eq!(
            opened(&gzip(xes.as_bytes())),
            (InputFormat::Xes, true, xes.into())
        );
        let csv = "case_id,activity,timestamp\n";
        assert_eq!(
            opened(&gzip(csv.as_bytes())),
            (InputFormat::Csv, true, csv.into())
        );
        assert_eq!(opened(b""), (InputFormat::Csv, false, String::new()));
        assert_eq!(opened(b"c"), (InputFormat::Csv, false, "c".into()));
        // Two gzip members are one stream.
        let mut two = gzip(b"ab");
        two.extend(gzip(b"cd"));
        assert_eq!(opened(&two).2, "abcd");
        // Forced wins.
        let o = open(xes.as_bytes(), Some(InputFormat::Csv), None).unwrap();
        assert_eq!(o.format, InputFormat::Csv);
    }

    #[test]
    fn a_limit_on_decompressed_bytes_stops_a_bomb() {
        let bomb = gzip(&vec![b'a'; 4 << 20]);
        assert!(bomb.len() < 64 << 10);
        let mut o = open(&bomb[..], None, Some(1 << 20)).unwrap();
        let err = std::io::copy(&mut o.input, &mut std::io::sink()).unwrap_err();
        assert!(err.to_string().contains(TOO_MUCH));
        // A corrupt stream is an error, not a hang or a panic.
        let mut broken = gzip(b"case_id,activity\n");
        broken.truncate(12);
        let read = open(&broken[..], None, None)
            .and_then(|mut o| std::io::copy(&mut o.input, &mut std::io::sink()));
        assert!(read.is_err());
    }

    #[test]
    fn the_delimiter_is_the_commonest_candidate_outside_quotes() {
        assert_eq!(detect_delimiter(b"case_id,activity,timestamp\n"), b',');
        assert_eq!(
            detect_delimiter(b"Case ID;Activity;Complete Timestamp\r\n"),
            b';'
        );
        assert_eq!(detect_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter(b"a|b|c"), b'|');
        assert_eq!(detect_delimiter(b"\"a;b\",c,d"), b',');
        assert_eq!(detect_delimiter(b"single"), b',');
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert!(parse_delimiter(";;").is_err());
        assert!(parse_delimiter("\"").is_err());
    }
}
