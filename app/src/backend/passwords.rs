//! Login password hashing: argon2id with OWASP's parameters, off the async threads, at most
//! one hash per core at a time, plaintext zeroized after use.

use argon2::password_hash::{rand_core::OsRng, PasswordHash as Phc, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier, Version};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{OnceCell, Semaphore};
use zeroize::Zeroizing;

/// A PHC-format argon2 hash. Deliberately neither `Serialize` nor `Display`.
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_stored(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("argon2: {0}")]
    Argon2(String),
    #[error("hashing task failed: {0}")]
    Task(String),
}

pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verifications run so far: tests count work with it, never time.
    verifications: AtomicU64,
    /// Verified against when the user does not exist, so both cases cost one argon2 run.
    dummy: OnceCell<PasswordHash>,
}

/// OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl PasswordHasher {
    pub fn new(parallelism: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(parallelism.max(1))),
            verifications: AtomicU64::new(0),
            dummy: OnceCell::new(),
        }
    }

    pub async fn hash(&self, password: Zeroizing<String>) -> Result<PasswordHash, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError::Task(e.to_string()))?;
        tokio::task::spawn_blocking(move || hash_now(&password))
            .await
            .map_err(|e| HashError::Task(e.to_string()))?
    }

    /// How many argon2 verifications this hasher has run.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// One argon2 verification, whether or not `hash` exists.
    pub async fn verify(
        &self,
        password: Zeroizing<String>,
        hash: Option<PasswordHash>,
    ) -> Result<bool, HashError> {
        let exists = hash.is_some();
        let hash = match hash {
            Some(h) => h,
            None => self.dummy_hash().await?,
        };
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError::Task(e.to_string()))?;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let matched = tokio::task::spawn_blocking(move || verify_now(&password, &hash))
            .await
            .map_err(|e| HashError::Task(e.to_string()))??;
        Ok(matched && exists)
    }

    async fn dummy_hash(&self) -> Result<PasswordHash, HashError> {
        self.dummy
            .get_or_try_init(|| async {
                let random = Zeroizing::new(crate::backend::accounts::random_password(24));
                self.hash(random).await
            })
            .await
            .cloned()
    }
}

pub fn hash_now(password: &str) -> Result<PasswordHash, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|e| HashError::Argon2(e.to_string()))
}

pub fn verify_now(password: &str, hash: &PasswordHash) -> Result<bool, HashError> {
    let parsed = Phc::new(&hash.0).map_err(|e| HashError::Argon2(e.to_string()))?;
    // Verification uses the parameters stored in the hash, so old hashes keep working.
    Ok(argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_with_owasp_parameters() {
        let h = hash_now("correct horse battery").unwrap();
        assert!(
            h.as_stored().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            h.as_stored()
        );
        assert!(!h.as_stored().contains("correct horse"));
    }

    #[test]
    fn right_password_verifies_wrong_does_not() {
        let h = hash_now("correct horse battery").unwrap();
        assert!(verify_now("correct horse battery", &h).unwrap());
        assert!(!verify_now("correct horse batter", &h).unwrap());
        assert!(!verify_now("", &h).unwrap());
    }

    #[test]
    fn same_password_gets_a_new_salt_each_time() {
        let a = hash_now("same password").unwrap();
        let b = hash_now("same password").unwrap();
        assert_ne!(a.as_stored(), b.as_stored());
    }

    #[test]
    fn corrupt_stored_hash_is_an_error_not_a_match() {
        let h = PasswordHash::from_stored("not a phc string".into());
        assert!(verify_now("x", &h).is_err());
    }

    #[test]
    fn debug_never_shows_the_hash() {
        let h = hash_now("pw").unwrap();
        assert_eq!(format!("{h:?}"), "PasswordHash(..)");
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        let hasher = PasswordHasher::new(1);
        assert!(!hasher
            .verify(Zeroizing::new("anything".into()), None)
            .await
            .unwrap());
        let h = hasher
            .hash(Zeroizing::new("secret pass".into()))
            .await
            .unwrap();
        assert!(hasher
            .verify(Zeroizing::new("secret pass".into()), Some(h))
            .await
            .unwrap());
    }
}
