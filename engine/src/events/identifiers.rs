//! Keeping patient identifiers out: case ids are replaced by a keyed hash before anything is
//! stored, and any other field that holds an NHS number stops the import.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Whether `text` is a valid NHS number: 10 digits (spaces or dashes allowed between the
/// 3-3-4 groups, as printed on letters) whose last digit is the Modulus 11 check digit of the
/// first nine. O(len).
pub fn is_nhs_number(text: &str) -> bool {
    // Most fields are far too short: answer before trimming.
    if text.len() < 10 {
        return false;
    }
    let bytes = text.trim().as_bytes();
    if bytes.len() < 10 || bytes.len() > 12 {
        return false;
    }
    let mut digits = [0u32; 10];
    let mut n = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' if n < 10 => {
                digits[n] = (b - b'0') as u32;
                n += 1;
            }
            // Separators only where the groups meet: after the 3rd and 6th digit.
            b' ' | b'-' if (n == 3 || n == 6) && i > 0 && bytes[i - 1].is_ascii_digit() => {}
            _ => return false,
        }
    }
    if n != 10 {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    let check = 11 - sum % 11;
    match check {
        11 => digits[9] == 0,
        10 => false, // no NHS number has a check value of 10
        c => digits[9] == c,
    }
}

/// Counts, per column, the rows whose value is an NHS number; the values themselves are
/// never kept.
#[derive(Debug, Default, Clone)]
pub struct IdentifierScreen {
    counts: Vec<(String, u64)>,
}

impl IdentifierScreen {
    /// Checks one value of `column`. O(len).
    pub fn check(&mut self, column: &str, value: &str) {
        if !is_nhs_number(value) {
            return;
        }
        match self.counts.iter_mut().find(|(c, _)| c == column) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((column.to_string(), 1)),
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
        assert!(!is_nhs_number("HF0000001"));
        // 401 023 2137: sum = 4*10+0+1*8+0+2*6+3*5+2*4+1*3+3*2 = 92; 92 % 11 = 4; 11-4 = 7.
        assert!(is_nhs_number("4010232137"));
        // 000 000 000x: sum 0, check value 11, so the check digit is 0.
        assert!(is_nhs_number("0000000000"));
        // 100 000 001x: sum 1*10 + 1*2 = 12, 12 % 11 = 1, check value 10: never valid.
        assert!(!is_nhs_number("1000000010"));
        assert!(!is_nhs_number("1000000011"));
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
