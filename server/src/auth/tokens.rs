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
}

/// Signing and checking keys, and how long tokens live.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl,
        }
    }

    /// A signed token for a user.
    pub fn issue(
        &self,
        sub: &str,
        ver: i32,
        role: &str,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            ver,
            role: role.to_owned(),
            iat: now,
            exp: now + self.ttl.as_secs(),
        };
        encode(&Header::default(), &claims, &self.encoding)
    }

    /// The claims of a valid, unexpired token.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        let mut validation = Validation::default();
        validation.leeway = 0;
        decode::<Claims>(token, &self.decoding, &validation).map(|d| d.claims)
    }
}
