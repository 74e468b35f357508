//! Portable migrations: the same schema on SQLite and PostgreSQL. The server runs them on start.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_pathways;
mod m20261126_000002_projects;
mod m20261126_000003_pdsa;
mod m20261126_000004_event_logs;
mod m20261126_000005_access;
mod m20261201_000006_import_content;
mod m20261201_000007_withdrawn_points;
mod m20261201_000008_import_withdrawal;
mod m20261202_000009_corrections;
mod m20261202_000010_pathway_versions;
mod m20261202_000011_token_last_used;
mod m20261202_000012_proportions;
mod m20261202_000013_import_reading;
mod m20261202_000014_event_staging;
mod m20261202_000015_measure_rebases;
mod m20261202_000016_staging_per_import;
mod m20261202_000017_chart_settings;
mod m20261203_000018_notifications;
mod m20261204_000019_simulation;
mod m20261204_000020_simulation_runs;
mod m20261205_000021_simulated_change_ideas;
mod m20261206_000022_agreement;
mod m20261206_000023_pathway_target;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_pathways::Migration),
            Box::new(m20261126_000002_projects::Migration),
            Box::new(m20261126_000003_pdsa::Migration),
            Box::new(m20261126_000004_event_logs::Migration),
            Box::new(m20261126_000005_access::Migration),
            Box::new(m20261201_000006_import_content::Migration),
            Box::new(m20261201_000007_withdrawn_points::Migration),
            Box::new(m20261201_000008_import_withdrawal::Migration),
            Box::new(m20261202_000009_corrections::Migration),
            Box::new(m20261202_000010_pathway_versions::Migration),
            Box::new(m20261202_000011_token_last_used::Migration),
            Box::new(m20261202_000012_proportions::Migration),
            Box::new(m20261202_000013_import_reading::Migration),
            Box::new(m20261202_000014_event_staging::Migration),
            Box::new(m20261202_000015_measure_rebases::Migration),
            Box::new(m20261202_000016_staging_per_import::Migration),
            Box::new(m20261202_000017_chart_settings::Migration),
            Box::new(m20261203_000018_notifications::Migration),
            Box::new(m20261204_000019_simulation::Migration),
            Box::new(m20261204_000020_simulation_runs::Migration),
            Box::new(m20261205_000021_simulated_change_ideas::Migration),
            Box::new(m20261206_000022_agreement::Migration),
            Box::new(m20261206_000023_pathway_target::Migration),
        ]
    }
}
