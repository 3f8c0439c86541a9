//! Restream destinations' stream keys, sealed at rest. A destination's key is a credential for
//! someone else's service (YouTube, Twitch) that the server must give back to the media engine,
//! so unlike the rooms' own keys it cannot be hashed: it is encrypted with XChaCha20-Poly1305
//! under a key derived from the server's restream secret (`restream.secret`, or one generated
//! once into `<data_dir>/restream_secret`), with a random 192-bit nonce per sealing and the
//! destination's id as associated data, so a sealed key copied onto another row does not open.
//! Stored as base64 of nonce ‖ ciphertext ‖ tag. A key is never shown again once saved: the API
//! shows only its [`hint`].

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use rand::Rng as _;
use sha2::{Digest, Sha256};
use std::path::Path;
use thiserror::Error;

/// The file in the data directory that keeps a generated restream secret.
pub const SECRET_FILE: &str = "restream_secret";

/// The shortest restream secret taken.
const MIN_SECRET_LEN: usize = 32;

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Why a sealed key could not be opened (or, never in practice, a key sealed).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SealError {
    #[error("the sealed stream key is not base64 of a nonce and a ciphertext")]
    Malformed,
    #[error(
        "the sealed stream key does not open: sealed under another restream secret, for another \
         destination, or altered"
    )]
    DoesNotOpen,
    #[error("the stream key could not be sealed")]
    Seal,
}

/// Why the restream secret could not be had.
#[derive(Debug, Error)]
pub enum SecretError {
    #[error("reading the restream secret {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the restream secret {path} holds fewer than {MIN_SECRET_LEN} characters; restore the \
         right file (the destinations' keys were sealed with it) or set restream.secret"
    )]
    TooShort { path: String },
    #[error("writing the generated restream secret to {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// The restream secret: `configured` if set, otherwise the one kept in
/// `<data_dir>/restream_secret`, generated there (readable only by the server's user) when the
/// file does not exist. Unlike the token secret, a file that exists but cannot be used is an
/// error, never replaced: every sealed key would be lost with it.
pub fn restream_secret(configured: &str, data_dir: &Path) -> Result<Vec<u8>, SecretError> {
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    let path = data_dir.join(SECRET_FILE);
    let shown = || path.display().to_string();
    match std::fs::read(&path) {
        Ok(secret) if secret.len() >= MIN_SECRET_LEN => Ok(secret),
        Ok(_) => Err(SecretError::TooShort { path: shown() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            use rand::distr::{Alphanumeric, SampleString};
            let secret = Alphanumeric.sample_string(&mut rand::rng(), 64);
            crate::storage::write_private(&path, secret.as_bytes()).map_err(|source| {
                SecretError::Write {
                    path: shown(),
                    source,
                }
            })?;
            Ok(secret.into_bytes())
        }
        Err(source) => Err(SecretError::Read {
            path: shown(),
            source,
        }),
    }
}

/// Seals and opens destinations' stream keys with one server secret.
#[derive(Clone)]
pub struct KeySealer {
    cipher: XChaCha20Poly1305,
}

/// Never prints the key.
impl std::fmt::Debug for KeySealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySealer").finish_non_exhaustive()
    }
}

