//! The mail server to send through: where it is, how the connection is protected, how
//! syncgate signs in. From `SYNCGATE_SMTP_URL`, or from the settings saved on /admin/settings.

use zeroize::Zeroizing;

#[derive(Clone, Debug)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub login: Login,
}

#[derive(Clone)]
pub enum Login {
    None,
    Password {
        username: String,
        password: Zeroizing<String>,
    },
    /// Office 365: a token from the client-credentials grant, then `AUTH XOAUTH2`.
    OAuth2(OAuthApp),
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Login::None => f.write_str("None"),
            Login::Password { username, .. } => write!(f, "Password({username}, ..)"),
            Login::OAuth2(app) => write!(f, "OAuth2({}, {})", app.token_url, app.client_id),
        }
    }
}

/// An app registered in Azure (or another OAuth2 server) that may send as `username`.
#[derive(Clone)]
pub struct OAuthApp {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Zeroizing<String>,
    /// The mailbox signed in to with `AUTH XOAUTH2`.
    pub username: String,
}

/// `SYNCGATE_SMTP_URL` (it may carry the mail server's password).
pub use crate::backend::secrets::SecretUrl as SmtpUrl;

/// How a connection to the mail server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// `smtps://`: TLS from the first byte (465).
    Wrapper,
    /// `smtp://`: STARTTLS, and no mail is sent if the server does not offer it (587).
    StartTlsRequired,
    /// `smtp://…?tls=opportunistic`: STARTTLS when offered.
    StartTlsOpportunistic,
    /// In clear: a loopback host, or `?tls=none` said so.
    None,
}

impl SmtpTls {
    /// The protection a security choice on /admin/settings asks for.
    pub fn of(security: crate::domain::mail_delivery::Security) -> SmtpTls {
        use crate::domain::mail_delivery::Security;
        match security {
            Security::StartTls => SmtpTls::StartTlsRequired,
            Security::Tls => SmtpTls::Wrapper,
            Security::None => SmtpTls::None,
        }
    }

    /// The security choice it stands for (an opportunistic URL counts as STARTTLS).
    pub fn security(self) -> crate::domain::mail_delivery::Security {
        use crate::domain::mail_delivery::Security;
        match self {
            SmtpTls::Wrapper => Security::Tls,
            SmtpTls::StartTlsRequired | SmtpTls::StartTlsOpportunistic => Security::StartTls,
            SmtpTls::None => Security::None,
        }
    }
}

/// The server `SYNCGATE_SMTP_URL` names (see `smtp_plan`).
pub fn smtp_transport(url: &SmtpUrl) -> Result<SmtpServer, String> {
    let (lettre_url, tls) = smtp_plan(url.expose())?;
    let parsed = url::Url::parse(&lettre_url).map_err(|e| format!("SMTP URL: {e}"))?;
    let host = parsed
        .host_str()
        .ok_or("SMTP URL has no host")?
        .trim_matches(['[', ']'])
        .to_string();
    let port = parsed.port().unwrap_or(match tls {
        SmtpTls::Wrapper => 465,
        SmtpTls::StartTlsRequired | SmtpTls::StartTlsOpportunistic => 587,
        SmtpTls::None => 25,
    });
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| "SMTP URL: the user or password is not UTF-8".to_string())
    };
    let login = match (parsed.username(), parsed.password()) {
        ("", None) => Login::None,
        (user, password) => Login::Password {
            username: decode(user)?,
            password: Zeroizing::new(decode(password.unwrap_or_default())?),
        },
    };
    Ok(SmtpServer {
        host,
        port,
        tls,
        login,
    })
}

/// The URL as lettre reads it, and the protection it gives: `smtps://` is TLS (465),
/// `smtp://` uses STARTTLS (587) and refuses to send in clear, except to a loopback host or
/// with `?tls=none`.
pub fn smtp_plan(url: &str) -> Result<(String, SmtpTls), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("SMTP URL: {e}"))?;
    let loopback = match parsed.host() {
        // For a non-special scheme like smtp, the url crate leaves IP addresses as text.
        Some(url::Host::Domain(d)) => crate::domain::mail_delivery::is_loopback(d),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err("SMTP URL has no host".into()),
    };
    let has_tls_param = parsed.query_pairs().any(|(k, _)| k == "tls");
    let url = match (parsed.scheme(), has_tls_param, loopback) {
        ("smtps", _, _) | ("smtp", true, _) | ("smtp", false, true) => url.to_string(),
        ("smtp", false, false) => {
            let sep = if parsed.query().is_some() { '&' } else { '?' };
            format!("{url}{sep}tls=required")
        }
        (other, _, _) => {
            return Err(format!(
                "SMTP URL scheme must be smtp or smtps, not {other}"
            ))
        }
    };
    // lettre spells "no TLS" as the absence of the parameter.
    let url = url.replace("?tls=none", "").replace("&tls=none", "");
    let lettre = url::Url::parse(&url).map_err(|e| format!("SMTP URL: {e}"))?;
    let tls = lettre
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let mode = match (lettre.scheme(), tls.as_deref()) {
        ("smtps", _) => SmtpTls::Wrapper,
        (_, Some("required")) => SmtpTls::StartTlsRequired,
        (_, Some("opportunistic")) => SmtpTls::StartTlsOpportunistic,
        (_, None) => SmtpTls::None,
        (_, Some(other)) => return Err(format!("SMTP URL: unknown tls={other}")),
    };
    Ok((url, mode))
}
