//! Recovery codes (SPEC 1.3): 10 single-use codes of 10 random characters, shown once, in
//! place of a second-factor code. An alphabet without look-alikes (no 0/o, 1/l/i), written
//! in two groups of five; read back whatever the case, spaces or dashes.

pub const COUNT: usize = 10;
pub const LENGTH: usize = 10;
/// Below this many left, the user is prompted to make a new set.
pub const FEW_LEFT: u32 = 3;
pub const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// A code as shown: `abcde-fghjk`.
pub fn shown(raw: &str) -> String {
    let (a, b) = raw.split_at(raw.len().min(LENGTH / 2));
    format!("{a}-{b}")
}

/// A typed code as compared: lower case, without spaces and dashes.
pub fn normalized(typed: &str) -> String {
    crate::domain::text::without_separators(typed).to_lowercase()
}

/// Whether a typed text can be a recovery code at all (checked before any lookup).
pub fn well_formed(typed: &str) -> bool {
    let n = normalized(typed);
    n.len() == LENGTH && n.bytes().all(|b| ALPHABET.contains(&b))
}

/// The text file offered for download: the codes one per line, with what they are.
pub fn file_text(heading: &str, username: &str, codes: &[String]) -> String {
    let mut out = format!("{heading} ({username})\n\n");
    for c in codes {
        out.push_str(c);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_shown_in_two_groups() {
        assert_eq!(shown("abcdefghjk"), "abcde-fghjk");
    }

    #[test]
    fn typed_codes_are_read_whatever_the_case_spaces_and_dashes() {
        assert_eq!(normalized(" ABCDE-fghjk "), "abcdefghjk");
        assert!(well_formed("ABCDE fghjk"));
        assert!(well_formed("abcde-fghjk"));
    }

    #[test]
    fn other_texts_are_not_codes() {
        assert!(!well_formed("123456"));
        assert!(!well_formed("abcde-fghj"));
        assert!(!well_formed("abcde-fghjkm"));
        // 0, 1, i, l and o are not in the alphabet.
        assert!(!well_formed("abcde-fghj0"));
        assert!(!well_formed("abcde-fghjl"));
    }

    #[test]
    fn the_file_lists_the_codes() {
        let text = file_text("Recovery codes", "anna", &["abcde-fghjk".into()]);
        assert_eq!(text, "Recovery codes (anna)\n\nabcde-fghjk\n");
    }
}
