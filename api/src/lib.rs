//! qiflow's API: the GraphQL schema served by poem, and the store that maps rows to engine types
//! and scopes data to the caller.
//!
//! Data flows one way: HTTP → graphql (parse input into engine types, caller from context) →
//! store (one transaction: load → engine → save) → response.

pub mod answers;
pub mod audit;
pub mod auth;
pub mod blocking;
pub mod caller;
pub mod connections;
pub mod context;
pub mod db;
pub mod deliverer;
pub mod demo;
pub mod error;
pub mod gate;
pub mod generation;
pub mod graphql;
pub mod graphql_route;
pub mod keys;
pub mod limits;
pub mod notifications;
pub mod page;
pub mod parsed;
pub mod server;
pub mod store;
pub mod subscription_route;
pub mod upload;

pub use error::{Error, Result};
pub use graphql::{QiflowSchema, build_schema, schema_sdl};
pub use server::{Application, Settings};
