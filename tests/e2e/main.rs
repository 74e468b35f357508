//! End-to-end tests: each starts the real server on a random port over a fresh database (an SQLite
//! file, or a new PostgreSQL database when `TEST_DATABASE_URL` is set) and talks GraphQL over HTTP.

mod access;
mod administration;
mod agreement;
mod analysis;
mod answers;
mod browser;
mod cli;
mod concurrency;
mod corrections;
mod crash;
mod cycles;
mod demo;
mod documents;
mod editing;
mod event_logs;
mod hardening;
mod helpers;
mod isolation;
mod masking;
mod oidc;
mod organisations;
mod pictures;
mod projects;
mod queries;
mod sign_in;
mod simulations;
mod subscriptions;
mod webhooks;
mod workplace;
