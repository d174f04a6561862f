//! Configuration from `SYNCGATE_*` environment variables (an optional `.env` is loaded first).
//! Parsing is a pure function of the variables, so it is unit-tested without touching the
//! process environment.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CookieSecurity {
    /// Secure unless the public URL is plain http on a loopback host.
    Auto,
    Always,
    Never,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// May carry a password (PostgreSQL): shown masked.
    pub database_url: app::backend::secrets::SecretUrl,
    pub listen: SocketAddr,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub key_file: PathBuf,
    pub site_root: PathBuf,
    pub cookie_security: CookieSecurity,
    pub log_filter: String,
    /// `None`: mails go to `<data dir>/outbox/` as .eml files.
    pub smtp_url: Option<app::backend::mail::SmtpUrl>,
    /// `SYNCGATE_MAIL_FROM`; unset, the sender saved on /admin/settings (or a default).
    pub mail_from: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed; empty: none (the default).
    pub trusted_proxies: Vec<app::domain::proxies::Cidr>,
    /// Timeouts and shares of the connection layer (`connections`).
    pub connections: crate::connections::Limits,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: {problem}")]
    Invalid { var: &'static str, problem: String },
}

const KNOWN: &[&str] = &[
    "SYNCGATE_DATABASE_URL",
    "SYNCGATE_LISTEN",
    "SYNCGATE_PUBLIC_URL",
    "SYNCGATE_DATA_DIR",
    "SYNCGATE_KEY_FILE",
    "SYNCGATE_SITE_ROOT",
    "SYNCGATE_COOKIE_SECURE",
    "SYNCGATE_LOG",
    "SYNCGATE_ADMIN_PASSWORD",
    "SYNCGATE_SMTP_URL",
    "SYNCGATE_MAIL_FROM",
    "SYNCGATE_TRUSTED_PROXIES",
    "SYNCGATE_HEADER_TIMEOUT_SECS",
    "SYNCGATE_UNFINISHED_PER_ADDRESS",
    "SYNCGATE_MAX_CONNECTIONS",
    "SYNCGATE_DRAIN_SECS",
    // Read by `copy-db --to` (clap), not by the configuration.
    "SYNCGATE_COPY_TO",
];

impl Config {
    /// Builds the configuration from variables; returns warnings for unknown `SYNCGATE_*`
    /// names (likely typos) alongside it.
    pub fn from_vars<I>(vars: I) -> Result<(Config, Vec<String>), ConfigError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let vars: BTreeMap<String, String> = vars
            .into_iter()
            .filter(|(k, _)| k.starts_with("SYNCGATE_"))
            .collect();
        let warnings = vars
            .keys()
            .filter(|k| !KNOWN.contains(&k.as_str()))
            .map(|k| format!("unknown setting {k} is ignored (check its spelling)"))
            .collect();
        let get = |k: &str| {
            vars.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let data_dir = PathBuf::from(get("SYNCGATE_DATA_DIR").unwrap_or_else(|| "data".into()));
        let listen_text = get("SYNCGATE_LISTEN").unwrap_or_else(|| "127.0.0.1:3000".into());
        let listen: SocketAddr = listen_text.parse().map_err(|_| ConfigError::Invalid {
            var: "SYNCGATE_LISTEN",
            problem: format!("'{listen_text}' is not an address like 127.0.0.1:3000"),
        })?;
        let public_url = get("SYNCGATE_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                var: "SYNCGATE_PUBLIC_URL",
                problem: "must start with http:// or https://".into(),
            });
        }
        let database_url = get("SYNCGATE_DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("syncgate.db").display()));
        if app::backend::store::Kind::of(&database_url).is_none() {
            return Err(ConfigError::Invalid {
                var: "SYNCGATE_DATABASE_URL",
                problem: "must start with sqlite:, postgres:// or postgresql://".into(),
            });
        }
        let cookie_security = match get("SYNCGATE_COOKIE_SECURE").as_deref() {
            None | Some("auto") => CookieSecurity::Auto,
            Some("true" | "1" | "yes") => CookieSecurity::Always,
            Some("false" | "0" | "no") => CookieSecurity::Never,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "SYNCGATE_COOKIE_SECURE",
                    problem: format!("'{other}' is not one of auto, true, false"),
                })
            }
        };
        let smtp_url = get("SYNCGATE_SMTP_URL");
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                // The URL may hold a password: never echo it.
                return Err(ConfigError::Invalid {
                    var: "SYNCGATE_SMTP_URL",
                    problem: "must start with smtp:// (STARTTLS) or smtps:// (TLS)".into(),
                });
            }
        }
        let trusted_proxies =
            app::domain::proxies::parse_list(&get("SYNCGATE_TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|problem| ConfigError::Invalid {
                    var: "SYNCGATE_TRUSTED_PROXIES",
                    problem,
                })?;
        let number = |var: &'static str, min: u64, max: u64| -> Result<Option<u64>, ConfigError> {
            get(var)
                .map(|v| match v.parse::<u64>() {
                    Ok(n) if (min..=max).contains(&n) => Ok(n),
                    _ => Err(ConfigError::Invalid {
                        var,
                        problem: format!("'{v}' is not a whole number from {min} to {max}"),
                    }),
                })
                .transpose()
        };
        let defaults = crate::connections::Limits::default();
        let connections = crate::connections::Limits {
            header_timeout: number("SYNCGATE_HEADER_TIMEOUT_SECS", 1, 300)?
                .map_or(defaults.header_timeout, std::time::Duration::from_secs),
            unfinished_per_address: number("SYNCGATE_UNFINISHED_PER_ADDRESS", 1, 1_000_000)?
                .map_or(defaults.unfinished_per_address, |n| n as usize),
            max_connections: number("SYNCGATE_MAX_CONNECTIONS", 1, 10_000_000)?.map(|n| n as usize),
            drain: number("SYNCGATE_DRAIN_SECS", 0, 3600)?
                .map_or(defaults.drain, std::time::Duration::from_secs),
        };
        Ok((
            Config {
                connections,
                trusted_proxies,
                smtp_url: smtp_url.map(app::backend::mail::SmtpUrl::new),
                mail_from: get("SYNCGATE_MAIL_FROM").filter(|f| !f.trim().is_empty()),
                database_url: app::backend::secrets::SecretUrl::new(database_url),
                listen,
                public_url,
                key_file: get("SYNCGATE_KEY_FILE")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| data_dir.join("secret.key")),
                site_root: PathBuf::from(
                    get("SYNCGATE_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
                ),
                log_filter: get("SYNCGATE_LOG").unwrap_or_else(|| "info".into()),
                data_dir,
                cookie_security,
            },
            warnings,
        ))
    }

    /// Whether session cookies carry `Secure`.
    pub fn cookie_secure(&self) -> bool {
        match self.cookie_security {
            CookieSecurity::Always => true,
            CookieSecurity::Never => false,
            CookieSecurity::Auto => !is_plain_http_on_loopback(&self.public_url),
        }
    }
}

