//! The values a user types on a phone to add the account (the device setup help of SPEC 1.2):
//! server host, port and whether SSL/TLS is on, all read from the console's public base URL.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceEndpoint {
    /// What a phone calls "Server": the host alone, without scheme, port or path.
    pub host: String,
    pub port: u16,
    pub ssl: bool,
}

/// `https://crm.example.it/` → crm.example.it, 443, SSL. `None` if it is not an http(s) URL
/// with a host (the configuration refuses those before we get here).
#[must_use]
pub fn endpoint(public_url: &str) -> Option<DeviceEndpoint> {
    let url = public_url.trim();
    let (rest, ssl, default_port) = if let Some(r) = strip_prefix_ci(url, "https://") {
        (r, true, 443)
    } else if let Some(r) = strip_prefix_ci(url, "http://") {
        (r, false, 80)
    } else {
        return None;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // user:password@ never belongs on a phone; drop it.
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (inside, after) = v6.split_once(']')?;
        (format!("[{inside}]"), after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (host_port.to_string(), None),
        }
    };
    if host.is_empty() || host == "[]" {
        return None;
    }
    let port = match port {
        None | Some("") => default_port,
        Some(p) => p.parse().ok().filter(|p| *p != 0)?,
    };
    Some(DeviceEndpoint {
        host: host.to_lowercase(),
        port,
        ssl,
    })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(host: &str, port: u16, ssl: bool) -> Option<DeviceEndpoint> {
        Some(DeviceEndpoint {
            host: host.into(),
            port,
            ssl,
        })
    }

    #[test]
    fn the_port_follows_the_scheme_unless_given() {
        assert_eq!(
            endpoint("https://crm.example.it"),
            ep("crm.example.it", 443, true)
        );
        assert_eq!(
            endpoint("http://crm.example.it/"),
            ep("crm.example.it", 80, false)
        );
        assert_eq!(
            endpoint("https://crm.example.it:8443/sync"),
            ep("crm.example.it", 8443, true)
        );
        assert_eq!(
            endpoint("http://127.0.0.1:3000"),
            ep("127.0.0.1", 3000, false)
        );
    }

    #[test]
    fn only_the_host_is_kept() {
        assert_eq!(
            endpoint(" HTTPS://User:secret@CRM.Example.it/path?q=1#x "),
            ep("crm.example.it", 443, true)
        );
        assert_eq!(endpoint("https://[::1]:9000/"), ep("[::1]", 9000, true));
        assert_eq!(endpoint("https://[::1]"), ep("[::1]", 443, true));
    }

    #[test]
    fn what_is_not_an_http_url_gives_nothing() {
        for bad in [
            "",
            "crm.example.it",
            "ftp://crm.example.it",
            "https://",
            "https://:443",
            "https://crm:port",
            "https://crm:0",
            "https://[::1",
        ] {
            assert_eq!(endpoint(bad), None, "{bad}");
        }
    }
}
