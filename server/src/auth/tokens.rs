//! JWT access tokens (HS256): who (`sub`), which token generation (`ver`), until when (`exp`).

use jsonwebtoken::{decode, encode, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// Why the token secret could not be had.
#[derive(Debug, thiserror::Error)]
#[error("writing the generated token secret to {path}: {source}")]
pub struct SecretError {
    path: String,
    source: std::io::Error,
}

/// The token secret: `configured` if set, otherwise one generated once and kept (readable only by
/// the server's user) in `<data_dir>/jwt_secret`.
pub fn token_secret(configured: &str, data_dir: &Path) -> Result<Vec<u8>, SecretError> {
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    let path = data_dir.join("jwt_secret");
    if let Ok(secret) = std::fs::read(&path) {
        if secret.len() >= 32 {
            return Ok(secret);
        }
    }
    use rand::distr::{Alphanumeric, SampleString};
    let secret = Alphanumeric.sample_string(&mut rand::rng(), 64);
    crate::storage::write_private(&path, secret.as_bytes()).map_err(|source| SecretError {
        path: path.display().to_string(),
        source,
    })?;
    Ok(secret.into_bytes())
}

/// What a token says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// The user's token generation when issued; bumping it revokes every older token.
    pub ver: i32,
    pub role: String,
    pub iat: u64,
    pub exp: u64,
    /// When the session began (the login, in seconds since the Unix epoch): a refreshed token
    /// keeps it, and no token of the session is valid past `auth.max_session_hours` after it.
    /// Tokens from before it existed count from their own `iat`.
    #[serde(default)]
    pub sat: u64,
}

impl Claims {
    /// When the session began.
    pub fn session_started(&self) -> u64 {
        if self.sat == 0 {
            self.iat
        } else {
            self.sat
        }
    }
}

/// Signing and checking keys, how long tokens live, and how long a session may be refreshed.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl: Duration,
    pub max_session: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl: Duration, max_session: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl,
            max_session,
        }
    }

    /// A signed token for a user, for the session that began at `session_started` (`None`: a
    /// new one, now), and how long it is valid: the token time to live, or what is left of the
    /// session if less.
    pub fn issue(
        &self,
        sub: &str,
        ver: i32,
        role: &str,
        session_started: Option<u64>,
    ) -> Result<(String, u64), jsonwebtoken::errors::Error> {
        let now = jsonwebtoken::get_current_timestamp();
        let sat = session_started.unwrap_or(now);
        let exp = (now + self.ttl.as_secs()).min(sat + self.max_session.as_secs());
        let claims = Claims {
            sub: sub.to_owned(),
            ver,
            role: role.to_owned(),
            iat: now,
            exp,
            sat,
        };
        let token = encode(&Header::default(), &claims, &self.encoding)?;
        Ok((token, exp.saturating_sub(now)))
    }

    /// The claims of a valid, unexpired token of a session younger than `max_session`.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        let mut validation = Validation::default();
        validation.leeway = 0;
        let claims = decode::<Claims>(token, &self.decoding, &validation)?.claims;
        let now = jsonwebtoken::get_current_timestamp();
        if now >= claims.session_started() + self.max_session.as_secs() {
            return Err(jsonwebtoken::errors::ErrorKind::ExpiredSignature.into());
        }
        Ok(claims)
    }
}
