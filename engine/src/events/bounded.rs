//! Input that may not run on without a break: a reader that fails once too many bytes pass
//! without a reset, so one enormous field (a 500 MiB "activity") cannot be buffered whole by the
//! CSV or XML reader above it. Written by hand: neither the `csv` crate nor `quick-xml` bounds
//! the size of a record or an element.

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::rc::Rc;

/// Most bytes of one row (CSV) or one element or text run (XES).
pub const MAX_ROW_BYTES: u64 = 1 << 20;

/// Most bytes of a field qiflow keeps (activity, organisation, resource) unless told otherwise
/// (`--max-field-bytes`): longer is a column mapped wrongly or a hostile file.
pub const MAX_FIELD_BYTES: usize = 4 * 1024;

/// The error a [`Bounded`] reader gives, recognisable by its message.
pub const TOO_LONG: &str = "more than 1 MiB without a break";

/// Counts bytes since the last reset: by the reader's user (after each CSV record) through the
/// shared counter, or by the reader itself at each `delimiter` byte (`<` for XML).
pub struct Bounded<R> {
    inner: R,
    since_reset: Rc<Cell<u64>>,
    delimiter: Option<u8>,
}

impl<R> Bounded<R> {
    /// A reader that resets at `delimiter`, or only through [`Bounded::counter`] when `None`.
    pub fn new(inner: R, delimiter: Option<u8>) -> Self {
        Self {
            inner,
            since_reset: Rc::new(Cell::new(0)),
            delimiter,
        }
    }

    /// The shared count of bytes since the last reset; set it to 0 to reset.
    pub fn counter(&self) -> Rc<Cell<u64>> {
        self.since_reset.clone()
    }

    fn over(&self) -> std::io::Result<()> {
        if self.since_reset.get() > MAX_ROW_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                TOO_LONG,
            ));
        }
        Ok(())
    }
}

/// Counts `bytes` into `since_reset`, resetting after the last delimiter among them.
fn count(since_reset: &Cell<u64>, delimiter: Option<u8>, bytes: &[u8]) {
    let after = match delimiter.and_then(|d| bytes.iter().rposition(|&b| b == d)) {
        Some(at) => {
            since_reset.set(0);
            bytes.len() - at - 1
        }
        None => bytes.len(),
    };
    since_reset.set(since_reset.get().saturating_add(after as u64));
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.over()?;
        let n = self.inner.read(buf)?;
        count(&self.since_reset, self.delimiter, &buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.over()?;
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The bytes being consumed are the front of the buffer `fill_buf` returned; asking for
        // it again does no I/O.
        if let Ok(buffer) = self.inner.fill_buf() {
            let taken = amt.min(buffer.len());
            count(&self.since_reset, self.delimiter, &buffer[..taken]);
        }
        self.inner.consume(amt);
    }
}

/// Checks a field qiflow keeps: no NUL character (no database stores one in text) and at most
/// `max_bytes`. The message never quotes the value. O(len).
pub fn check_kept_field(text: &str, max_bytes: usize) -> Result<(), String> {
    if text.len() > max_bytes {
        return Err(format!(
            "is {} bytes long; at most {max_bytes} are kept (is the column mapped right?)",
            text.len()
        ));
    }
    if text.contains('\0') {
        return Err("holds a NUL character, which cannot be stored".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_without_a_break_fails_and_resets_let_it_go_on() {
        let long = vec![b'a'; (MAX_ROW_BYTES + 10) as usize];
        let mut out = Vec::new();
        let err = Bounded::new(&long[..], Some(b'<'))
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(err.to_string().contains(TOO_LONG));
        let mut broken = long.clone();
        broken[MAX_ROW_BYTES as usize / 2] = b'<';
        let mut reader = Bounded::new(std::io::BufReader::new(&broken[..]), Some(b'<'));
        let mut lines = Vec::new();
        assert!(reader.read_until(b'\n', &mut lines).is_ok());
        assert!(check_kept_field(&"x".repeat(MAX_FIELD_BYTES + 1), MAX_FIELD_BYTES).is_err());
        assert!(check_kept_field("Triage", 5).is_err());
        assert!(check_kept_field("a\0b", MAX_FIELD_BYTES).is_err());
        assert!(check_kept_field("Triage", MAX_FIELD_BYTES).is_ok());
    }
}
