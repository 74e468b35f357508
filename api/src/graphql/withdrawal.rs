//! How a withdrawn record says who withdrew it, when and why.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

/// Who withdrew (retracted, archived or closed) a record, when and why. Withdrawn is not
/// erased: the record stays readable where history is asked for.
#[derive(SimpleObject, Clone)]
pub struct Withdrawal {
    /// When it was withdrawn (UTC).
    pub at: DateTime<Utc>,
    /// Who withdrew it.
    pub by: String,
    /// Why.
    pub reason: String,
}

impl From<crate::store::rows::Withdrawal> for Withdrawal {
    fn from(w: crate::store::rows::Withdrawal) -> Self {
        Self {
            at: w.at,
            by: w.by,
            reason: w.reason,
        }
    }
}
