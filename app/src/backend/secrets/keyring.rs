//! The key file: the key that seals secrets now on its first line, then the retired keys that
//! only open what they sealed before a rotation (newest first). 64 hexadecimal digits per
//! line; lines starting with `#` are comments. A file of one line is the original format.

use rand::RngCore;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

pub type Key = Zeroizing<[u8; 32]>;

#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error("reading the key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The line is never echoed: it may hold a key.
    #[error("the key file {path}: line {line} must hold 64 hexadecimal digits")]
    BadLine { path: String, line: usize },
    #[error("the key file {path} holds no key")]
    Empty { path: String },
    #[error("the key file {path} can be read by other users (mode {mode:o}): make it readable by its owner only (chmod 600 {path})")]
    Exposed { path: String, mode: u32 },
}

pub struct KeyRing {
    /// `[0]` seals; all open.
    keys: Vec<Key>,
}

/// Never prints a key.
impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyRing({} keys)", self.keys.len())
    }
}

fn random_key() -> Key {
    let mut key = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(key.as_mut());
    key
}

fn parse_key(hex: &str) -> Option<Key> {
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut key = Zeroizing::new([0u8; 32]);
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(key)
}

impl KeyRing {
    pub fn single(key: [u8; 32]) -> KeyRing {
        KeyRing {
            keys: vec![Zeroizing::new(key)],
        }
    }

    pub fn generate() -> KeyRing {
        KeyRing {
            keys: vec![random_key()],
        }
    }

    /// The key that seals new secrets.
    pub fn current(&self) -> &[u8; 32] {
        &self.keys[0]
    }

    /// Every key, the current one first.
    pub fn keys(&self) -> impl Iterator<Item = &[u8; 32]> {
        self.keys.iter().map(|k| &**k)
    }

    pub fn retired_count(&self) -> usize {
        self.keys.len() - 1
    }

    /// A fresh current key; the old ones stay, retired, so nothing sealed becomes unreadable.
    pub fn rotated(&self) -> KeyRing {
        let mut keys = vec![random_key()];
        keys.extend(self.keys.iter().cloned());
        KeyRing { keys }
    }

    /// The current key alone (the retired ones dropped, once nothing needs them).
    pub fn current_only(&self) -> KeyRing {
        KeyRing {
            keys: vec![self.keys[0].clone()],
        }
    }

    /// `path` only names the file in errors.
    pub fn parse(text: &str, path: &str) -> Result<KeyRing, KeyRingError> {
        let mut keys = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            keys.push(parse_key(line).ok_or_else(|| KeyRingError::BadLine {
                path: path.to_string(),
                line: i + 1,
            })?);
        }
        if keys.is_empty() {
            return Err(KeyRingError::Empty {
                path: path.to_string(),
            });
        }
        Ok(KeyRing { keys })
    }

    pub fn to_text(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::from(
            "# syncgate keys: the first seals new secrets; the others (retired by rotate-key) only\n\
             # open what they sealed. Keep this file secret and back it up with the database.\n",
        ));
        for key in &self.keys {
            for b in key.iter() {
                text.push_str(&format!("{b:02x}"));
            }
            text.push('\n');
        }
        text
    }
}

pub fn read(path: &Path) -> Result<KeyRing, KeyRingError> {
    let name = path.display().to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|source| KeyRingError::Io {
            path: name.clone(),
            source,
        })?;
        let mode = meta.permissions().mode() & 0o777;
        // Keys readable by the group or others are as good as published.
        if mode & 0o077 != 0 {
            return Err(KeyRingError::Exposed { path: name, mode });
        }
    }
    let text =
        Zeroizing::new(
            std::fs::read_to_string(path).map_err(|source| KeyRingError::Io {
                path: name.clone(),
                source,
            })?,
        );
    KeyRing::parse(&text, &name)
}

fn owner_only() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Writes a new key file (readable by its owner only); fails if one exists.
pub fn create(path: &Path, ring: &KeyRing) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = owner_only().open(path)?;
    file.write_all(ring.to_text().as_bytes())?;
    file.sync_all()
}

/// Replaces the key file atomically: a reader (the running server) sees the old file or the
/// new one, never half of it.
pub fn replace(path: &Path, ring: &KeyRing) -> std::io::Result<()> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(".new");
    let temp = std::path::PathBuf::from(temp);
    let _ = std::fs::remove_file(&temp);
    let mut file = owner_only().open(&temp)?;
    file.write_all(ring.to_text().as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_line_format_is_a_ring_of_one() {
        let ring = KeyRing::parse(&format!("{}\n", "ab".repeat(32)), "k").unwrap();
        assert_eq!(ring.current(), &[0xab; 32]);
        assert_eq!(ring.retired_count(), 0);
    }

    #[test]
    fn a_rotated_ring_keeps_every_old_key_behind_a_new_one() {
        let ring = KeyRing::single([1; 32]).rotated();
        let again = KeyRing::parse(&ring.rotated().to_text(), "k").unwrap();
        let keys: Vec<[u8; 32]> = again.keys().copied().collect();
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[1], *ring.current());
        assert_eq!(keys[2], [1; 32]);
        assert_ne!(keys[0], keys[1]);
    }

    #[test]
    fn a_damaged_file_names_the_line_and_not_its_content() {
        let text = format!("# comment\n{}\nnot-a-key-secret\n", "ab".repeat(32));
        let e = KeyRing::parse(&text, "secret.key").unwrap_err().to_string();
        assert!(e.contains("line 3"), "{e}");
        assert!(!e.contains("not-a-key"), "{e}");
        assert!(matches!(
            KeyRing::parse("# nothing\n", "k"),
            Err(KeyRingError::Empty { .. })
        ));
    }

    #[test]
    fn files_are_owner_only_and_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret.key");
        let ring = KeyRing::generate();
        create(&path, &ring).unwrap();
        assert!(create(&path, &ring).is_err(), "never overwritten");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let rotated = ring.rotated();
        replace(&path, &rotated).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back.current(), rotated.current());
        assert_eq!(back.retired_count(), 1);
        assert!(!dir.path().join("sub/secret.key.new").exists());
    }
}
