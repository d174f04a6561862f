//! Secrets that must be shown again later (the sync password), so neither stored in clear nor
//! hashed: AES-256-GCM under a key derived from the server key, a fresh random 96-bit nonce per
//! write, the key's id stored beside the ciphertext, and the owner's id bound in as associated
//! data (a ciphertext copied to another user's row does not open).

pub mod keyring;
pub mod rotation;

use crate::domain::ids::UserId;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::SystemTime;
use zeroize::Zeroizing;

use keyring::{KeyRing, KeyRingError};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    /// Sealed under a key this server does not hold.
    #[error("sealed under key {0}, which is not loaded")]
    UnknownKey(String),
    /// The ciphertext, nonce or owner does not match: altered or misplaced.
    #[error("the sealed value does not authenticate")]
    Tampered,
}

pub use crate::backend::store::columns::Sealed;

/// A URL from the configuration that may carry a password (`SYNCGATE_SMTP_URL`,
/// `SYNCGATE_DATABASE_URL`): `Debug` shows it with the password masked.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(zeroize::Zeroizing<String>);

impl SecretUrl {
    pub fn new(url: String) -> Self {
        SecretUrl(zeroize::Zeroizing::new(url))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut u) => {
                if u.password().is_some() {
                    let _ = u.set_password(Some("***"));
                }
                write!(f, "SecretUrl({u})")
            }
            Err(_) => f.write_str("SecretUrl(..)"),
        }
    }
}

/// Seals with the current key, opens with any key of the ring. When the ring comes from the
/// key file, a rotation (`rotate-key`, another process) is picked up without a restart: on a
/// key id it does not know, and before sealing when the file has changed.
pub struct SecretBox {
    keys: RwLock<Keys>,
    file: Option<KeyFile>,
}

struct Keys {
    current: String,
    ciphers: Vec<(String, Aes256Gcm)>,
}

struct KeyFile {
    path: PathBuf,
    modified: Mutex<Option<SystemTime>>,
}

