//! Who is calling. Resolvers take the caller from one place (the request context) and hand it to
//! the store, which is the only place that decides what the caller may see and change.

/// The identity behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No authentication exists yet: every request acts as the installation itself, which may see
    /// and change everything. Access control replaces this with real principals.
    Installation,
}

impl Caller {
    /// How the caller is named in histories (who moved a cycle, who wrote an observation).
    pub fn name(&self) -> &str {
        match self {
            Caller::Installation => "installation",
        }
    }

    /// The caller of the current GraphQL request.
    pub fn from_context(ctx: &async_graphql::Context<'_>) -> Self {
        ctx.data_opt::<Caller>()
            .cloned()
            .unwrap_or(Caller::Installation)
    }
}
