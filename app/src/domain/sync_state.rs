//! What one device holds of one folder between two Syncs, and the decisions made on it
//! (MS-ASCMD Sync): what the next window sends, which of the device's own changes are not
//! echoed back, when a change from the device loses to the server's, and how a device that
//! keeps failing on one item is narrowed down to it. Pure: the backend reads the change log
//! and stores the states.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The largest window a device may ask for (MS-ASCMD: WindowSize 1–512).
pub const MAX_WINDOW: usize = 512;
/// The window when the device names none.
pub const DEFAULT_WINDOW: usize = 100;
/// A device that resends the same key this often is failing on something in the answer: its
/// windows shrink to one item until it is past what that answer held.
pub const RESENDS_BEFORE_NARROWING: i64 = 3;
/// ... and an item it still fails on, alone in a window, this often in all is skipped.
pub const RESENDS_BEFORE_SKIPPING: i64 = 5;

/// A device's state of a folder after an answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// Position in the folder's change log: every change up to it is on the device (or was
    /// deliberately not sent).
    pub seq: i64,
    /// The items on the device.
    #[serde(default)]
    pub items: BTreeSet<i64>,
    /// Items the device was sent with a picture (an empty `Picture` from it then means
    /// "removed"; otherwise it means nothing).
    #[serde(default)]
    pub pictures: BTreeSet<i64>,
    /// The device's own changes not yet passed: item → the sequence number its change got.
    #[serde(default)]
    pub echo: BTreeMap<i64, i64>,
    /// The ClientIds of the device's adds in the answer that made this state → the items made.
    #[serde(default)]
    pub client_ids: BTreeMap<String, i64>,
    /// What the answer that made this state sent (a bad item is among them).
    #[serde(default)]
    pub sent: Vec<i64>,
}

/// One entry of the change log: the item's latest change after the state's position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub item: i64,
    pub seq: i64,
    pub deleted: bool,
}

/// What an answer tells the device about one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outgoing {
    Add(i64),
    Change(i64),
    Delete(i64),
}

impl Outgoing {
    pub fn item(self) -> i64 {
        match self {
            Outgoing::Add(i) | Outgoing::Change(i) | Outgoing::Delete(i) => i,
        }
    }
}

/// The next window: what to send, the position after it, and whether more is waiting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub out: Vec<Outgoing>,
    pub seq: i64,
    pub more: bool,
}

/// What the device must be told about one log entry, if anything.
fn outgoing(state: &SyncState, skipped: &BTreeSet<i64>, e: &LogEntry) -> Option<Outgoing> {
    if skipped.contains(&e.item) || state.echo.get(&e.item) == Some(&e.seq) {
        return None;
    }
    let on_device = state.items.contains(&e.item);
    match (e.deleted, on_device) {
        (true, true) => Some(Outgoing::Delete(e.item)),
        (true, false) => None,
        (false, true) => Some(Outgoing::Change(e.item)),
        (false, false) => Some(Outgoing::Add(e.item)),
    }
}

/// Plans the next window from the log entries after `state.seq` (oldest first). `complete`
/// says the entries reach the end of the log; if they do not and the window cannot be decided
/// yet, `None`: read more and ask again.
pub fn plan(
    state: &SyncState,
    entries: &[LogEntry],
    complete: bool,
    window: usize,
    skipped: &BTreeSet<i64>,
) -> Option<Window> {
    let window = window.clamp(1, MAX_WINDOW);
    let mut out = Vec::new();
    let mut seq = state.seq;
    for e in entries {
        match outgoing(state, skipped, e) {
            Some(_) if out.len() == window => {
                return Some(Window {
                    out,
                    seq,
                    more: true,
                })
            }
            Some(o) => out.push(o),
            None => {}
        }
        seq = e.seq;
    }
    complete.then_some(Window {
        out,
        seq,
        more: false,
    })
}

