//! Accounts.

use crate::db::schema::users;
use crate::db::DbConnection;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// What an account may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Streamer,
    Admin,
}

super::stored_as_text!(Role, "role", {
    Viewer = "viewer",
    Streamer = "streamer",
    Admin = "admin",
});

/// What registering made of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    Yes,
    NameTaken,
    /// The invitation given is unknown, used or expired: nothing was written.
    InviteInvalid,
}

/// What [`User::promote_to_admin`] does with an account that already has the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingAccount {
    /// Make it an admin (the configured admin of every start).
    Promote,
    /// Leave it and say so (`livestream admin create`).
    Refuse,
}

/// What [`User::promote_to_admin`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAccount {
    /// No account has the name: nothing changed.
    Missing,
    Promoted,
    AlreadyAdmin,
    /// The name is taken and [`ExistingAccount::Refuse`] was asked: nothing changed.
    Exists,
}

/// A change refused because it would leave no enabled admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the system must keep at least one active admin")]
pub struct LastAdmin;

/// Ids are generated lowercase; a client may send them in any case (MariaDB's default collation
/// would match them), so they are compared in this form.
pub fn canonical_id(id: &str) -> String {
    id.to_ascii_lowercase()
}

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: Role,
    pub disabled: bool,
    pub token_version: i32,
    pub created_at: i64,
}

/// A user as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
}

impl User {
    pub fn view(&self) -> UserView {
        UserView {
            id: self.id.clone(),
            username: self.username.clone(),
            role: self.role,
            disabled: self.disabled,
            created_at: self.created_at,
        }
    }

    pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    pub fn find_by_username(conn: &mut DbConnection, name: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::username.eq(name))
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    pub fn insert(conn: &mut DbConnection, user: &User) -> QueryResult<()> {
        diesel::insert_into(users::table)
            .values(user.clone())
            .execute(conn)
            .map(|_| ())
    }

    /// Inserts the account unless its username is taken, using the invitation whose code hashes
    /// to `invite` if one is given (all in one transaction: nothing is written unless both hold).
    pub fn insert_with_invite(
        conn: &mut DbConnection,
        user: &User,
        invite: Option<&str>,
    ) -> QueryResult<Created> {
        let outcome = conn.transaction(|conn| {
            if !Self::insert_unless_taken(conn, user)? {
                return Ok(Created::NameTaken);
            }
            if let Some(hash) = invite {
                if !super::site::Invite::take(conn, hash, &user.id, super::now_ms())? {
                    return Err(diesel::result::Error::RollbackTransaction);
                }
            }
            Ok(Created::Yes)
        });
        match outcome {
            Err(diesel::result::Error::RollbackTransaction) => Ok(Created::InviteInvalid),
            other => other,
        }
    }

    /// Inserts the account unless its username is taken (checked in the same transaction);
    /// `false` when taken.
    pub fn insert_unless_taken(conn: &mut DbConnection, user: &User) -> QueryResult<bool> {
        conn.transaction(|conn| {
            if Self::find_by_username(conn, &user.username)?.is_some() {
                return Ok(false);
            }
            Self::insert(conn, user)?;
            Ok(true)
        })
    }

    /// Makes the account `username` an admin if it exists: promoted (its tokens revoked) or left
    /// alone, as `existing` says. [`AdminAccount::Missing`] when there is no such account.
    pub fn promote_to_admin(
        conn: &mut DbConnection,
        username: &str,
        existing: ExistingAccount,
    ) -> QueryResult<AdminAccount> {
        conn.transaction(|conn| match Self::find_by_username(conn, username)? {
            None => Ok(AdminAccount::Missing),
            Some(_) if existing == ExistingAccount::Refuse => Ok(AdminAccount::Exists),
            Some(user) if user.role == Role::Admin => Ok(AdminAccount::AlreadyAdmin),
            Some(user) => {
                diesel::update(users::table.find(&user.id))
                    .set(users::role.eq(Role::Admin.as_str()))
                    .execute(conn)?;
                Self::revoke_tokens(conn, &user.id)?;
                Ok(AdminAccount::Promoted)
            }
        })
    }

    pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
        users::table
            .order(users::created_at.asc())
            .select(User::as_select())
            .load(conn)
    }

    pub fn any_admin(conn: &mut DbConnection) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            users::table.filter(users::role.eq(Role::Admin.as_str())),
        ))
        .get_result(conn)
    }

    /// Changes role and/or disabled; disabling or a role change invalidates existing tokens.
    /// Refused with [`LastAdmin`] (and nothing changed) if no enabled admin would be left: the
    /// check and the change are one transaction, with the admin rows locked first on MySQL so
    /// two concurrent demotions cannot both pass it (on SQLite the write comes first and holds
    /// the database's write lock).
    pub fn update_access(
        conn: &mut DbConnection,
        id: &str,
        role: Option<Role>,
        disabled: Option<bool>,
    ) -> QueryResult<Result<usize, LastAdmin>> {
        use diesel::result::Error;
        let outcome = conn.transaction(|conn| {
            if let DbConnection::Mysql(c) = conn {
                diesel::sql_query("SELECT id FROM users WHERE role = 'admin' FOR UPDATE")
                    .execute(c)?;
            }
            let mut changed = 0;
            if let Some(role) = role {
                changed += diesel::update(users::table.find(id))
                    .set(users::role.eq(role.as_str()))
                    .execute(conn)?;
            }
            if let Some(disabled) = disabled {
                changed += diesel::update(users::table.find(id))
                    .set(users::disabled.eq(disabled))
                    .execute(conn)?;
            }
            if changed > 0 {
                Self::revoke_tokens(conn, id)?;
            }
            if Self::active_admins(conn)? == 0 {
                return Err(Error::RollbackTransaction);
            }
            Ok(changed)
        });
        match outcome {
            Err(Error::RollbackTransaction) => Ok(Err(LastAdmin)),
            other => other.map(Ok),
        }
    }

    /// Enabled admins.
    pub fn active_admins(conn: &mut DbConnection) -> QueryResult<i64> {
        users::table
            .filter(users::role.eq(Role::Admin.as_str()))
            .filter(users::disabled.eq(false))
            .count()
            .get_result(conn)
    }

    /// Makes every token issued so far invalid (logout everywhere).
    pub fn revoke_tokens(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set(users::token_version.eq(users::token_version + 1))
            .execute(conn)
    }
}