fn derive(server_key: &[u8; 32], label: &str) -> Zeroizing<[u8; 32]> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(server_key).expect("HMAC takes a key of any length");
    mac.update(label.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// The encryption key is derived from a ring key (which also keys the code HMACs), and its id
/// is a short fingerprint that reveals nothing of it.
fn cipher_for(key: &[u8; 32]) -> (String, Aes256Gcm) {
    let aes = derive(key, "syncgate secrets v1: AES-256-GCM");
    (
        key_id_of(key),
        Aes256Gcm::new_from_slice(&aes[..]).expect("AES-256 takes 32 bytes"),
    )
}

/// A ring key's id: a short fingerprint that reveals nothing of it (also stored beside what
/// the key's HMAC protects, such as recovery codes).
pub fn key_id_of(key: &[u8; 32]) -> String {
    let fingerprint = derive(key, "syncgate secrets v1: key id");
    fingerprint[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Keys {
    fn of(ring: &KeyRing) -> Keys {
        let ciphers: Vec<_> = ring.keys().map(cipher_for).collect();
        Keys {
            current: ciphers[0].0.clone(),
            ciphers,
        }
    }

    fn cipher(&self, id: &str) -> Option<&Aes256Gcm> {
        self.ciphers.iter().find(|(k, _)| k == id).map(|(_, c)| c)
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl SecretBox {
    pub fn new(ring: &KeyRing) -> SecretBox {
        SecretBox {
            keys: RwLock::new(Keys::of(ring)),
            file: None,
        }
    }

    /// The ring of the key file, reloaded when it changes.
    pub fn from_file(path: &Path) -> Result<SecretBox, KeyRingError> {
        let before = modified(path);
        let ring = keyring::read(path)?;
        Ok(SecretBox {
            keys: RwLock::new(Keys::of(&ring)),
            file: Some(KeyFile {
                path: path.to_path_buf(),
                modified: Mutex::new(before),
            }),
        })
    }

    /// Reads the key file again. A file that cannot be read keeps the keys already loaded.
    pub fn reload(&self) -> Result<(), KeyRingError> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let before = modified(&file.path);
        let ring = keyring::read(&file.path)?;
        *self.keys.write().expect("no writer panics") = Keys::of(&ring);
        *file.modified.lock().expect("no writer panics") = before;
        tracing::info!(key_id = %self.key_id(), "loaded the key file");
        Ok(())
    }

    fn reload_if_changed(&self) {
        let Some(file) = &self.file else { return };
        let now = modified(&file.path);
        let changed = *file.modified.lock().expect("no writer panics") != now;
        if changed {
            if let Err(e) = self.reload() {
                tracing::warn!("keeping the loaded keys: {e}");
            }
        }
    }

    /// The id of the key that seals now.
    pub fn key_id(&self) -> String {
        self.keys.read().expect("no writer panics").current.clone()
    }

    pub fn seal(&self, owner: UserId, plaintext: &str) -> Sealed {
        self.reload_if_changed();
        let keys = self.keys.read().expect("no writer panics");
        let cipher = keys
            .cipher(&keys.current)
            .expect("the current key is in the ring");
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &owner.0.to_be_bytes(),
                },
            )
            .expect("AES-GCM encrypts any message shorter than 64 GiB");
        Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
            key_id: keys.current.clone(),
        }
    }

    pub fn open(&self, owner: UserId, sealed: &Sealed) -> Result<Zeroizing<String>, SecretError> {
        match self.open_loaded(owner, sealed) {
            Err(SecretError::UnknownKey(_)) if self.file.is_some() => {
                // Sealed after a rotation this process has not seen yet.
                if let Err(e) = self.reload() {
                    tracing::warn!("keeping the loaded keys: {e}");
                }
                self.open_loaded(owner, sealed)
            }
            other => other,
        }
    }

    fn open_loaded(
        &self,
        owner: UserId,
        sealed: &Sealed,
    ) -> Result<Zeroizing<String>, SecretError> {
        let keys = self.keys.read().expect("no writer panics");
        let cipher = keys
            .cipher(&sealed.key_id)
            .ok_or_else(|| SecretError::UnknownKey(sealed.key_id.clone()))?;
        if sealed.nonce.len() != 12 {
            return Err(SecretError::Tampered);
        }
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    Nonce::from_slice(&sealed.nonce),
                    Payload {
                        msg: &sealed.ciphertext,
                        aad: &owner.0.to_be_bytes(),
                    },
                )
                .map_err(|_| SecretError::Tampered)?,
        );
        String::from_utf8(plain.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| SecretError::Tampered)
    }

    /// The same secret sealed under the current key, or `None` if it already is.
    pub fn reseal(&self, owner: UserId, sealed: &Sealed) -> Result<Option<Sealed>, SecretError> {
        if sealed.key_id == self.key_id() {
            return Ok(None);
        }
        let plain = self.open(owner, sealed)?;
        Ok(Some(self.seal(owner, &plain)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_round_trips_and_is_not_stored_in_clear() {
        let b = SecretBox::new(&KeyRing::single([7u8; 32]));
        let sealed = b.seal(UserId(42), "aSwertg234-sync");
        assert!(!sealed.ciphertext.windows(6).any(|w| w == b"aSwert"));
        assert_eq!(sealed.key_id, b.key_id());
        assert_eq!(
            b.open(UserId(42), &sealed).unwrap().as_str(),
            "aSwertg234-sync"
        );
    }

    #[test]
    fn every_write_has_its_own_nonce() {
        let b = SecretBox::new(&KeyRing::single([7u8; 32]));
        let one = b.seal(UserId(1), "same-password");
        let two = b.seal(UserId(1), "same-password");
        assert_ne!(one.nonce, two.nonce);
        assert_ne!(one.ciphertext, two.ciphertext);
    }

    #[test]
    fn a_wrong_key_is_refused() {
        let sealed = SecretBox::new(&KeyRing::single([7u8; 32])).seal(UserId(1), "sync-password-1");
        let other = SecretBox::new(&KeyRing::single([8u8; 32]));
        assert_ne!(other.key_id(), sealed.key_id);
        assert!(matches!(
            other.open(UserId(1), &sealed),
            Err(SecretError::UnknownKey(_))
        ));
        // Even with the id forged to match, the key does not open it.
        let forged = Sealed {
            key_id: other.key_id(),
            ..sealed
        };
        assert_eq!(other.open(UserId(1), &forged), Err(SecretError::Tampered));
    }

    #[test]
    fn tampering_or_moving_the_ciphertext_is_detected() {
        let b = SecretBox::new(&KeyRing::single([7u8; 32]));
        let sealed = b.seal(UserId(1), "sync-password-1");
        let mut flipped = sealed.clone();
        flipped.ciphertext[0] ^= 1;
        assert_eq!(b.open(UserId(1), &flipped), Err(SecretError::Tampered));
        let mut short_nonce = sealed.clone();
        short_nonce.nonce.pop();
        assert_eq!(b.open(UserId(1), &short_nonce), Err(SecretError::Tampered));
        assert_eq!(
            b.open(UserId(2), &sealed),
            Err(SecretError::Tampered),
            "another user's row"
        );
    }

    #[test]
    fn after_a_rotation_old_secrets_open_and_reseal_under_the_new_key() {
        let old_ring = KeyRing::single([7u8; 32]);
        let before = SecretBox::new(&old_ring).seal(UserId(5), "sync-password-1");
        let new_ring = old_ring.rotated();
        let rotated = SecretBox::new(&new_ring);
        assert_ne!(rotated.key_id(), before.key_id);
        assert_eq!(
            rotated.open(UserId(5), &before).unwrap().as_str(),
            "sync-password-1"
        );
        let resealed = rotated
            .reseal(UserId(5), &before)
            .unwrap()
            .expect("was under a retired key");
        assert_eq!(resealed.key_id, rotated.key_id());
        assert_eq!(
            rotated.reseal(UserId(5), &resealed).unwrap(),
            None,
            "already current"
        );
        // The new key alone opens it: the retired one is no longer needed for it.
        let only_new = SecretBox::new(&KeyRing::single(*new_ring.current()));
        assert_eq!(
            only_new.open(UserId(5), &resealed).unwrap().as_str(),
            "sync-password-1"
        );
    }

    #[test]
    fn a_box_on_the_key_file_follows_a_rotation_made_by_another_process() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let ring = KeyRing::generate();
        keyring::create(&path, &ring).unwrap();
        let running = SecretBox::from_file(&path).unwrap();
        let old_id = running.key_id();
        let old_secret = running.seal(UserId(3), "sync-password-3");

        // `rotate-key`, elsewhere: a new ring on disk and a secret sealed under it.
        let rotated = ring.rotated();
        keyring::replace(&path, &rotated).unwrap();
        let elsewhere = SecretBox::new(&rotated).seal(UserId(4), "sync-password-4");

        assert_eq!(
            running.open(UserId(4), &elsewhere).unwrap().as_str(),
            "sync-password-4"
        );
        assert_ne!(running.key_id(), old_id, "reloaded on the unknown id");
        assert_eq!(
            running.open(UserId(3), &old_secret).unwrap().as_str(),
            "sync-password-3"
        );
        assert_eq!(running.seal(UserId(3), "x").key_id, running.key_id());
    }

    #[test]
    fn a_password_in_a_configured_url_never_reaches_a_debug_line() {
        let url = SecretUrl::new("smtp://crm:s3cret-pw@mail.example.it:587".into());
        let line = format!("{url:?}");
        assert!(!line.contains("s3cret"), "{line}");
        assert!(line.contains("crm:***@mail.example.it"), "{line}");
    }

    #[test]
    fn a_database_url_is_masked_too() {
        let url = SecretUrl::new("postgres://sg:pg-pass-9@db.example.it/syncgate".into());
        assert!(!format!("{url:?}").contains("pg-pass-9"));
        assert_eq!(
            url.expose(),
            "postgres://sg:pg-pass-9@db.example.it/syncgate"
        );
    }
}