impl SyncState {
    /// The state after the device received `window` (and, before it, applied its own changes
    /// recorded in `self.echo`): items added and removed, the position moved on, echoes it
    /// passed forgotten.
    pub fn after(&self, window: &Window) -> SyncState {
        let mut next = self.clone();
        for o in &window.out {
            match *o {
                Outgoing::Add(i) | Outgoing::Change(i) => {
                    next.items.insert(i);
                }
                Outgoing::Delete(i) => {
                    next.items.remove(&i);
                    next.pictures.remove(&i);
                }
            }
        }
        next.seq = window.seq.max(self.seq);
        next.echo.retain(|_, seq| *seq > next.seq);
        next.sent = window.out.iter().map(|o| o.item()).collect();
        next
    }

    /// How many of `entries` (the log after `seq`) are for the device.
    pub fn count_changes(&self, entries: &[LogEntry], skipped: &BTreeSet<i64>) -> usize {
        entries
            .iter()
            .filter(|e| outgoing(self, skipped, e).is_some())
            .count()
    }

    /// Whether anything in `entries` (the log after `seq`) is for the device.
    pub fn has_changes(&self, entries: &[LogEntry], skipped: &BTreeSet<i64>) -> bool {
        entries.iter().any(|e| outgoing(self, skipped, e).is_some())
    }
}

/// How a change or delete from the device meets the item as it is now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Apply,
    /// Changed on the server since the device last heard of it: the server wins (status 7),
    /// and the device gets the server's version in the same answer.
    Conflict,
    /// No such item (status 8).
    NotFound,
}

/// `current_seq`: the item's latest sequence number, `None` if it does not exist.
pub fn verdict(state: &SyncState, item: i64, current_seq: Option<i64>) -> Verdict {
    match current_seq {
        None => Verdict::NotFound,
        Some(seq) if seq > state.seq && state.echo.get(&item) != Some(&seq) => Verdict::Conflict,
        Some(_) => Verdict::Apply,
    }
}

/// The window to send: what the device asked for, or one item while it is being narrowed down
/// to the item it fails on (`narrow_until`: the position past the answer it failed on).
pub fn window_size(requested: Option<usize>, state_seq: i64, narrow_until: i64) -> usize {
    if state_seq < narrow_until {
        1
    } else {
        requested.unwrap_or(DEFAULT_WINDOW).clamp(1, MAX_WINDOW)
    }
}

/// The start of a calendar's time filter (MS-ASCMD `FilterType`) at `now`: items that ended
/// before it are not on the device. `None`: everything (0, or a filter calendars do not have).
pub fn filter_start(filter: u8, now: i64) -> Option<i64> {
    const DAY: i64 = 86_400;
    let days = match filter {
        1 => 1,
        2 => 3,
        3 => 7,
        4 => 14,
        5 => 31,
        6 => 93,
        7 => 186,
        _ => return None,
    };
    Some(now - days * DAY)
}

/// The items the device holds that have left its time filter (`outside`): they go first, as
/// soft deletions, at most a window of them. Also the room left in the window for the log.
pub fn leaving(state: &SyncState, outside: &BTreeSet<i64>, window: usize) -> (Vec<i64>, usize) {
    let window = window.clamp(1, MAX_WINDOW);
    let gone: Vec<i64> = state
        .items
        .iter()
        .filter(|i| outside.contains(i))
        .take(window)
        .copied()
        .collect();
    let room = window - gone.len();
    (gone, room)
}

/// What to do when a device resends an old key for the `resends`-th time in a row, the lost
/// answer having sent `lost`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoopStep {
    /// Answer again as asked (a lost answer is normal).
    Repeat,
    /// Narrow the windows to one item until the device is past `until`.
    Narrow { until: i64 },
    /// The item alone fails again and again: skip it for this device.
    Skip(i64),
}

