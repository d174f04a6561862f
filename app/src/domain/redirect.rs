//! Where a page may send the browser after signing in (`/login?next=…`): only a path on this
//! site. Browsers forgive a lot when they resolve a URL (tabs and newlines are dropped, `\` is
//! read as `/`), so anything but a plain path is refused rather than cleaned: `/\t/evil.example`
//! must never become `//evil.example`. A refused `next` falls back to the preferences page.

pub const HOME: &str = "/preferences";

/// An origin of our own that a resolved `next` must not leave.
pub const BASE: &str = "https://syncgate.invalid/";
const BASE_ORIGIN: &str = "https://syncgate.invalid";

/// `next` if it is a same-origin path, else `HOME`: plain-path rules first, then resolved
/// with a URL parser as a browser would, against `BASE`.
#[must_use]
pub fn safe_next(next: Option<&str>) -> String {
    safe_next_with(next, |path| {
        let base = url::Url::parse(BASE).ok()?;
        Some(base.join(path).ok()?.origin().ascii_serialization())
    })
}

/// The same rule with another WHATWG URL parser (the browser's): `origin_of(path)` is the
/// origin of `path` resolved against `BASE`.
#[must_use]
pub fn safe_next_with(next: Option<&str>, origin_of: impl Fn(&str) -> Option<String>) -> String {
    match next {
        Some(path) if is_local_path(path) && origin_of(path).as_deref() == Some(BASE_ORIGIN) => {
            path.to_string()
        }
        _ => HOME.to_string(),
    }
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
    fn the_base_origin_is_what_a_parser_says() {
        let base = url::Url::parse(BASE).unwrap();
        assert_eq!(base.origin().ascii_serialization(), BASE_ORIGIN);
        // Whatever parser is used, one that lands elsewhere is refused.
        assert_eq!(safe_next_with(Some("/admin/users"), |_| None), HOME);
        assert_eq!(
            safe_next_with(Some("/admin/users"), |_| Some(
                "https://evil.example".into()
            )),
            HOME
        );
    }

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
