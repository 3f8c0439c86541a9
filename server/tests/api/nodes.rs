//! Several server nodes on one MariaDB database.

use crate::support::MariadbDatabase;
use livestream::db::Db;
use std::time::Duration;

/// Nodes starting at once on a new database: one migrates while the others wait for its lock,
/// and then find nothing to do. Without the lock, one died with "Table 'users' already exists".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_on_a_new_database_migrate_it_once() {
    for _ in 0..3 {
        let database = MariadbDatabase::create();
        let starts = (0..3).map(|_| {
            let url = database.url();
            tokio::task::spawn_blocking(move || Db::connect(&url, 2, Duration::from_secs(10)))
        });
        for started in futures_util::future::join_all(starts).await {
            let db = started.expect("the start ran").expect("every node starts");
            assert_eq!(db.backend(), livestream::db::Backend::Mysql);
        }
        let applied = database.query("SELECT COUNT(*) FROM __diesel_schema_migrations");
        let migrations =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/mysql"))
                .expect("the migrations")
                .count();
        assert_eq!(
            applied.trim(),
            migrations.to_string(),
            "each migration recorded once"
        );
    }
}