pub fn loop_step(resends: i64, lost: &SyncState) -> LoopStep {
    match lost.sent.as_slice() {
        [item] if resends >= RESENDS_BEFORE_SKIPPING => LoopStep::Skip(*item),
        _ if resends == RESENDS_BEFORE_NARROWING => LoopStep::Narrow { until: lost.seq },
        _ => LoopStep::Repeat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_filters_reach_back_as_far_as_their_names_say() {
        let now = 100 * 86_400;
        assert_eq!(filter_start(0, now), None, "all");
        assert_eq!(filter_start(4, now), Some(86 * 86_400), "two weeks");
        assert_eq!(filter_start(5, now), Some(69 * 86_400), "a month");
        assert_eq!(filter_start(7, now), Some(now - 186 * 86_400), "six months");
        assert_eq!(
            filter_start(8, now),
            None,
            "incomplete tasks: not a calendar filter"
        );
    }

    #[test]
    fn items_that_left_the_filter_go_first_and_fill_at_most_a_window() {
        let state = SyncState {
            items: [1, 2, 3, 4].into_iter().collect(),
            ..SyncState::default()
        };
        let outside: BTreeSet<i64> = [2, 3, 9].into_iter().collect();
        assert_eq!(leaving(&state, &outside, 10), (vec![2, 3], 8));
        assert_eq!(leaving(&state, &outside, 1), (vec![2], 0));
        assert_eq!(leaving(&state, &BTreeSet::new(), 5), (vec![], 5));
    }

    fn e(item: i64, seq: i64) -> LogEntry {
        LogEntry {
            item,
            seq,
            deleted: false,
        }
    }

    fn gone(item: i64, seq: i64) -> LogEntry {
        LogEntry {
            item,
            seq,
            deleted: true,
        }
    }

    fn state(seq: i64, items: &[i64]) -> SyncState {
        SyncState {
            seq,
            items: items.iter().copied().collect(),
            ..SyncState::default()
        }
    }

    const NONE: &BTreeSet<i64> = &BTreeSet::new();

    #[test]
    fn new_items_are_adds_known_ones_changes_and_deletes_only_of_what_the_device_has() {
        let s = state(10, &[1, 2]);
        let w = plan(
            &s,
            &[e(1, 11), gone(2, 12), e(3, 13), gone(4, 14)],
            true,
            100,
            NONE,
        )
        .unwrap();
        assert_eq!(
            w.out,
            vec![Outgoing::Change(1), Outgoing::Delete(2), Outgoing::Add(3)]
        );
        assert_eq!(
            (w.seq, w.more),
            (14, false),
            "the unknown deletion is passed"
        );
        let next = s.after(&w);
        assert_eq!(next.items, [1, 3].into_iter().collect());
        assert_eq!(next.seq, 14);
        assert_eq!(next.sent, vec![1, 2, 3]);
    }

    #[test]
    fn windows_stop_at_the_last_item_sent_and_say_more_is_waiting() {
        let s = state(0, &[]);
        let log: Vec<LogEntry> = (1..=5).map(|i| e(i, i * 10)).collect();
        let w = plan(&s, &log, true, 2, NONE).unwrap();
        assert_eq!(w.out, vec![Outgoing::Add(1), Outgoing::Add(2)]);
        assert_eq!((w.seq, w.more), (20, true));
        let s = s.after(&w);
        let rest: Vec<LogEntry> = log.iter().filter(|x| x.seq > s.seq).copied().collect();
        let w = plan(&s, &rest, true, 2, NONE).unwrap();
        assert_eq!((w.seq, w.more), (40, true));
        let s = s.after(&w);
        let w = plan(&s, &log[4..], true, 2, NONE).unwrap();
        assert_eq!((w.out, w.seq, w.more), (vec![Outgoing::Add(5)], 50, false));
        // Exactly a window's worth left: nothing more.
        let w = plan(&state(0, &[]), &log[..2], true, 2, NONE).unwrap();
        assert!(!w.more);
    }

    #[test]
    fn an_undecided_window_asks_for_more_of_the_log() {
        let s = state(0, &[]);
        assert_eq!(plan(&s, &[e(1, 1)], false, 2, NONE), None);
        // Deletions of items the device never had fill no window.
        assert_eq!(plan(&s, &[gone(1, 1), gone(2, 2)], false, 1, NONE), None);
        let w = plan(&s, &[e(1, 1), e(2, 2)], false, 1, NONE).unwrap();
        assert!(w.more, "decided without the rest of the log");
        let w = plan(&s, &[], true, 1, NONE).unwrap();
        assert_eq!((w.out.len(), w.seq, w.more), (0, 0, false));
    }

    #[test]
    fn the_devices_own_changes_are_not_echoed_back_unless_changed_again() {
        let mut s = state(10, &[1, 2]);
        s.echo = [(1, 11), (2, 12)].into_iter().collect();
        let w = plan(&s, &[e(1, 11), e(2, 15)], true, 100, NONE).unwrap();
        assert_eq!(
            w.out,
            vec![Outgoing::Change(2)],
            "2 was changed in the console after"
        );
        let next = s.after(&w);
        assert!(next.echo.is_empty(), "echoes passed are forgotten");
        assert!(!s.has_changes(&[e(1, 11)], NONE));
        assert_eq!(s.count_changes(&[e(1, 11), e(2, 15), gone(7, 16)], NONE), 1);
        assert!(s.has_changes(&[e(1, 11), e(2, 15)], NONE));
    }

    #[test]
    fn echoes_ahead_of_a_window_are_kept() {
        let mut s = state(0, &[]);
        s.echo = [(9, 30)].into_iter().collect();
        let w = plan(&s, &[e(1, 10), e(2, 20), e(9, 30)], true, 1, NONE).unwrap();
        let next = s.after(&w);
        assert_eq!(next.seq, 10);
        assert_eq!(next.echo.get(&9), Some(&30));
    }

    #[test]
    fn skipped_items_are_never_sent() {
        let skipped: BTreeSet<i64> = [2].into_iter().collect();
        let w = plan(
            &state(0, &[]),
            &[e(1, 1), e(2, 2), e(3, 3)],
            true,
            2,
            &skipped,
        )
        .unwrap();
        assert_eq!(w.out, vec![Outgoing::Add(1), Outgoing::Add(3)]);
        assert!(!w.more);
    }

    #[test]
    fn the_server_wins_a_conflict() {
        let mut s = state(10, &[1, 2, 3]);
        s.echo = [(3, 12)].into_iter().collect();
        assert_eq!(verdict(&s, 1, Some(9)), Verdict::Apply);
        assert_eq!(verdict(&s, 1, Some(10)), Verdict::Apply);
        assert_eq!(verdict(&s, 2, Some(11)), Verdict::Conflict);
        assert_eq!(
            verdict(&s, 3, Some(12)),
            Verdict::Apply,
            "its own earlier change"
        );
        assert_eq!(verdict(&s, 3, Some(13)), Verdict::Conflict);
        assert_eq!(verdict(&s, 4, None), Verdict::NotFound);
    }

    #[test]
    fn windows_follow_the_request_within_bounds_and_shrink_while_narrowing() {
        assert_eq!(window_size(None, 0, 0), DEFAULT_WINDOW);
        assert_eq!(window_size(Some(5), 0, 0), 5);
        assert_eq!(window_size(Some(0), 0, 0), 1);
        assert_eq!(window_size(Some(100_000), 0, 0), MAX_WINDOW);
        assert_eq!(window_size(Some(100), 10, 50), 1);
        assert_eq!(window_size(Some(100), 50, 50), 100);
    }

    #[test]
    fn a_device_failing_on_an_answer_is_narrowed_to_the_bad_item_which_is_then_skipped() {
        let lost = SyncState {
            seq: 40,
            sent: vec![1, 2, 3],
            ..SyncState::default()
        };
        assert_eq!(loop_step(1, &lost), LoopStep::Repeat);
        assert_eq!(loop_step(2, &lost), LoopStep::Repeat);
        assert_eq!(loop_step(3, &lost), LoopStep::Narrow { until: 40 });
        assert_eq!(
            loop_step(6, &lost),
            LoopStep::Repeat,
            "several items: keep narrowing"
        );
        let alone = SyncState {
            seq: 30,
            sent: vec![2],
            ..SyncState::default()
        };
        assert_eq!(loop_step(4, &alone), LoopStep::Repeat);
        assert_eq!(loop_step(5, &alone), LoopStep::Skip(2));
    }

    #[test]
    fn states_read_back_from_json_and_old_ones_fill_in() {
        let mut s = state(7, &[1, 2]);
        s.client_ids.insert("c1".into(), 2);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<SyncState>(&json).unwrap(), s);
        let bare: SyncState = serde_json::from_str(r#"{"seq":3}"#).unwrap();
        assert_eq!(bare.seq, 3);
    }
}
