//! How `mine`, `import-events` and `compare` read an event-log file: the same options, each
//! left to detection unless given.

use clap::Args;
use engine::events::csv::ColumnMapping;
use engine::events::input::{InputFormat, ReadOptions, parse_delimiter};
use engine::events::resources::{self, ResourceOrganisations};
use engine::events::timestamp::{TimestampFormat, parse_zone};

/// Reading an event-log file: gzip, the format, the CSV delimiter and the timestamps' format
/// are detected from the file itself; give them only to overrule detection.
#[derive(Args, Clone, Debug)]
pub struct ReadArgs {
    /// Other header names for CSV columns, as field=header pairs:
    /// `case_id=Case ID,timestamp=Complete Timestamp`.
    #[arg(long, default_value = "")]
    pub columns: String,
    /// `csv` or `xes`; detected from the content when left out (XES by its XML root).
    #[arg(long, value_parser = InputFormat::parse)]
    pub format_in: Option<InputFormat>,
    /// Read the file as XES (the same as --format-in xes).
    #[arg(long, conflicts_with = "format_in")]
    pub xes: bool,
    /// The CSV delimiter: one character, or `tab`; detected from the header row (`,` `;` tab
    /// `|`) when left out.
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// How timestamps are written: `iso`, `YYYY/MM/DD`, `DD/MM/YYYY` or a strftime pattern
    /// (`%m/%d/%Y %H:%M` for the US order); detected from the first row when left out.
    #[arg(long, value_parser = TimestampFormat::parse)]
    pub timestamp_format: Option<TimestampFormat>,
    /// The time zone timestamps without an offset were written in: an IANA name such as
    /// Europe/London, Europe/Amsterdam or UTC (pm4py reads them as UTC).
    #[arg(long, default_value = "Europe/London", value_parser = parse_zone)]
    pub timezone: engine::events::timestamp::Tz,
    /// A table (CSV with the header `resource,organisation`) giving the organisation each
    /// resource works for: an event without an organisation gets its resource's, so steps that
    /// share an activity code in two organisations are told apart.
    #[arg(long, value_name = "FILE")]
    pub resource_organisations: Option<std::path::PathBuf>,
}

impl ReadArgs {
    /// The reading options these arguments give, keeping fields of at most `max_field_bytes`.
    pub fn options(&self, max_field_bytes: usize) -> anyhow::Result<ReadOptions> {
        let columns =
            ColumnMapping::parse(&self.columns).map_err(|e| anyhow::anyhow!("--columns: {e}"))?;
        Ok(ReadOptions {
            format: if self.xes {
                Some(InputFormat::Xes)
            } else {
                self.format_in
            },
            columns,
            delimiter: self.delimiter,
            timestamp_format: self.timestamp_format.clone(),
            timezone: self.timezone,
            max_field_bytes,
            max_input_bytes: None,
            resource_organisations: self
                .resource_organisations
                .as_deref()
                .map(resource_table)
                .transpose()?
                .map(std::sync::Arc::new),
        })
    }
}

/// Reads `--resource-organisations FILE`, naming the file and every bad row.
fn resource_table(path: &std::path::Path) -> anyhow::Result<ResourceOrganisations> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("--resource-organisations {}: {e}", path.display()))?;
    let mut text = String::new();
    file.take(resources::MAX_TABLE_BYTES as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|e| anyhow::anyhow!("--resource-organisations {}: {e}", path.display()))?;
    ResourceOrganisations::parse(&text).map_err(|errors| {
        let rows: Vec<String> = errors
            .iter()
            .map(|e| match (e.row, e.column.as_str()) {
                (0, _) => e.message.clone(),
                (row, "") => format!("row {row}: {}", e.message),
                (row, column) => format!("row {row}, {column}: {}", e.message),
            })
            .collect();
        anyhow::anyhow!(
            "--resource-organisations {}: {}",
            path.display(),
            rows.join("; ")
        )
    })
}
