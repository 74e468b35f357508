//! The one error type of the API. Each variant maps to a GraphQL `extensions.code`; internal
//! details are logged here and never reach the client.

use async_graphql::ErrorExtensions;
use engine::{InputErrors, Problem};
use sea_orm::{DbErr, SqlErr};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Deliberately not `Display`: async-graphql converts any `Display` error into a bare message, and
/// this type must always go through `From<Error> for async_graphql::Error` to keep its code.
#[derive(Debug)]
pub enum Error {
    /// The input is wrong; every field at fault is named.
    Validation(InputErrors),
    /// The pathway cannot take this step (publishing) while it has structural problems.
    Problems(Vec<Problem>),
    /// The object does not exist, or the caller may not know that it does.
    NotFound {
        what: &'static str,
        id: String,
    },
    /// The change clashes with the object's current state (a stale version, a published map, a
    /// duplicate code).
    Conflict(String),
    /// The caller may see the object but not do this.
    Forbidden(String),
    Unauthenticated,
    /// Anything else: logged in full, shown to the client as a bare "internal error".
    Internal(anyhow::Error),
}

fn summarise(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// A validation error on one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(engine::FieldError::new(field, message).into())
    }

    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            what,
            id: id.to_string(),
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Error::Internal(error.into())
    }

    /// What the client is told.
    pub fn message(&self) -> String {
        match self {
            Error::Validation(errors) => errors.to_string(),
            Error::Problems(problems) => format!(
                "the pathway has {} problem(s): {}",
                problems.len(),
                summarise(problems)
            ),
            Error::NotFound { what, id } => format!("{what} {id} was not found"),
            Error::Conflict(message) | Error::Forbidden(message) => message.clone(),
            Error::Unauthenticated => "a valid token is required".to_string(),
            Error::Internal(_) => "internal error".to_string(),
        }
    }

    /// For command-line callers: internal errors keep their whole chain.
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            Error::Internal(source) => source,
            other => anyhow::anyhow!(other.message()),
        }
    }

    /// The value of `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) | Error::Problems(_) => "VALIDATION",
            Error::NotFound { .. } => "NOT_FOUND",
            Error::Conflict(_) => "CONFLICT",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::Unauthenticated => "UNAUTHENTICATED",
            Error::Internal(_) => "INTERNAL",
        }
    }
}

/// The HTTP status an error code answers with on the routes other than `/graphql`.
pub fn http_status(code: &str) -> poem::http::StatusCode {
    use poem::http::StatusCode;
    match code {
        "VALIDATION" => StatusCode::UNPROCESSABLE_ENTITY,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "CONFLICT" => StatusCode::CONFLICT,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The `extensions.code` of an error GraphQL returned ("" when it has none).
pub fn code_of(error: &async_graphql::ServerError) -> String {
    error
        .extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .map(|c| c.to_string().trim_matches('"').to_string())
        .unwrap_or_default()
}

impl From<InputErrors> for Error {
    fn from(errors: InputErrors) -> Self {
        Error::Validation(errors)
    }
}

impl From<engine::FieldError> for Error {
    fn from(error: engine::FieldError) -> Self {
        Error::Validation(error.into())
    }
}

impl From<engine::analysis::AnalysisError> for Error {
    fn from(error: engine::analysis::AnalysisError) -> Self {
        match error {
            engine::analysis::AnalysisError::Problems(problems) => Error::Problems(problems),
            engine::analysis::AnalysisError::Stopped => {
                Error::Internal(anyhow::anyhow!("the analysis was stopped part-way"))
            }
        }
    }
}

impl From<engine::WhatIfError> for Error {
    fn from(error: engine::WhatIfError) -> Self {
        match error {
            engine::WhatIfError::Input(errors) => Error::Validation(errors),
            engine::WhatIfError::Problems(problems) => Error::Problems(problems),
            engine::WhatIfError::Stopped => {
                Error::Internal(anyhow::anyhow!("the what-if analysis was stopped part-way"))
            }
        }
    }
}

impl From<DbErr> for Error {
    fn from(error: DbErr) -> Self {
        Error::Internal(error.into())
    }
}

/// Turns a database error into a domain error where the database enforces a rule for us.
pub trait DbResultExt<T> {
    /// A unique-constraint violation becomes `Conflict(message)`.
    fn on_unique_violation(self, message: impl FnOnce() -> String) -> Result<T>;
}

impl<T> DbResultExt<T> for std::result::Result<T, DbErr> {
    fn on_unique_violation(self, message: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Error::Conflict(message()),
            _ => Error::from(e),
        })
    }
}

impl From<Error> for async_graphql::Error {
    fn from(error: Error) -> Self {
        if let Error::Internal(source) = &error {
            tracing::error!(error = ?source, "internal error");
        }
        let code = error.code();
        let base = async_graphql::Error::new(error.message());
        match error {
            Error::Validation(errors) => base.extend_with(|_, ext| {
                ext.set("code", code);
                if let Some(first) = errors.0.first() {
                    ext.set("field", first.field.clone());
                }
                let list: Vec<async_graphql::Value> = errors
                    .0
                    .iter()
                    .map(|e| {
                        let mut m = async_graphql::indexmap::IndexMap::new();
                        m.insert(async_graphql::Name::new("field"), e.field.clone().into());
                        m.insert(
                            async_graphql::Name::new("message"),
                            e.message.clone().into(),
                        );
                        async_graphql::Value::Object(m)
                    })
                    .collect();
                ext.set("errors", list);
            }),
            Error::Problems(problems) => base.extend_with(|_, ext| {
                ext.set("code", code);
                ext.set(
                    "problems",
                    async_graphql::to_value(&problems).unwrap_or_default(),
                );
            }),
            _ => base.extend_with(|_, ext| ext.set("code", code)),
        }
    }
}
