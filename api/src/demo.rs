//! The demo integrated care system: believable organisations and published pathways, loaded
//! idempotently by `serve --demo` so a newcomer has something real to query.

use crate::caller::Caller;
use crate::error::{Error, Result};
use crate::store;
use engine::PathwayDocument;
use entity::pathway;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

/// The demo's pathway documents.
pub const DOCUMENTS: &[(&str, &str)] = &[
    ("hip-fracture", include_str!("demo/hip_fracture.json")),
    (
        "urgent-cancer-referral",
        include_str!("demo/urgent_lung_cancer.json"),
    ),
];

/// What loading the demo did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub pathways_created: usize,
    pub pathways_present: usize,
}

/// Imports and publishes each demo pathway unless a pathway of the same name already exists
/// (so running it twice changes nothing).
pub async fn load(db: &DatabaseConnection) -> Result<DemoSummary> {
    let caller = Caller::Installation;
    let mut summary = DemoSummary::default();
    for (name, text) in DOCUMENTS {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::internal(anyhow::anyhow!("demo {name}: {e}")))?;
        let document = PathwayDocument::from_json(value)?;
        let existing = pathway::Entity::find()
            .filter(pathway::Column::Name.eq(document.name.as_str()))
            .count(db)
            .await?;
        if existing > 0 {
            summary.pathways_present += 1;
            continue;
        }
        let record = store::pathways::import(db, &caller, document.parse()?).await?;
        store::pathways::publish(db, &caller, record.id, record.version).await?;
        summary.pathways_created += 1;
    }
    Ok(summary)
}
