//! Picks the interface language from an `Accept-Language` header (RFC 9110 §12.5.4).

use super::Lang;

/// The supported language the browser ranks highest; English when none matches.
#[must_use]
pub fn from_accept_language(header: &str) -> Lang {
    let mut best: Option<(f32, usize, Lang)> = None;
    for (position, item) in header.split(',').enumerate() {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let primary = tag.split('-').next().unwrap_or("");
        let Some(lang) = Lang::from_code(primary) else {
            continue;
        };
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality <= 0.0 {
            continue;
        }
        // Higher quality wins; on a tie the earlier entry does.
        let better = match best {
            None => true,
            Some((q, _, _)) => quality > q,
        };
        if better {
            best = Some((quality, position, lang));
        }
    }
    best.map(|(_, _, lang)| lang).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_browser_gets_italian() {
        assert_eq!(from_accept_language("it-IT,it;q=0.9,en;q=0.8"), Lang::It);
    }

    #[test]
    fn english_first_gets_english() {
        assert_eq!(from_accept_language("en-US,en;q=0.9,it;q=0.8"), Lang::En);
    }

    #[test]
    fn quality_beats_order() {
        assert_eq!(from_accept_language("en;q=0.5, it;q=0.9"), Lang::It);
    }

    #[test]
    fn unsupported_languages_are_skipped() {
        assert_eq!(from_accept_language("fr-FR,fr;q=0.9,it;q=0.5"), Lang::It);
    }

    #[test]
    fn zero_quality_means_not_acceptable() {
        assert_eq!(from_accept_language("it;q=0, en;q=0.1"), Lang::En);
    }

    #[test]
    fn empty_or_garbage_falls_back_to_english() {
        assert_eq!(from_accept_language(""), Lang::En);
        assert_eq!(from_accept_language(";;;,,q=x"), Lang::En);
    }
}
