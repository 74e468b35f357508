//! Keeping patient identifiers out: case ids are replaced by a keyed hash before anything is
//! stored, and any other field that holds an NHS number stops the import.
//!
//! The screen is written by hand: no maintained crate finds NHS numbers inside free text in the
//! spellings people use (the `nhs-number` crate validates a whole field only).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Whether `text` holds an NHS number anywhere: ten digits alone (`NHS:9434765919`, `Review
/// for NHS 4010232137`) or in the printed 3-3-4 groups joined by one or two spaces, dashes, dots,
/// slashes or brackets (`943 476 5919`, `943.476.5919`, `(943) 476 5919`), whose last digit is
/// the Modulus 11 check digit of the first nine. Fullwidth and other Unicode decimal digits count
/// as digits, and invisible characters (zero-width spaces and joiners, soft hyphens) are ignored,
/// so neither hides a number. Dates, times and telephone numbers do not match these groupings.
///
/// One pass with constant memory: O(len).
pub fn contains_nhs_number(text: &str) -> bool {
    // Most fields are far too short to hold ten digits, or (all ASCII, so no other script's
    // digits) hold fewer than ten: one fast pass over the bytes rules them out.
    if text.len() < 10 || (text.is_ascii() && text.bytes().filter(u8::is_ascii_digit).count() < 10)
    {
        return false;
    }
    let mut scan = GroupScan::default();
    for c in text.chars() {
        if is_invisible(c) {
            continue;
        }
        if let Some(d) = digit_of(c) {
            scan.digit(d);
        } else if is_group_separator(c) {
            if scan.end_group() {
                return true;
            }
            scan.separators += 1;
        } else {
            if scan.end_group() {
                return true;
            }
            scan.history.clear();
        }
    }
    scan.end_group()
}

/// The digit groups seen so far: only the last three matter (the 3-3-4 layout).
#[derive(Default)]
struct GroupScan {
    /// The group being read: its digits so far (capped: only up to ten matter) and its length.
    value: u64,
    len: usize,
    /// Separator characters since the last group ended.
    separators: usize,
    history: GroupHistory,
}

/// The last three groups, each with whether it was joined to the one before it by one or two
/// separators.
#[derive(Default)]
struct GroupHistory {
    groups: [(u64, usize, bool); 3],
    count: usize,
}

impl GroupHistory {
    fn clear(&mut self) {
        self.count = 0;
    }

    fn push(&mut self, group: (u64, usize, bool)) {
        self.groups.rotate_left(1);
        self.groups[2] = group;
        self.count = (self.count + 1).min(3);
    }

    /// Whether the last three groups are 3, 3 and 4 digits, joined.
    fn printed_layout(&self) -> Option<u64> {
        if self.count < 3 {
            return None;
        }
        match self.groups {
            [(a, 3, _), (b, 3, true), (c, 4, true)] => Some(a * 10_000_000 + b * 10_000 + c),
            _ => None,
        }
    }
}

impl GroupScan {
    fn digit(&mut self, d: u32) {
        if self.len < 10 {
            self.value = self.value * 10 + u64::from(d);
        }
        self.len += 1;
    }

    /// Closes the group being read, if any; true when it completes an NHS number.
    fn end_group(&mut self) -> bool {
        if self.len == 0 {
            return false;
        }
        let joined = self.history.count > 0 && (1..=2).contains(&self.separators);
        let group = (self.value, self.len, joined);
        self.value = 0;
        self.len = 0;
        self.separators = 0;
        if group.1 == 10 && check_digit_holds(group.0) {
            return true;
        }
        self.history.push(group);
        self.history.printed_layout().is_some_and(check_digit_holds)
    }
}

/// The Modulus 11 check of a ten-digit number: weights 10 down to 2 on the first nine digits;
/// the check value 11 − (sum mod 11) is the tenth digit (11 means 0; 10 is never issued).
fn check_digit_holds(number: u64) -> bool {
    let mut digits = [0u64; 10];
    let mut rest = number;
    for d in digits.iter_mut().rev() {
        *d = rest % 10;
        rest /= 10;
    }
    let sum: u64 = digits[..9]
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u64))
        .sum();
    match 11 - sum % 11 {
        11 => digits[9] == 0,
        10 => false,
        c => digits[9] == c,
    }
}