impl KeySealer {
    /// A sealer whose key is the SHA-256 of `secret`.
    pub fn new(secret: &[u8]) -> Self {
        let key: [u8; 32] = Sha256::digest(secret).into();
        Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// `stream_key` sealed for the destination `destination_id`: base64 of nonce ‖ ciphertext.
    pub fn seal(&self, destination_id: &str, stream_key: &str) -> Result<String, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: stream_key.as_bytes(),
                    aad: destination_id.as_bytes(),
                },
            )
            .map_err(|_| SealError::Seal)?;
        let mut stored = Vec::with_capacity(NONCE_LEN + sealed.len());
        stored.extend_from_slice(&nonce);
        stored.extend_from_slice(&sealed);
        Ok(BASE64.encode(stored))
    }

    /// The stream key `sealed` holds, if it was sealed with this secret for `destination_id`
    /// and not altered since.
    pub fn open(&self, destination_id: &str, sealed: &str) -> Result<String, SealError> {
        let stored = BASE64.decode(sealed).map_err(|_| SealError::Malformed)?;
        if stored.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = stored.split_at(NONCE_LEN);
        let nonce = <&XNonce>::try_from(nonce).map_err(|_| SealError::Malformed)?;
        let key = self
            .cipher
            .decrypt(
                nonce,
                Payload {
                    msg: ciphertext,
                    aad: destination_id.as_bytes(),
                },
            )
            .map_err(|_| SealError::DoesNotOpen)?;
        String::from_utf8(key).map_err(|_| SealError::DoesNotOpen)
    }
}

/// What the API shows of a saved key: `…` and its last 4 characters when it has at least 12,
/// otherwise nothing (the last 4 characters of a short key would give too much of it away).
pub fn hint(stream_key: &str) -> String {
    let chars: Vec<char> = stream_key.chars().collect();
    if chars.len() < 12 {
        return String::new();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcd-efgh-ijkl-mnop-1234";

    #[test]
    fn a_sealed_key_opens_only_with_its_secret_and_destination() {
        let sealer = KeySealer::new(b"a-restream-secret-of-at-least-32-characters");
        let sealed = sealer.seal("d1", KEY).expect("seals");
        assert!(!sealed.contains(KEY), "{sealed}");
        let raw = BASE64.decode(&sealed).expect("base64");
        assert_eq!(raw.len(), NONCE_LEN + KEY.len() + TAG_LEN);
        assert!(!raw.windows(KEY.len()).any(|w| w == KEY.as_bytes()));
        assert_eq!(sealer.open("d1", &sealed).as_deref(), Ok(KEY));

        let other = KeySealer::new(b"another-restream-secret-of-32-characters!");
        assert_eq!(other.open("d1", &sealed), Err(SealError::DoesNotOpen));
        assert_eq!(sealer.open("d2", &sealed), Err(SealError::DoesNotOpen));
        let mut altered = raw.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(
            sealer.open("d1", &BASE64.encode(altered)),
            Err(SealError::DoesNotOpen)
        );
        assert_eq!(sealer.open("d1", "not base64!"), Err(SealError::Malformed));
        assert_eq!(sealer.open("d1", "AAAA"), Err(SealError::Malformed));
    }

    #[test]
    fn every_sealing_takes_a_fresh_nonce() {
        let sealer = KeySealer::new(b"a-restream-secret-of-at-least-32-characters");
        let (a, b) = (sealer.seal("d1", KEY), sealer.seal("d1", KEY));
        assert_ne!(a, b);
    }

    #[test]
    fn hints_show_the_last_four_characters_of_long_keys_only() {
        assert_eq!(hint("live_123456789_abcd"), "…abcd");
        assert_eq!(hint("123456789012"), "…9012");
        assert_eq!(hint("12345678901"), "");
        assert_eq!(hint(""), "");
        assert_eq!(hint("ключ-ключ-ключ"), "…ключ");
    }

    #[test]
    fn the_secret_is_generated_once_and_a_damaged_file_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = restream_secret("", dir.path()).expect("generated");
        assert_eq!(first.len(), 64);
        assert_eq!(restream_secret("", dir.path()).expect("kept"), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .expect("the file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let configured = "a-configured-secret-of-32-characters-or-more";
        assert_eq!(
            restream_secret(configured, dir.path()).expect("configured"),
            configured.as_bytes()
        );
        std::fs::write(dir.path().join(SECRET_FILE), "short").expect("write");
        let err = restream_secret("", dir.path()).expect_err("a short file is refused");
        assert!(matches!(err, SecretError::TooShort { .. }), "{err}");
    }
}
