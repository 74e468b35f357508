//! How an import's file was read and how long each phase took: what a user checks when the
//! waits look an hour out or an import seems slow.

use crate::store::events::ImportPhases;
use async_graphql::Object;
use engine::events::input::{InputFormat, Reading};

/// How a file was read.
pub struct ImportReadingView(pub Reading);

/// How a file was read: its format, compression, delimiter, timestamp format and time zone,
/// each detected or given.
#[Object(name = "ImportReading")]
impl ImportReadingView {
    /// CSV or XES.
    async fn format(&self) -> &str {
        match self.0.format {
            InputFormat::Csv => "CSV",
            InputFormat::Xes => "XES",
        }
    }
    /// Whether the file was gzip-compressed.
    async fn compressed(&self) -> bool {
        self.0.compressed
    }
    /// The CSV delimiter (`\t` for tab); null for XES.
    async fn delimiter(&self) -> Option<String> {
        self.0.delimiter.map(|d| (d as char).to_string())
    }
    /// The timestamp format given or detected from the first row (`YYYY/MM/DD HH:MM:SS`,
    /// `DD/MM/YYYY HH:MM:SS`, `ISO 8601` or the user's pattern).
    async fn timestamp_format(&self) -> Option<&str> {
        self.0.timestamp_format.as_deref()
    }
    /// The IANA time zone timestamps without an offset were read in.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// Local times that fell in the spring gap (they never happened), moved forward by the gap.
    async fn moved_forward(&self) -> u64 {
        self.0.clock_changes.moved_forward
    }
    /// Local times in the autumn hour that happens twice, taken at the first.
    async fn repeated(&self) -> u64 {
        self.0.clock_changes.repeated
    }
    /// Events without an organisation that were given their resource's (the upload's
    /// `resourceOrganisations` table).
    async fn organisations_from_resources(&self) -> u64 {
        self.0.organisations_from_resources
    }
    /// All of the above in one sentence.
    async fn description(&self) -> String {
        self.0.describe()
    }
}

/// How long each phase of an import took.
pub struct ImportPhasesView(pub ImportPhases);

/// How long each phase of an import took.
#[Object(name = "ImportPhases")]
impl ImportPhasesView {
    /// Reading and checking every row, pseudonymising case ids.
    async fn read_seconds(&self) -> f64 {
        self.0.read_ms as f64 / 1000.0
    }
    /// Writing the events to the database.
    async fn write_seconds(&self) -> f64 {
        self.0.write_ms as f64 / 1000.0
    }
    /// Counting the log again and recomputing the measures computed from it.
    async fn recompute_seconds(&self) -> f64 {
        self.0.recompute_ms as f64 / 1000.0
    }
}
