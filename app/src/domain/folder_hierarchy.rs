//! What a phone's folder list must change to match what the user syncs now (FolderSync).

/// The server ids a device was given, as stored (`contacts,calendar,inbox`).
pub fn parse(stored: &str) -> Vec<&str> {
    stored
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// The folders to add to the device and those to delete from it, in `now`'s order.
pub fn changes<'a>(known: &[&'a str], now: &[&'a str]) -> (Vec<&'a str>, Vec<&'a str>) {
    let adds = now.iter().filter(|k| !known.contains(k)).copied().collect();
    let deletes = known.iter().filter(|k| !now.contains(k)).copied().collect();
    (adds, deletes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_gets_what_was_turned_on_and_loses_what_was_turned_off() {
        let (c, k, i) = ("contacts", "calendar", "inbox");
        assert_eq!(changes(&[c, k, i], &[c, k, i]), (vec![], vec![]));
        assert_eq!(changes(&[c, k, i], &[k, i]), (vec![], vec![c]));
        assert_eq!(changes(&[k, i], &[c, k, i]), (vec![c], vec![]));
        assert_eq!(changes(&[], &[c, i]), (vec![c, i], vec![]));
        assert_eq!(changes(&[c], &[]), (vec![], vec![c]));
        // A device from before the mail folders existed gets them.
        assert_eq!(changes(&[c, k], &[c, k, i]), (vec![i], vec![]));
    }

    #[test]
    fn stored_lists_read_back() {
        assert_eq!(parse("contacts,calendar"), vec!["contacts", "calendar"]);
        assert_eq!(parse(""), Vec::<&str>::new());
        assert_eq!(parse("calendar, inbox"), vec!["calendar", "inbox"]);
    }
}