fn is_plain_http_on_loopback(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(authority)
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<(Config, Vec<String>), ConfigError> {
        Config::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let (c, w) = parse(&[("PATH", "/bin")]).unwrap();
        assert!(w.is_empty());
        assert_eq!(c.database_url.expose(), "sqlite://data/syncgate.db");
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert_eq!(c.key_file, PathBuf::from("data/secret.key"));
        assert_eq!(c.site_root, PathBuf::from("target/site"));
        assert!(!c.cookie_secure(), "plain http on loopback");
        assert_eq!(c.smtp_url, None, "mail goes to the outbox");
        assert!(c.trusted_proxies.is_empty(), "no proxy header believed");
    }

    #[test]
    fn trusted_proxies_are_read_and_a_bad_one_is_named() {
        let (c, _) = parse(&[("SYNCGATE_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")]).unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        let e = parse(&[("SYNCGATE_TRUSTED_PROXIES", "10.0.0.0/8,proxy")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SYNCGATE_TRUSTED_PROXIES: 'proxy' is not an address or a network"
        );
    }

    #[test]
    fn values_are_read_and_trimmed() {
        let (c, _) = parse(&[
            ("SYNCGATE_DATA_DIR", "/var/lib/sg"),
            ("SYNCGATE_LISTEN", " 0.0.0.0:8080 "),
            ("SYNCGATE_PUBLIC_URL", "https://crm.example.it/"),
        ])
        .unwrap();
        assert_eq!(c.database_url.expose(), "sqlite:///var/lib/sg/syncgate.db");
        assert_eq!(c.listen.port(), 8080);
        assert_eq!(c.public_url, "https://crm.example.it");
        assert_eq!(c.key_file, PathBuf::from("/var/lib/sg/secret.key"));
        assert!(c.cookie_secure());
    }

    #[test]
    fn unknown_syncgate_variables_warn() {
        let (_, w) = parse(&[("SYNCGATE_LISTN", "x"), ("OTHER", "y")]).unwrap();
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("SYNCGATE_LISTN"));
    }

    #[test]
    fn bad_values_are_clear_errors() {
        let e = parse(&[("SYNCGATE_LISTEN", "nope")]).unwrap_err();
        assert!(e.to_string().starts_with("SYNCGATE_LISTEN:"), "{e}");
        assert!(parse(&[("SYNCGATE_PUBLIC_URL", "crm.example.it")]).is_err());
        assert!(parse(&[("SYNCGATE_COOKIE_SECURE", "maybe")]).is_err());
        assert!(parse(&[("SYNCGATE_DATABASE_URL", "mysql://x")]).is_err());
        let e = parse(&[("SYNCGATE_SMTP_URL", "http://u:secret@mail")]).unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn cookie_security_rules() {
        let secure = |url: &str, mode: &str| {
            parse(&[
                ("SYNCGATE_PUBLIC_URL", url),
                ("SYNCGATE_COOKIE_SECURE", mode),
            ])
            .unwrap()
            .0
            .cookie_secure()
        };
        assert!(!secure("http://localhost:3000", "auto"));
        assert!(!secure("http://127.0.0.5", "auto"));
        assert!(!secure("http://[::1]:3000", "auto"));
        assert!(secure("http://crm.example.it", "auto"));
        assert!(secure("http://192.168.1.5:3000", "auto"));
        assert!(secure("https://localhost", "auto"));
        assert!(secure("http://localhost", "true"));
        assert!(!secure("https://crm.example.it", "false"));
    }
}
