//! Where a page may send the browser after signing in (`/login?next=…`): only a path on this
//! site. Browsers forgive a lot when they resolve a URL (tabs and newlines are dropped, `\` is
//! read as `/`), so anything but a plain path is refused rather than cleaned: `/\t/evil.example`
//! must never become `//evil.example`. A refused `next` falls back to the preferences page.

pub const HOME: &str = "/preferences";

/// `next` if it is a same-origin path, else `HOME`: plain-path rules first, then resolved
/// with a URL parser as a browser would, against an origin of our own that it must not leave.
#[must_use]
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) && stays_on_site(path) => path.to_string(),
        _ => HOME.to_string(),
    }
}

fn stays_on_site(path: &str) -> bool {
    let Ok(base) = url::Url::parse("https://syncgate.invalid/") else {
        return false;
    };
    base.join(path)
        .is_ok_and(|resolved| resolved.origin() == base.origin())
}

fn is_local_path(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/') | Some('\\'))
        && path.len() <= 2048
        && !path
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRICKS: &[&str] = &[
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/ /evil.example",
        "/%0A",
        "\\\\evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "",
        "evil.example",
        "/\u{0}",
        "/\u{2028}/evil.example",
        "/admin\\..\\..\\evil",
    ];

    #[test]
    fn only_plain_paths_on_this_site_are_followed() {
        assert_eq!(safe_next(Some("/admin/users")), "/admin/users");
        assert_eq!(
            safe_next(Some("/admin/users/7?tab=audit")),
            "/admin/users/7?tab=audit"
        );
        assert_eq!(safe_next(None), HOME);
        for t in TRICKS {
            let out = safe_next(Some(t));
            // "/%0A" is a harmless path (still percent-encoded): kept.
            if *t == "/%0A" {
                assert_eq!(out, "/%0A");
            } else {
                assert_eq!(out, HOME, "{t:?}");
            }
        }
    }

    #[test]
    fn whatever_is_followed_resolves_to_the_public_origin() {
        let base = url::Url::parse("https://crm.example.it/login").unwrap();
        for t in TRICKS
            .iter()
            .chain(&["/admin/users", "/a/../b", "/%2F%2Fevil.example"])
        {
            let out = safe_next(Some(t));
            let resolved = base.join(&out).unwrap();
            assert_eq!(resolved.origin(), base.origin(), "{t:?} -> {out:?}");
            // And it is a valid HTTP header value (the server redirect never panics).
            assert!(
                out.bytes().all(|b| b == b'\t' || (b' '..0x7f).contains(&b)),
                "{out:?}"
            );
        }
    }
}
