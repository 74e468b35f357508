//! The installation's pseudonymisation secret: 256 random bits in a file beside the server,
//! created on first start and never stored in the database (so a copy of the database alone
//! cannot link pseudonyms back to patients). Replicas sharing one PostgreSQL must share the file.

use anyhow::Context;
use engine::events::identifiers::Pseudonymiser;
use std::io::Write;
use std::path::Path;

/// Where the key lives unless `--key-file` or `QIFLOW_KEY_FILE` says otherwise.
pub const DEFAULT_KEY_FILE: &str = "qiflow.key";

/// Reads the key file, creating it (owner-only permissions) with a fresh random key if missing.
pub fn load_or_create(path: &Path) -> anyhow::Result<Pseudonymiser> {
    if !path.exists() {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
        let hex = hex::encode(key);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(hex.as_bytes())
                    .and_then(|_| file.write_all(b"\n"))
                    .with_context(|| format!("writing the key file {}", path.display()))?;
                tracing::info!(path = %path.display(), "created the pseudonymisation key file");
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(e).with_context(|| format!("creating the key file {}", path.display()));
            }
        }
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the key file {}", path.display()))?;
    let text = text.trim();
    let bytes = hex::decode(text)
        .ok()
        .filter(|b| !b.is_empty())
        .with_context(|| format!("the key file {} does not hold hex digits", path.display()))?;
    Pseudonymiser::new(&bytes).map_err(|e| anyhow::anyhow!("the key file {}: {e}", path.display()))
}

/// Writes `text` to `path` readable by its owner only, replacing what was there.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let first = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(first.pseudonym("x"), again.pseudonym("x"));
        std::fs::write(&path, "zz").unwrap();
        assert!(load_or_create(&path).is_err());
    }
}
