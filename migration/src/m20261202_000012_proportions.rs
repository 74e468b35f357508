//! One percentage scale: a measure whose unit is `%` keeps its values and target as proportions
//! from 0 to 1 (shown as percentages). Measures stored on the 0-100 scale (a "% within target"
//! measure from an event log, or a manual one typed as 85 for 85%) are rescaled: a proportion
//! cannot exceed 1, so any value or target above 1 shows the old scale.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Portable SQL (SQLite and PostgreSQL): subqueries, no JSON functions.
        db.execute_unprepared(
            "UPDATE data_point SET value = value / 100 \
             WHERE value IS NOT NULL AND measure_id IN ( \
               SELECT m.id FROM measure m WHERE TRIM(m.unit) = '%' AND ( \
                 EXISTS (SELECT 1 FROM data_point d WHERE d.measure_id = m.id AND d.value > 1) \
                 OR m.target > 1))",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE measure SET target = target / 100 WHERE TRIM(unit) = '%' AND target > 1",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The old scale cannot be told apart from a proportion once rescaled: nothing to undo.
        let _ = manager;
        Ok(())
    }
}
