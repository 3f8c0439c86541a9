//! Rows and the queries on them. Queries return `QueryResult`; transactions live here too.
//! Columns with a fixed set of values are Rust enums ([`stored_as_text!`]).

pub mod chat;
pub mod clip;
pub mod destination;
pub mod preset;
pub mod recording;
pub mod room;
pub mod site;
pub mod user;

use rand::distr::{Alphanumeric, SampleString};

/// A stored text no version of the server wrote: the row is unreadable, never silently taken for
/// some other value.
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {value:?} in the database")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

/// Maps a Rust enum onto a text column, as crates.io's `pg_enum!` does onto a Postgres enum but
/// portable to SQLite and MySQL: `as_str`, `From<E> for String` (for `serialize_as = String`) and
/// `TryFrom<String>` (for `deserialize_as = String`), an unknown text being [`UnknownValue`].
macro_rules! stored_as_text {
    ($name:ident, $what:literal, { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $name {
            /// The stored (and serialized) text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::models::UnknownValue;

            fn try_from(stored: String) -> Result<Self, Self::Error> {
                match stored.as_str() {
                    $($text => Ok(Self::$variant),)+
                    _ => Err($crate::models::UnknownValue { what: $what, value: stored }),
                }
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.as_str().to_owned()
            }
        }
    };
}
pub(crate) use stored_as_text;

/// A fresh application-generated id: 20 lowercase alphanumerics (about 103 bits).
pub fn new_id() -> String {
    Alphanumeric
        .sample_string(&mut rand::rng(), 20)
        .to_ascii_lowercase()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// A `u32` written as any JSON number with no fraction: JSON has one number type, and `2.0` is
/// the integer 2 (as the schema's `integer` says), which serde alone would refuse.
pub(crate) fn whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<u32, D::Error> {
    use serde::Deserialize;
    let number = f64::deserialize(deserializer)?;
    if number.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&number) {
        Ok(number as u32)
    } else {
        Err(serde::de::Error::custom(format!(
            "{number} is not a whole number from 0 to {}",
            u32::MAX
        )))
    }
}

/// [`whole_number`], or `null`.
pub(crate) fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] u32);
    use serde::Deserialize;
    Ok(Option::<Whole>::deserialize(deserializer)?.map(|Whole(n)| n))
}

#[cfg(test)]
mod tests {
    use super::recording::RecordingStatus;
    use super::user::{Role, User};
    use crate::db::Db;
    use diesel::connection::SimpleConnection;
    use std::time::Duration;

    #[tokio::test]
    async fn a_stored_role_no_server_wrote_makes_the_row_unreadable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let db = tokio::task::spawn_blocking(move || Db::connect(&url, 1, Duration::from_secs(2)))
            .await
            .expect("task")
            .expect("connects");
        let found = db
            .run(|conn| {
                conn.batch_execute(
                    "INSERT INTO users (id, username, password_hash, role, created_at) \
                     VALUES ('u1', 'olive', 'x', 'superuser', 0), ('u2', 'ada', 'x', 'streamer', 0)",
                )?;
                Ok((User::find(conn, "u1"), User::find(conn, "u2")))
            })
            .await
            .expect("the inserts run");
        let err = found
            .0
            .expect_err("an unknown role is an error, not a viewer");
        assert!(err.to_string().contains("superuser"), "{err}");
        let ada = found
            .1
            .expect("a known role reads")
            .expect("the row exists");
        assert_eq!(ada.role, Role::Streamer);
    }

    #[test]
    fn stored_statuses_read_back_and_unknown_ones_are_refused() {
        for status in [
            RecordingStatus::Recording,
            RecordingStatus::Complete,
            RecordingStatus::Failed,
        ] {
            assert_eq!(
                RecordingStatus::try_from(String::from(status)).ok(),
                Some(status)
            );
        }
        assert!(RecordingStatus::try_from("paused".to_owned()).is_err());
        for role in [Role::Viewer, Role::Streamer, Role::Admin] {
            assert_eq!(Role::try_from(String::from(role)).ok(), Some(role));
        }
        assert!(Role::try_from("Admin".to_owned()).is_err());
    }
}
