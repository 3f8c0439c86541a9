//! What admins decide while the server runs (`site_settings`), and the invitations they hand
//! out (`invites`).

use crate::db::schema::{invites, site_settings};
use crate::db::DbConnection;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// Who may register as a streamer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WhoMayStream {
    /// Anyone who registers as a streamer.
    #[default]
    Anyone,
    /// Registering as a streamer makes a viewer account; an admin makes it a streamer.
    Approved,
    /// Registering as a streamer needs an admin's invitation code.
    Invited,
}

super::stored_as_text!(WhoMayStream, "who_may_stream", {
    Anyone = "anyone",
    Approved = "approved",
    Invited = "invited",
});

const WHO_MAY_STREAM: &str = "who_may_stream";

/// A new invitation code: `inv_` and 24 alphanumerics (about 143 random bits). Shown once.
pub fn new_invite_code() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    format!("inv_{}", Alphanumeric.sample_string(&mut rand::rng(), 24))
}

/// How invitation codes are stored (SHA-256, hex): random codes need no slow hash.
pub fn hash_invite_code(code: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(code.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The settings admins change at run time.
pub struct SiteSettings;

impl SiteSettings {
    /// Who may register as a streamer (anyone, until an admin says otherwise).
    pub fn who_may_stream(conn: &mut DbConnection) -> QueryResult<WhoMayStream> {
        let stored: Option<String> = site_settings::table
            .find(WHO_MAY_STREAM)
            .select(site_settings::value)
            .first(conn)
            .optional()?;
        match stored {
            None => Ok(WhoMayStream::default()),
            Some(text) => WhoMayStream::try_from(text)
                .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e))),
        }
    }

    pub fn set_who_may_stream(conn: &mut DbConnection, value: WhoMayStream) -> QueryResult<()> {
        conn.transaction(|conn| {
            diesel::delete(site_settings::table.find(WHO_MAY_STREAM)).execute(conn)?;
            diesel::insert_into(site_settings::table)
                .values((
                    site_settings::name.eq(WHO_MAY_STREAM),
                    site_settings::value.eq(value.as_str()),
                ))
                .execute(conn)
                .map(|_| ())
        })
    }
}

/// A row of `invites`: an invitation to register as a streamer, by the hash of its code.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invites)]
pub struct Invite {
    pub id: String,
    pub code_hash: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_by: Option<String>,
    pub used_at: Option<i64>,
}

/// An invitation as admins see it (never its code).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InviteView {
    pub id: String,
    pub created_by: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub expires_at: i64,
    /// The account it made, once used.
    pub used_by: Option<String>,
    pub used_at: Option<i64>,
}

impl Invite {
    pub fn view(&self) -> InviteView {
        InviteView {
            id: self.id.clone(),
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            used_by: self.used_by.clone(),
            used_at: self.used_at,
        }
    }

    pub fn insert(conn: &mut DbConnection, invite: &Invite) -> QueryResult<()> {
        diesel::insert_into(invites::table)
            .values(invite.clone())
            .execute(conn)
            .map(|_| ())
    }

    /// Every invitation, newest first.
    pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Invite>> {
        invites::table
            .order(invites::created_at.desc())
            .select(Invite::as_select())
            .load(conn)
    }

    pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
        diesel::delete(invites::table.find(id)).execute(conn)
    }

    /// Uses the unused, unexpired invitation whose code hashes to `code_hash` for `user`;
    /// false when there is none.
    pub fn take(
        conn: &mut DbConnection,
        code_hash: &str,
        user: &str,
        now: i64,
    ) -> QueryResult<bool> {
        let taken = diesel::update(
            invites::table
                .filter(invites::code_hash.eq(code_hash))
                .filter(invites::used_by.is_null())
                .filter(invites::expires_at.gt(now)),
        )
        .set((
            invites::used_by.eq(Some(user)),
            invites::used_at.eq(Some(now)),
        ))
        .execute(conn)?;
        Ok(taken == 1)
    }
}