/// The value of a decimal digit: ASCII, fullwidth, Arabic-Indic, Devanagari and mathematical.
fn digit_of(c: char) -> Option<u32> {
    let zero = match c {
        '0'..='9' => '0',
        '\u{ff10}'..='\u{ff19}' => '\u{ff10}',
        '\u{0660}'..='\u{0669}' => '\u{0660}',
        '\u{06f0}'..='\u{06f9}' => '\u{06f0}',
        '\u{0966}'..='\u{096f}' => '\u{0966}',
        '\u{1d7ce}'..='\u{1d7ff}' => return Some((c as u32 - 0x1d7ce) % 10),
        _ => return None,
    };
    Some(c as u32 - zero as u32)
}

/// Characters that render as nothing, which a number can hide behind.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{00ad}' | '\u{180e}'
    )
}

/// Characters people print between the groups of an NHS number.
fn is_group_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '-'
            | '.'
            | '/'
            | '('
            | ')'
            | '\u{a0}'
            | '\u{202f}'
            | '\u{2007}'
            | '\u{2009}'
            | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{3000}'
    )
}

/// Counts, per column, the rows whose value is an NHS number; the values themselves are
/// never kept.
#[derive(Debug, Default, Clone)]
pub struct IdentifierScreen {
    counts: Vec<(String, u64)>,
    /// Where each column is in `counts`, so a row of many columns stays linear.
    index: rustc_hash::FxHashMap<String, usize>,
}

impl IdentifierScreen {
    /// Checks one value of `column`. O(len) expected.
    pub fn check(&mut self, column: &str, value: &str) {
        if !contains_nhs_number(value) {
            return;
        }
        match self.index.get(column) {
            Some(&i) => self.counts[i].1 += 1,
            None => {
                self.index.insert(column.to_string(), self.counts.len());
                self.counts.push((column.to_string(), 1));
            }
        }
    }

    /// Columns holding NHS numbers with how many rows do, in order of first finding.
    pub fn findings(&self) -> &[(String, u64)] {
        &self.counts
    }

    pub fn is_clean(&self) -> bool {
        self.counts.is_empty()
    }

    /// The message an import is refused with: column and count, never a value.
    pub fn refusal(&self) -> Option<String> {
        if self.is_clean() {
            return None;
        }
        let parts: Vec<String> = self
            .counts
            .iter()
            .map(|(c, n)| format!("{n} row(s) in column '{c}'"))
            .collect();
        Some(format!(
            "refused: NHS numbers found in {}; patient identifiers may only appear in the case id, which qiflow pseudonymises",
            parts.join(", ")
        ))
    }
}

/// Replaces case ids by HMAC-SHA256 under the installation's secret key, so the same patient
/// gets the same pseudonym in every log of the installation and nobody without the key can
/// recover or confirm the id.
#[derive(Clone)]
pub struct Pseudonymiser {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(<key hidden>)")
    }
}

/// Shortest secret key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

impl Pseudonymiser {
    /// A pseudonymiser for `key`, which must hold at least [`MIN_KEY_BYTES`] bytes.
    pub fn new(key: &[u8]) -> Result<Self, String> {
        if key.len() < MIN_KEY_BYTES {
            return Err(format!(
                "the pseudonymisation key must be at least {MIN_KEY_BYTES} bytes"
            ));
        }
        let mac = Hmac::<Sha256>::new_from_slice(key).map_err(|e| e.to_string())?;
        Ok(Self { mac })
    }

