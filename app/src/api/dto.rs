//! What server functions send to the browser. Never a hash, a ciphertext or a secret.

use crate::i18n::Lang;
use serde::{Deserialize, Serialize};

/// The signed-in user as the header and the route guards need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    pub must_change_password: bool,
}

/// What every page knows from the first byte: who is signed in and in which language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: Option<CurrentUser>,
    pub lang: Lang,
    /// The password was right and the emailed code is awaited (shown masked).
    #[serde(default)]
    pub pending_code_to: Option<String>,
}

/// `anna@example.it` → `a***@example.it`: enough to recognise, not to harvest.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TwoFactorMethod {
    Off,
    Email,
}

/// One user's "Role and login" data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_admin: bool,
    pub active: bool,
    /// `None`: follow the browser.
    pub language: Option<Lang>,
    pub two_factor: TwoFactorMethod,
    pub created_at: i64,
}

/// A line of the admin's user list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub active: bool,
    pub two_factor: TwoFactorMethod,
}

impl UserRow {
    /// Whether the row matches a search: username, name or email, case-insensitive.
    pub fn matches(&self, query: &str) -> bool {
        let q = query.trim().to_lowercase();
        q.is_empty()
            || [&self.username, &self.name, &self.email]
                .iter()
                .any(|s| s.to_lowercase().contains(&q))
    }
}

pub fn display_name(username: &str, first: &str, last: &str) -> String {
    let full = format!("{} {}", first.trim(), last.trim());
    let full = full.trim();
    if full.is_empty() {
        username.to_string()
    } else {
        full.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> UserRow {
        UserRow {
            id: 2,
            username: "mrossi".into(),
            name: "Mario Rossi".into(),
            email: "mario@example.it".into(),
            is_admin: false,
            active: true,
            two_factor: TwoFactorMethod::Off,
        }
    }

    #[test]
    fn search_matches_username_name_and_email() {
        let r = row();
        assert!(r.matches(""));
        assert!(r.matches("MROSS"));
        assert!(r.matches("rossi"));
        assert!(r.matches("example.it"));
        assert!(!r.matches("bianchi"));
    }

    #[test]
    fn emails_are_masked() {
        assert_eq!(mask_email("anna@example.it"), "a***@example.it");
        assert_eq!(mask_email("x"), "***");
    }

    #[test]
    fn display_name_falls_back_to_username() {
        assert_eq!(display_name("mr", "Mario", "Rossi"), "Mario Rossi");
        assert_eq!(display_name("mr", "", "Rossi"), "Rossi");
        assert_eq!(display_name("mr", " ", ""), "mr");
    }
}
