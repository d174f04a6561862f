//! Small text rules several layers share: percent-encoding and reading typed codes.

/// Percent-encodes every byte but RFC 3986's unreserved characters and those in `keep`
/// (`/` for a path).
#[must_use]
pub fn percent_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || keep.contains(&b)
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A code as typed, without the spaces and dashes it may be shown or pasted with.
#[must_use]
pub fn without_separators(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_characters_stay_as_they_are() {
        assert_eq!(percent_encode("a-Z_0.9~", &[]), "a-Z_0.9~");
        assert_eq!(percent_encode("a b&c=d/é", &[]), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(
            percent_encode("/admin/users?q=a", b"/"),
            "/admin/users%3Fq%3Da"
        );
    }

    #[test]
    fn separators_are_dropped() {
        assert_eq!(without_separators(" 123 456 "), "123456");
        assert_eq!(without_separators("abcde-FGHJK"), "abcdeFGHJK");
    }
}
