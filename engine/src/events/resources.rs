//! Which organisation each resource works for. Exports from hospital systems often name who did
//! an event (a clinician, a team, a ward) but not the organisation; when two steps of a map share
//! an activity code (the same assessment in two organisations), the organisation is what tells
//! them apart. A two-column table (`resource,organisation`) gives each event without an
//! organisation the one its resource belongs to, as the log is read: conformance, calibration
//! and log measures then match steps the same way.

use super::RowError;
use rustc_hash::FxHashMap;

/// Most rows a resource table may hold.
pub const MAX_RESOURCES: usize = 10_000;

/// Most bytes of a resource table.
pub const MAX_TABLE_BYTES: usize = 1024 * 1024;

/// Resource name → organisation (as events name organisations: an ODS code or a name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceOrganisations {
    by_resource: FxHashMap<Box<str>, Box<str>>,
}

impl ResourceOrganisations {
    /// Reads a table with the header `resource,organisation` (`,` `;` or tab between them; names
    /// trimmed). A missing column, an empty name, a resource given two organisations, more than
    /// [`MAX_RESOURCES`] rows or [`MAX_TABLE_BYTES`] bytes are errors naming the row (the header
    /// is row 1); nothing is returned unless every row is good. O(bytes).
    pub fn parse(text: &str) -> Result<Self, Vec<RowError>> {
        let error = |row: u64, column: &str, message: String| RowError {
            row,
            column: column.to_string(),
            message,
        };
        if text.len() > MAX_TABLE_BYTES {
            return Err(vec![error(
                0,
                "",
                format!("a resource table is limited to {MAX_TABLE_BYTES} bytes"),
            )]);
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let header = text.lines().next().unwrap_or("");
        let delimiter = super::input::detect_delimiter(header.as_bytes());
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
            Err(e) => {
                return Err(vec![error(
                    1,
                    "",
                    format!("the header cannot be read: {e}"),
                )]);
            }
        };
        let column = |name: &str| headers.iter().position(|h| h == name);
        let (Some(resource_at), Some(organisation_at)) =
            (column("resource"), column("organisation"))
        else {
            return Err(vec![error(
                1,
                "",
                "the header must name the columns resource and organisation".into(),
            )]);
        };
        let mut table = Self::default();
        let mut errors = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let row = i as u64 + 2;
            if table.by_resource.len() >= MAX_RESOURCES {
                errors.push(error(
                    row,
                    "",
                    format!("a resource table holds at most {MAX_RESOURCES} rows"),
                ));
                break;
            }
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    errors.push(error(row, "", format!("the row cannot be read: {e}")));
                    continue;
                }
            };
            let field = |at: usize| record.get(at).map(str::trim).unwrap_or("");
            let (resource, organisation) = (field(resource_at), field(organisation_at));
            if resource.is_empty() && organisation.is_empty() {
                continue;
            }
            let name_error = |column: &str, value: &str| {
                if value.is_empty() {
                    Some(error(row, column, format!("the {column} is empty")))
                } else if value.len() > super::bounded::MAX_FIELD_BYTES {
                    Some(error(
                        row,
                        column,
                        format!(
                            "the {column} is longer than {} bytes",
                            super::bounded::MAX_FIELD_BYTES
                        ),
                    ))
                } else {
                    None
                }
            };
            let problems: Vec<RowError> = [
                name_error("resource", resource),
                name_error("organisation", organisation),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !problems.is_empty() {
                errors.extend(problems);
                continue;
            }
            match table.by_resource.get(resource) {
                Some(earlier) if &**earlier != organisation => errors.push(error(
                    row,
                    "organisation",
                    format!(
                        "resource '{resource}' is already given organisation '{earlier}' in an earlier row"
                    ),
                )),
                Some(_) => {}
                None => {
                    table.by_resource.insert(resource.into(), organisation.into());
                }
            }
        }
        if errors.is_empty() {
            Ok(table)
        } else {
            Err(errors)
        }
    }

    /// The organisation `resource` works for, if the table says. O(len) expected.
    pub fn organisation_of(&self, resource: &str) -> Option<&str> {
        self.by_resource.get(resource.trim()).map(|o| &**o)
    }

    /// How many resources the table names. O(1).
    pub fn len(&self) -> usize {
        self.by_resource.len()
    }

    /// Whether the table names no resource. O(1).
    pub fn is_empty(&self) -> bool {
        self.by_resource.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_gives_each_resource_its_organisation() {
        let t = ResourceOrganisations::parse(
            "\u{feff}Resource;Organisation\nDr Patel;RX8\n Stroke nurse ; RA7 \n\nDr Patel;RX8\n",
        )
        .expect("reads");
        assert_eq!(t.len(), 2);
        assert_eq!(t.organisation_of("Dr Patel"), Some("RX8"));
        assert_eq!(t.organisation_of("Stroke nurse"), Some("RA7"));
        assert_eq!(t.organisation_of("Porter"), None);
    }

    #[test]
    fn bad_rows_are_named_and_nothing_is_kept() {
        let errors = ResourceOrganisations::parse(
            "resource,organisation\nDr Patel,RX8\nDr Patel,RA7\n,RX8\nWard 3,\n",
        )
        .expect_err("refused");
        let named: Vec<(u64, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            named,
            [(3, "organisation"), (4, "resource"), (5, "organisation")]
        );
        let missing = ResourceOrganisations::parse("resource,site\nA,B\n").expect_err("refused");
        assert_eq!(missing[0].row, 1);
        assert!(missing[0].message.contains("organisation"));
    }

    #[test]
    fn a_table_is_bounded() {
        let mut text = String::from("resource,organisation\n");
        for i in 0..=MAX_RESOURCES {
            text.push_str(&format!("r{i},RX8\n"));
        }
        let errors = ResourceOrganisations::parse(&text).expect_err("too many rows");
        assert!(errors[0].message.contains("at most"), "{errors:?}");
        let huge = "x".repeat(MAX_TABLE_BYTES + 1);
        assert!(ResourceOrganisations::parse(&huge).is_err());
    }
}
