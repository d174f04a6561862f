//! Secrets that must be shown again later (the sync password), so neither stored in clear nor
//! hashed: AES-256-GCM under a key derived from the server key, a fresh random 96-bit nonce per
//! write, the key's id stored beside the ciphertext, and the owner's id bound in as associated
//! data (a ciphertext copied to another user's row does not open).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    /// Sealed under a key this server does not hold.
    #[error("sealed under key {0}, which is not loaded")]
    UnknownKey(String),
    /// The ciphertext, nonce or owner does not match: altered or misplaced.
    #[error("the sealed value does not authenticate")]
    Tampered,
}

/// A sealed secret as stored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
}

pub struct SecretBox {
    cipher: Aes256Gcm,
    key_id: String,
}

fn derive(server_key: &[u8; 32], label: &str) -> Zeroizing<[u8; 32]> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(server_key).expect("HMAC takes a key of any length");
    mac.update(label.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

impl SecretBox {
    /// The encryption key is derived from the server key (which also keys the code HMACs), and
    /// its id is a short fingerprint that reveals nothing of it.
    pub fn new(server_key: &[u8; 32]) -> SecretBox {
        let key = derive(server_key, "syncgate secrets v1: AES-256-GCM");
        let fingerprint = derive(server_key, "syncgate secrets v1: key id");
        let key_id = fingerprint[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        SecretBox {
            cipher: Aes256Gcm::new_from_slice(&key[..]).expect("AES-256 takes 32 bytes"),
            key_id,
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn seal(&self, owner: i64, plaintext: &str) -> Sealed {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &owner.to_be_bytes(),
                },
            )
            .expect("AES-GCM encrypts any message shorter than 64 GiB");
        Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
            key_id: self.key_id.clone(),
        }
    }

    pub fn open(&self, owner: i64, sealed: &Sealed) -> Result<Zeroizing<String>, SecretError> {
        if sealed.key_id != self.key_id {
            return Err(SecretError::UnknownKey(sealed.key_id.clone()));
        }
        if sealed.nonce.len() != 12 {
            return Err(SecretError::Tampered);
        }
        let plain = Zeroizing::new(
            self.cipher
                .decrypt(
                    Nonce::from_slice(&sealed.nonce),
                    Payload {
                        msg: &sealed.ciphertext,
                        aad: &owner.to_be_bytes(),
                    },
                )
                .map_err(|_| SecretError::Tampered)?,
        );
        String::from_utf8(plain.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| SecretError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_round_trips_and_is_not_stored_in_clear() {
        let b = SecretBox::new(&[7u8; 32]);
        let sealed = b.seal(42, "aSwertg234-sync");
        assert!(!sealed.ciphertext.windows(6).any(|w| w == b"aSwert"));
        assert_eq!(sealed.key_id, b.key_id());
        assert_eq!(b.open(42, &sealed).unwrap().as_str(), "aSwertg234-sync");
    }

    #[test]
    fn every_write_has_its_own_nonce() {
        let b = SecretBox::new(&[7u8; 32]);
        let one = b.seal(1, "same-password");
        let two = b.seal(1, "same-password");
        assert_ne!(one.nonce, two.nonce);
        assert_ne!(one.ciphertext, two.ciphertext);
    }

    #[test]
    fn a_wrong_key_is_refused() {
        let sealed = SecretBox::new(&[7u8; 32]).seal(1, "sync-password-1");
        let other = SecretBox::new(&[8u8; 32]);
        assert_ne!(other.key_id(), sealed.key_id);
        assert!(matches!(
            other.open(1, &sealed),
            Err(SecretError::UnknownKey(_))
        ));
        // Even with the id forged to match, the key does not open it.
        let forged = Sealed {
            key_id: other.key_id().to_string(),
            ..sealed
        };
        assert_eq!(other.open(1, &forged), Err(SecretError::Tampered));
    }

    #[test]
    fn tampering_or_moving_the_ciphertext_is_detected() {
        let b = SecretBox::new(&[7u8; 32]);
        let sealed = b.seal(1, "sync-password-1");
        let mut flipped = sealed.clone();
        flipped.ciphertext[0] ^= 1;
        assert_eq!(b.open(1, &flipped), Err(SecretError::Tampered));
        let mut short_nonce = sealed.clone();
        short_nonce.nonce.pop();
        assert_eq!(b.open(1, &short_nonce), Err(SecretError::Tampered));
        assert_eq!(
            b.open(2, &sealed),
            Err(SecretError::Tampered),
            "another user's row"
        );
    }
}
