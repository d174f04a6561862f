//! Mail delivery settings (SPEC 2, /admin/settings): what an admin may save, when the Office
//! 365 client secret's expiry is worth a warning, and what a token endpoint's refusal means.
//! Pure rules, tested row by row.

use crate::domain::date::Date;
use serde::{Deserialize, Serialize};

/// The submission port of RFC 6409, and what Office 365 asks for.
pub const DEFAULT_PORT: u16 = 587;
/// Days before the client secret expires when admins are first warned.
pub const WARN_DAYS: i64 = 30;
/// The reminders mailed to admins, days before the expiry, most distant first.
pub const REMINDERS: [i64; 3] = [30, 7, 1];

/// How the connection to the mail server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which the server must offer (587).
    StartTls,
    /// TLS from the first byte (465).
    Tls,
    /// In clear: only to a server on this machine.
    None,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::StartTls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Security> {
        [Security::StartTls, Security::Tls, Security::None]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// How syncgate signs in to the mail server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignIn {
    None,
    Password,
    /// Office 365: the client-credentials grant, then `AUTH XOAUTH2`.
    OAuth2,
}

impl SignIn {
    pub fn as_str(self) -> &'static str {
        match self {
            SignIn::None => "none",
            SignIn::Password => "password",
            SignIn::OAuth2 => "oauth2",
        }
    }

    pub fn parse(s: &str) -> Option<SignIn> {
        [SignIn::None, SignIn::Password, SignIn::OAuth2]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// A host name or address that names this machine (where a clear connection is harmless).
#[must_use]
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_matches(['[', ']']);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A DNS name or an IP address, as a mail server's host.
#[must_use]
pub fn valid_host(host: &str) -> bool {
    let bare = host.trim_matches(['[', ']']);
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// A tenant (directory) id: a GUID, or a domain such as `contoso.onmicrosoft.com`.
#[must_use]
pub fn valid_tenant(tenant: &str) -> bool {
    (1..=100).contains(&tenant.len())
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// An application (client) id as Azure shows it (a GUID; other clouds use similar tokens).
#[must_use]
pub fn valid_client_id(id: &str) -> bool {
    (1..=100).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Microsoft's token endpoint for a tenant (the default when none is given).
#[must_use]
pub fn microsoft_token_url(tenant: &str) -> String {
    format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token")
}

/// A token endpoint an admin may give: `https://`, or `http://` to this machine only (a test
/// endpoint), without credentials in it.
#[must_use]
pub fn valid_token_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || url.chars().any(char::is_whitespace) {
        return false;
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((ip, rest)) => (ip, rest.strip_prefix(':')),
            None => return false,
        },
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return false;
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => valid_host(host),
        "http" => is_loopback(host),
        _ => false,
    }
}

/// Where the client secret stands on `today`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecretExpiry {
    /// More than 30 days left.
    Fine,
    /// 30 days or fewer left (0: it expires today).
    Soon { days_left: i64 },
    /// Past its date: Microsoft refuses it.
    Expired,
}

#[must_use]
pub fn secret_expiry(today: Date, expires_on: Date) -> SecretExpiry {
    let days_left = expires_on.days_since_epoch() - today.days_since_epoch();
    match days_left {
        ..0 => SecretExpiry::Expired,
        0..=WARN_DAYS => SecretExpiry::Soon { days_left },
        _ => SecretExpiry::Fine,
    }
}

/// The reminder due with `days_left` (30, 7 or 1), if any; an expired secret is past them.
#[must_use]
pub fn reminder_due(days_left: i64) -> Option<i64> {
    REMINDERS
        .into_iter()
        .rev()
        .find(|&r| (0..=r).contains(&days_left))
}

/// Whether to mail the reminder due now, given the last one mailed for this expiry date:
/// each reminder once, never a more distant one after a closer one.
#[must_use]
pub fn should_remind(due: Option<i64>, last_mailed: Option<i64>) -> bool {
    match (due, last_mailed) {
        (Some(due), Some(last)) => due < last,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// What a token endpoint's refusal means for the admin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenProblem {
    /// The client secret is not the app's (AADSTS7000215), or missing.
    WrongSecret,
    /// The client secret is past its expiry (AADSTS7000222).
    SecretExpired,
    /// No app with this client id in the tenant (AADSTS700016).
    UnknownClient,
    /// No such tenant (AADSTS90002, AADSTS900023).
    UnknownTenant,
    /// The app lacks the permission or an admin's consent (AADSTS65001, AADSTS70011…).
    Permission,
    /// The endpoint could not be reached, or did not answer as OAuth2 says.
    Unreachable,
    Other,
}

/// Microsoft's error code (`AADSTS7000215`) in an error description, if any.
#[must_use]
pub fn aadsts_code(description: &str) -> Option<String> {
    let at = description.find("AADSTS")?;
    let digits: String = description[at + 6..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then(|| format!("AADSTS{digits}"))
}

/// The problem an OAuth2 error (`error`, and Microsoft's code when given) stands for.
#[must_use]
pub fn token_problem(error: &str, code: Option<&str>) -> TokenProblem {
    match code {
        Some("AADSTS7000215") | Some("AADSTS7000218") => TokenProblem::WrongSecret,
        Some("AADSTS7000222") => TokenProblem::SecretExpired,
        Some("AADSTS700016") => TokenProblem::UnknownClient,
        Some("AADSTS90002") | Some("AADSTS900023") | Some("AADSTS90013") => {
            TokenProblem::UnknownTenant
        }
        Some("AADSTS65001") | Some("AADSTS70011") | Some("AADSTS1003031") => {
            TokenProblem::Permission
        }
        _ => match error {
            "invalid_client" => TokenProblem::WrongSecret,
            "unauthorized_client" => TokenProblem::UnknownClient,
            "invalid_scope" | "consent_required" => TokenProblem::Permission,
            _ => TokenProblem::Other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn words_round_trip() {
        for s in [Security::StartTls, Security::Tls, Security::None] {
            assert_eq!(Security::parse(s.as_str()), Some(s));
        }
        for s in [SignIn::None, SignIn::Password, SignIn::OAuth2] {
            assert_eq!(SignIn::parse(s.as_str()), Some(s));
        }
        assert_eq!(Security::parse("ssl"), None);
        assert_eq!(SignIn::parse(""), None);
    }

    #[test]
    fn loopback_is_this_machine_only() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.3.4.5",
            "::1",
            "[::1]",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "smtp.office365.com",
            "10.0.0.1",
            "localhost.example.it",
            "0.0.0.0",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn hosts_are_names_or_addresses() {
        for host in [
            "smtp.office365.com",
            "mail",
            "10.1.2.3",
            "[::1]",
            "::1",
            "a-b.it",
        ] {
            assert!(valid_host(host), "{host}");
        }
        for host in ["", "smtp .it", "-a.it", "a..it", "smtp://x", "a/b", "a:25"] {
            assert!(!valid_host(host), "{host}");
        }
    }

    #[test]
    fn tenants_and_clients_are_ids() {
        assert!(valid_tenant("72f988bf-86f1-41af-91ab-2d7cd011db47"));
        assert!(valid_tenant("contoso.onmicrosoft.com"));
        assert!(!valid_tenant(""));
        assert!(!valid_tenant("a/b"));
        assert!(!valid_tenant("a b"));
        assert!(valid_client_id("0a1b2c3d-0000-1111-2222-333344445555"));
        assert!(!valid_client_id("x?y"));
        assert!(!valid_client_id(&"a".repeat(101)));
    }

    #[test]
    fn token_urls_are_https_or_loopback() {
        assert_eq!(
            microsoft_token_url("contoso.onmicrosoft.com"),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        for url in [
            "https://login.microsoftonline.com/t/oauth2/v2.0/token",
            "https://login.microsoftonline.us/t/oauth2/v2.0/token",
            "http://127.0.0.1:3104/t/oauth2/v2.0/token",
            "http://localhost/token",
            "https://login.example.it:8443/token",
        ] {
            assert!(valid_token_url(url), "{url}");
        }
        for url in [
            "http://login.microsoftonline.com/t/token",
            "ftp://127.0.0.1/token",
            "https://user:pw@login.example.it/token",
            "https:///token",
            "login.microsoftonline.com/token",
            "https://a b/token",
            "https://host:port/token",
        ] {
            assert!(!valid_token_url(url), "{url}");
        }
    }

    #[test]
    fn the_secret_is_fine_then_soon_then_expired() {
        let expires = d("2027-01-05");
        assert_eq!(
            secret_expiry(d("2026-12-05"), expires),
            SecretExpiry::Fine,
            "31 days"
        );
        assert_eq!(
            secret_expiry(d("2026-12-06"), expires),
            SecretExpiry::Soon { days_left: 30 }
        );
        assert_eq!(
            secret_expiry(d("2027-01-05"), expires),
            SecretExpiry::Soon { days_left: 0 },
            "the last day it works"
        );
        assert_eq!(
            secret_expiry(d("2027-01-06"), expires),
            SecretExpiry::Expired
        );
    }

    #[test]
    fn reminders_at_30_7_and_1_days() {
        let rows = [
            (45, None),
            (31, None),
            (30, Some(30)),
            (8, Some(30)),
            (7, Some(7)),
            (2, Some(7)),
            (1, Some(1)),
            (0, Some(1)),
            (-1, None),
        ];
        for (days_left, due) in rows {
            assert_eq!(reminder_due(days_left), due, "{days_left} days left");
        }
    }

    #[test]
    fn each_reminder_is_mailed_once_and_never_backwards() {
        let rows = [
            (None, None, false),
            (None, Some(30), false),
            (Some(30), None, true),
            (Some(30), Some(30), false),
            (Some(7), Some(30), true),
            (Some(7), Some(7), false),
            (Some(30), Some(7), false),
            (Some(1), Some(7), true),
            (Some(1), None, true),
            (Some(1), Some(1), false),
        ];
        for (due, last, mail) in rows {
            assert_eq!(should_remind(due, last), mail, "due {due:?}, last {last:?}");
        }
    }

    #[test]
    fn microsoft_codes_name_what_to_check() {
        let description = "AADSTS7000215: Invalid client secret provided. Ensure the secret \
                           being sent in the request is the client secret value.";
        assert_eq!(aadsts_code(description).as_deref(), Some("AADSTS7000215"));
        assert_eq!(aadsts_code("no code here"), None);
        assert_eq!(aadsts_code("AADSTS: nothing"), None);
        let rows = [
            (
                "invalid_client",
                Some("AADSTS7000215"),
                TokenProblem::WrongSecret,
            ),
            (
                "invalid_client",
                Some("AADSTS7000222"),
                TokenProblem::SecretExpired,
            ),
            (
                "unauthorized_client",
                Some("AADSTS700016"),
                TokenProblem::UnknownClient,
            ),
            (
                "invalid_request",
                Some("AADSTS90002"),
                TokenProblem::UnknownTenant,
            ),
            (
                "invalid_request",
                Some("AADSTS900023"),
                TokenProblem::UnknownTenant,
            ),
            (
                "invalid_grant",
                Some("AADSTS65001"),
                TokenProblem::Permission,
            ),
            (
                "invalid_scope",
                Some("AADSTS70011"),
                TokenProblem::Permission,
            ),
            ("invalid_client", None, TokenProblem::WrongSecret),
            ("unauthorized_client", None, TokenProblem::UnknownClient),
            ("invalid_scope", None, TokenProblem::Permission),
            ("server_error", None, TokenProblem::Other),
            ("invalid_request", Some("AADSTS50000"), TokenProblem::Other),
        ];
        for (error, code, problem) in rows {
            assert_eq!(token_problem(error, code), problem, "{error} {code:?}");
        }
    }
}
