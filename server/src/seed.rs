//! What a server's database must hold before it serves: the default preset, and the configured
//! admin.

use crate::db::Db;
use crate::models::preset::Preset;
use crate::models::user::{AdminAccount, ExistingAccount, Role, User};
use crate::models::{new_id, now_ms};
use std::time::Duration;

/// Opens the database the settings name (migrations applied) and seeds what every server needs:
/// the default preset, and the configured admin (`auth.admin_username`), promoted if it exists.
pub async fn open(settings: &crate::configuration::Settings) -> anyhow::Result<Db> {
    let url = settings.database_url();
    let max = settings.database.max_connections;
    let timeout = Duration::from_secs(settings.database.connect_timeout_seconds);
    let db = tokio::task::spawn_blocking(move || Db::connect(&url, max, timeout)).await??;
    db.run(|conn| Ok(Preset::seed_default(conn)?)).await?;
    let admin = &settings.auth;
    if !admin.admin_username.is_empty() {
        ensure_admin(
            &db,
            &admin.admin_username,
            &admin.admin_password,
            ExistingAccount::Promote,
        )
        .await?;
    }
    Ok(db)
}

/// Creates the admin account `username`, after checking the password's strength. An existing
/// account of that name is promoted, or refused with [`ExistingAccount::Refuse`].
pub async fn ensure_admin(
    db: &Db,
    username: &str,
    password: &str,
    existing: ExistingAccount,
) -> anyhow::Result<()> {
    if let Some(problem) = crate::auth::check_strength(password, username) {
        anyhow::bail!("the admin password {problem}");
    }
    let name = username.to_owned();
    let outcome = db
        .run(move |conn| Ok(User::promote_to_admin(conn, &name, existing)?))
        .await?;
    match outcome {
        // argon2 only for an account that is created, not at every start.
        AdminAccount::Missing => {
            let password = password.to_owned();
            let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
                .await?
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let admin = User {
                id: new_id(),
                username: username.to_owned(),
                password_hash: hash,
                role: Role::Admin,
                disabled: false,
                token_version: 0,
                created_at: now_ms(),
            };
            if !db
                .run(move |conn| Ok(User::insert_unless_taken(conn, &admin)?))
                .await?
            {
                anyhow::bail!("user {username} already exists");
            }
            tracing::info!(%username, "admin account created");
        }
        AdminAccount::Promoted => tracing::info!(%username, "promoted to admin"),
        AdminAccount::AlreadyAdmin => {}
        AdminAccount::Exists => anyhow::bail!("user {username} already exists"),
    }
    Ok(())
}