    /// The pseudonym of `case_id`: the first 128 bits of its HMAC as 32 hex digits. O(len).
    pub fn pseudonym(&self, case_id: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(case_id.trim().as_bytes());
        let digest = mac.finalize().into_bytes();
        hex::encode(&digest[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nhs_numbers_need_the_modulus_11_check_digit() {
        let is_nhs_number = contains_nhs_number;
        // 943 476 5919: 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299; 299 % 11 = 2; 11-2 = 9.
        assert!(is_nhs_number("9434765919"));
        assert!(is_nhs_number("943 476 5919"));
        assert!(is_nhs_number("943-476-5919"));
        assert!(!is_nhs_number("9434765918"), "wrong check digit");
        assert!(!is_nhs_number("94347659190"), "11 digits");
        assert!(
            !is_nhs_number("94 34765919"),
            "separator in the wrong place"
        );
        assert!(!is_nhs_number("9434 765 919"), "groups in the wrong layout");
        assert!(!is_nhs_number("HF0000001"));
        // 401 023 2137: sum = 4*10+0+1*8+0+2*6+3*5+2*4+1*3+3*2 = 92; 92 % 11 = 4; 11-4 = 7.
        assert!(is_nhs_number("4010232137"));
        // 000 000 000x: sum 0, check value 11, so the check digit is 0.
        assert!(is_nhs_number("0000000000"));
        // 100 000 001x: sum 1*10 + 1*2 = 12, 12 % 11 = 1, check value 10: never valid.
        assert!(!is_nhs_number("1000000010"));
        assert!(!is_nhs_number("1000000011"));
    }

    /// Issue 12: each of these reached the database (20 of 20 spellings were stored).
    #[test]
    fn the_screen_finds_nhs_numbers_inside_text_and_in_common_spellings() {
        let found = [
            "Review for NHS 4010232137",
            "pt 943 476 5919",
            "943.476.5919",
            "(943) 476 5919",
            "NHS:9434765919",
            "nhs no. 943-476-5919 seen",
            "\u{ff19}\u{ff14}\u{ff13}\u{ff14}\u{ff17}\u{ff16}\u{ff15}\u{ff19}\u{ff11}\u{ff19}",
            "9\u{200b}4\u{200b}3\u{200b}4\u{200b}7\u{200b}6\u{200b}5\u{200b}9\u{200b}1\u{200b}9",
            "943\u{a0}476\u{a0}5919",
            "943\u{2013}476\u{2013}5919",
            "9434765919",
            "a,4010232137;b",
        ];
        for text in found {
            let mut screen = IdentifierScreen::default();
            screen.check("note", text);
            assert!(!screen.is_clean(), "not found in {text:?}");
        }
        let not_found = [
            "2024-01-01 12:00:00",
            "2024-01-01T12:00:00.000+01:00",
            "020 7946 0958",
            "01632 960 001",
            "9434765918",
            "94347659190",
            "Ward 9, bed 434765919",
            "HF0000001",
            "CT head 943 476 5918",
        ];
        for text in not_found {
            let mut screen = IdentifierScreen::default();
            screen.check("note", text);
            assert!(screen.is_clean(), "wrongly found in {text:?}");
        }
    }

    /// One row of 100,000 columns, each holding an NHS number, took 28.8 s (a search of the
    /// columns found so far for every finding). Counted, not timed: the screen's findings are
    /// one entry per column, and the check is linear in the text.
    #[test]
    fn the_screen_is_linear_in_the_row() {
        let mut screen = IdentifierScreen::default();
        for i in 0..100_000 {
            screen.check(&format!("c{i}"), "9434765919");
        }
        assert_eq!(screen.findings().len(), 100_000);
        assert_eq!(screen.findings()[99_999], ("c99999".to_string(), 1));
        let long = "1 ".repeat(1_000_000);
        assert!(!contains_nhs_number(&long));
    }

    #[test]
    fn the_screen_counts_rows_per_column_without_values() {
        let mut s = IdentifierScreen::default();
        s.check("resource", "9434765919");
        s.check("resource", "4010232137");
        s.check("organisation", "RX8");
        let msg = s.refusal().unwrap();
        assert!(msg.contains("2 row(s) in column 'resource'"), "{msg}");
        assert!(!msg.contains("9434765919"));
    }

    #[test]
    fn pseudonyms_are_stable_keyed_and_hide_the_id() {
        let a = Pseudonymiser::new(&[7u8; 32]).unwrap();
        let b = Pseudonymiser::new(&[8u8; 32]).unwrap();
        let p = a.pseudonym("9434765919");
        assert_eq!(p, a.pseudonym("9434765919"));
        assert_ne!(p, b.pseudonym("9434765919"));
        assert_ne!(p, a.pseudonym("9434765910"));
        assert_eq!(p.len(), 32);
        assert!(!p.contains("9434765919"));
        assert!(Pseudonymiser::new(b"short").is_err());
    }
}
