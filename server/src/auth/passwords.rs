//! Password hashing (argon2id) and strength rules.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// Minimum length; zxcvbn then judges the rest.
pub const MIN_PASSWORD_LEN: usize = 10;
const MAX_PASSWORD_LEN: usize = 256;

/// Why a password is refused, as a user-facing sentence, or `None` if it is acceptable.
pub fn check_strength(password: &str, username: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Some(format!("must be at least {MIN_PASSWORD_LEN} characters"));
    }
    if len > MAX_PASSWORD_LEN {
        return Some(format!("must be at most {MAX_PASSWORD_LEN} characters"));
    }
    match zxcvbn::zxcvbn(password, &[username]).score() {
        zxcvbn::Score::Three | zxcvbn::Score::Four => None,
        _ => Some("is too easy to guess; use a longer passphrase or more varied characters".into()),
    }
}

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored hash (false for malformed hashes).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_weak_passwords_are_refused() {
        let hash = hash_password("correct horse battery staple").expect("hash");
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
        assert!(check_strength("short", "alice").is_some());
        assert!(check_strength("password123", "alice").is_some());
        assert!(check_strength("alice-alice-alice", "alice").is_some());
        assert!(check_strength("Tr4vel-Lamp-Quartz-91", "alice").is_none());
    }
}
