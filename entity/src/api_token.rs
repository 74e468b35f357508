use sea_orm::entity::prelude::*;

/// An API token: only the SHA-256 of the secret is kept.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub principal_id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// When it last signed in, to within [`LAST_USED_RESOLUTION_MINUTES`]; null if never.
    pub last_used_at: Option<DateTimeUtc>,
}

/// How stale `last_used_at` may be: a token in use is written at most this often.
pub const LAST_USED_RESOLUTION_MINUTES: i64 = 5;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
