//! Base64 as phones send it: in `Authorization: Basic` and in the encoded request line, with
//! or without padding, standard or URL-safe alphabet. `None` for anything else.

pub fn decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn both_alphabets_with_or_without_padding() {
        assert_eq!(decode("YW5uYTpwdw==").as_deref(), Some(&b"anna:pw"[..]));
        assert_eq!(decode("YW5uYTpwdw").as_deref(), Some(&b"anna:pw"[..]));
        assert_eq!(decode("-_8").as_deref(), decode("+/8").as_deref());
        assert_eq!(decode("a b"), None);
    }
}
