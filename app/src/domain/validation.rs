//! Field rules for accounts. Each returns the message key the UI shows beside the field.

use crate::domain::messages::Msg;

pub const LOGIN_PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 256;
pub const NAME_MAX: usize = 100;
pub const EMAIL_MAX: usize = 254;

/// Usernames are what phones type too: keep them to plain ASCII.
pub fn username(value: &str) -> Result<String, Msg> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Msg::Required);
    }
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !(2..=64).contains(&value.len()) || !ok_chars {
        return Err(Msg::UsernameFormat);
    }
    Ok(value.to_ascii_lowercase())
}

/// A deliberately simple check: one `@`, something on both sides, a dot in the domain,
/// no spaces. Deliverability is proven by the emailed codes, not by a regex.
pub fn email(value: &str) -> Result<String, Msg> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Msg::Required);
    }
    if value.chars().count() > EMAIL_MAX {
        return Err(Msg::TooLong);
    }
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if valid {
        Ok(value.to_string())
    } else {
        Err(Msg::EmailFormat)
    }
}

/// An email that may be left empty (returned as "").
pub fn optional_email(value: &str) -> Result<String, Msg> {
    if value.trim().is_empty() {
        Ok(String::new())
    } else {
        email(value)
    }
}

/// The dedicated ActiveSync password: at least this long (SPEC 1.2).
pub const SYNC_PASSWORD_MIN: usize = 12;

/// A new sync password and its confirmation: `(field, problem)` on the first problem. Being
/// different from the login password is checked against the stored hash by the backend.
pub fn sync_password(new: &str, confirm: &str) -> Result<(), (&'static str, Msg)> {
    let n = new.chars().count();
    if n == 0 {
        return Err(("new_sync_password", Msg::Required));
    }
    if n < SYNC_PASSWORD_MIN {
        return Err(("new_sync_password", Msg::SyncPasswordShort));
    }
    if n > PASSWORD_MAX {
        return Err(("new_sync_password", Msg::TooLong));
    }
    if new != confirm {
        return Err(("confirm_sync_password", Msg::PasswordMismatch));
    }
    Ok(())
}

/// First and last names are optional free text.
pub fn person_name(value: &str) -> Result<String, Msg> {
    let value = value.trim();
    if value.chars().count() > NAME_MAX {
        return Err(Msg::TooLong);
    }
    if value.chars().any(char::is_control) {
        return Err(Msg::TooLong);
    }
    Ok(value.to_string())
}

/// A new login password. Length is what matters (NIST SP 800-63B); no composition rules.
pub fn login_password(password: &str, username: &str) -> Result<(), Msg> {
    let len = password.chars().count();
    if len == 0 {
        return Err(Msg::Required);
    }
    if len < LOGIN_PASSWORD_MIN {
        return Err(Msg::PasswordShort);
    }
    if len > PASSWORD_MAX {
        return Err(Msg::TooLong);
    }
    if password.trim().eq_ignore_ascii_case(username.trim()) {
        return Err(Msg::PasswordSameAsUsername);
    }
    Ok(())
}

pub fn confirmation(password: &str, confirm: &str) -> Result<(), Msg> {
    if password == confirm {
        Ok(())
    } else {
        Err(Msg::PasswordMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lowercased() {
        assert_eq!(username("  Mario.Rossi ").unwrap(), "mario.rossi");
        assert_eq!(username("a_b-c9").unwrap(), "a_b-c9");
    }

    #[test]
    fn bad_usernames_are_refused() {
        assert_eq!(username(""), Err(Msg::Required));
        assert_eq!(username("   "), Err(Msg::Required));
        assert_eq!(username("a"), Err(Msg::UsernameFormat));
        assert_eq!(username("has space"), Err(Msg::UsernameFormat));
        assert_eq!(username("dom\\user"), Err(Msg::UsernameFormat));
        assert_eq!(username("user@x.it"), Err(Msg::UsernameFormat));
        assert_eq!(username("àccento"), Err(Msg::UsernameFormat));
        assert_eq!(username(&"x".repeat(65)), Err(Msg::UsernameFormat));
        assert!(username(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn an_optional_email_may_be_empty_but_not_wrong() {
        assert_eq!(optional_email("  ").unwrap(), "");
        assert_eq!(optional_email(" a@b.it").unwrap(), "a@b.it");
        assert_eq!(optional_email("a@b"), Err(Msg::EmailFormat));
    }

    #[test]
    fn sync_passwords_are_long_and_confirmed() {
        assert_eq!(
            sync_password("", ""),
            Err(("new_sync_password", Msg::Required))
        );
        assert_eq!(
            sync_password("elevenchars", "elevenchars"),
            Err(("new_sync_password", Msg::SyncPasswordShort))
        );
        assert_eq!(sync_password("twelve-chars", "twelve-chars"), Ok(()));
        assert_eq!(
            sync_password("twelve-chars", "twelve-charz"),
            Err(("confirm_sync_password", Msg::PasswordMismatch))
        );
        assert_eq!(
            sync_password(&"x".repeat(PASSWORD_MAX + 1), ""),
            Err(("new_sync_password", Msg::TooLong))
        );
        // Characters, not bytes: twelve accented letters are enough.
        assert_eq!(sync_password(&"è".repeat(12), &"è".repeat(12)), Ok(()));
    }

    #[test]
    fn emails() {
        assert_eq!(email(" a@b.it ").unwrap(), "a@b.it");
        assert_eq!(email(""), Err(Msg::Required));
        for bad in [
            "a", "a@", "@b.it", "a@b", "a@@b.it", "a b@c.it", "a@.it", "a@b.",
        ] {
            assert_eq!(email(bad), Err(Msg::EmailFormat), "{bad}");
        }
        assert_eq!(
            email(&format!("{}@b.it", "x".repeat(260))),
            Err(Msg::TooLong)
        );
    }

    #[test]
    fn names_are_optional_but_bounded() {
        assert_eq!(person_name("  Anna ").unwrap(), "Anna");
        assert_eq!(person_name("").unwrap(), "");
        assert_eq!(person_name(&"n".repeat(101)), Err(Msg::TooLong));
        assert_eq!(person_name("a\u{0}b"), Err(Msg::TooLong));
    }

    #[test]
    fn login_password_rules() {
        assert_eq!(login_password("", "anna"), Err(Msg::Required));
        assert_eq!(login_password("123456789", "anna"), Err(Msg::PasswordShort));
        assert!(login_password("1234567890", "anna").is_ok());
        assert_eq!(
            login_password("mario.rossi", "mario.rossi"),
            Err(Msg::PasswordSameAsUsername)
        );
        assert_eq!(login_password(&"p".repeat(257), "anna"), Err(Msg::TooLong));
        // Length counts characters, not bytes.
        assert_eq!(login_password("ààààààààà", "anna"), Err(Msg::PasswordShort));
    }

    #[test]
    fn confirmation_must_match_exactly() {
        assert!(confirmation("correct horse", "correct horse").is_ok());
        assert_eq!(
            confirmation("correct horse", "correct horse "),
            Err(Msg::PasswordMismatch)
        );
    }
}
