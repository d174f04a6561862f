//! Ping (MS-ASCMD 2.2.1.13): push. The device names folders and a heartbeat (cached, so an
//! empty Ping reuses them); the answer comes when one of them changes (status 2), when the
//! heartbeat ends (1), when the folder list the device has is outdated (7), or when a newer
//! Ping of the same device takes over (1). A waiting Ping is a future on the user's change
//! channel (woken by the notifier, from this or another instance): no thread, no database
//! connection, no polling.

use super::{Context, Place, Reply};
use crate::eas::folders;
use crate::eas::wbxml::Element;
use app::backend::identity::UserRecord;
use app::backend::pim::watch::FolderTick;
use app::backend::state::AppState;
use app::backend::sync::{self, Contacts, Empty, Events, Target};
use app::backend::Error;
use app::domain::folder_hierarchy;
use app::domain::ids::UserId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

pub const MIN_HEARTBEAT: i64 = 60;
pub const MAX_HEARTBEAT: i64 = 3540;
/// The most folders one Ping may watch (status 6 beyond).
pub const MAX_FOLDERS: usize = 50;

/// The waiting Ping of each device: a newer one ends the older.
#[derive(Default)]
pub struct Waiting {
    next: AtomicU64,
    devices: Mutex<HashMap<i64, (u64, Arc<Notify>)>>,
    /// Set when the instance drains (SIGTERM): every wait ends at once, and so does any new one.
    draining: AtomicBool,
    drain: Notify,
}

impl Waiting {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (u64, Arc<Notify>)>> {
        // The map stays whole if a holder panicked: keep using it.
        self.devices.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers the device's new wait (a Ping, or a Sync that waits), ending the one it had.
    /// The wait is forgotten when the returned guard goes, also when the phone hangs up.
    pub(super) fn start(&self, device: i64) -> WaitGuard<'_> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let notify = Arc::new(Notify::new());
        if let Some((_, older)) = self.lock().insert(device, (id, notify.clone())) {
            older.notify_one();
        }
        WaitGuard {
            waiting: self,
            device,
            id,
            superseded: notify,
        }
    }

    /// The instance is going away: every waiting Ping (and Sync) answers now, so its phone
    /// asks again, through the proxy, of another instance.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.drain.notify_waiters();
    }

    async fn drained(&self) {
        // Made before the flag is read: a `drain` in between still wakes it.
        let notified = self.drain.notified();
        if self.draining.load(Ordering::SeqCst) {
            return;
        }
        notified.await;
    }

    /// How many Pings wait now (for figures).
    pub fn count(&self) -> usize {
        self.lock().len()
    }
}

/// A device's current wait; `superseded` fires when a newer one starts.
pub(super) struct WaitGuard<'a> {
    waiting: &'a Waiting,
    device: i64,
    id: u64,
    pub superseded: Arc<Notify>,
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        let mut map = self.waiting.lock();
        if map.get(&self.device).is_some_and(|(i, _)| *i == self.id) {
            map.remove(&self.device);
        }
    }
}

/// What ended a wait.
pub(super) enum Woken {
    /// Something changed in one of the user's folders: look again.
    Changed,
    /// The heartbeat ended, or a newer wait of the device took over.
    Over,
}

/// Waits for a change of the user's folders, the deadline, or a newer wait of the device.
pub(super) async fn wait(
    changes: &mut tokio::sync::watch::Receiver<FolderTick>,
    guard: &WaitGuard<'_>,
    deadline: tokio::time::Instant,
) -> Woken {
    tokio::select! {
        woken = changes.changed() => if woken.is_ok() { Woken::Changed } else { Woken::Over },
        _ = guard.superseded.notified() => Woken::Over,
        () = guard.waiting.drained() => Woken::Over,
        _ = tokio::time::sleep_until(deadline) => Woken::Over,
    }
}

/// Whether `user` still exists with the credentials a waiting request signed in under.
pub(super) async fn still_signed_in(state: &AppState, user: &UserRecord) -> Result<bool, Error> {
    let now = app::backend::activesync::door::account(state, user.id).await?;
    let same = now.is_some_and(|u| u.credential_version == user.credential_version);
    if !same {
        signed_in_under_old_credentials(state, user.id);
    }
    Ok(same)
}

/// A request signed in with a record older than the stored one (the door's cached check,
/// before this instance heard of the change): the phone's next request is checked afresh,
/// so it is told "ask again" once, not in a loop.
fn signed_in_under_old_credentials(state: &AppState, user: UserId) {
    state.credentials.bump_user(user);
}

fn status(s: &str) -> Element {
    Element::new("Ping", "Ping").child(Element::leaf("Ping", "Status", s))
}

/// Checks the Ping and starts its wait: a wrong Ping is answered now, a right one is
/// `Reply::Wait` (its first look for changes is the wait's).
pub async fn handle<'s>(
    cx: &Context<'s, '_>,
    request: Option<&Element>,
) -> Result<Reply<'s>, Error> {
    let now = |answer| Ok(Reply::Now(Some(answer)));
    let heartbeat = request
        .and_then(|r| r.get_text("Ping", "HeartbeatInterval"))
        .map(|h| h.trim().parse::<i64>());
    let named: Option<Vec<String>> = request.and_then(|r| r.get("Ping", "Folders")).map(|f| {
        f.elements()
            .filter_map(|folder| folder.get_text("Ping", "Id"))
            .map(str::to_string)
            .collect()
    });
    let heartbeat = match heartbeat {
        Some(Err(_)) => return now(status("4")),
        Some(Ok(h)) if h < MIN_HEARTBEAT => {
            return now(status("5").child(Element::leaf(
                "Ping",
                "HeartbeatInterval",
                MIN_HEARTBEAT.to_string(),
            )))
        }
        Some(Ok(h)) if h > MAX_HEARTBEAT => {
            return now(status("5").child(Element::leaf(
                "Ping",
                "HeartbeatInterval",
                MAX_HEARTBEAT.to_string(),
            )))
        }
        Some(Ok(h)) => Some(h),
        None => None,
    };
    if named.as_ref().is_some_and(|n| n.len() > MAX_FOLDERS) {
        return now(status("6").child(Element::leaf(
            "Ping",
            "MaxFolders",
            MAX_FOLDERS.to_string(),
        )));
    }
    // What the device asked for before fills in what it left out.
    let (cached_heartbeat, cached_folders) = (cx.device.ping_heartbeat, &cx.device.ping_folders);
    let Some(heartbeat) = heartbeat.or(cached_heartbeat) else {
        return now(status("3"));
    };
    let folders_list = match named {
        Some(n) if !n.is_empty() => n,
        _ => cached_folders
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    };
    if folders_list.is_empty() {
        return now(status("3"));
    }
    let joined = folders_list.join(",");
    if Some(heartbeat) != cached_heartbeat || joined != *cached_folders {
        sync::set_ping(cx.state, cx.device.id, heartbeat, &joined).await?;
    }

    let guard = cx.waiting.start(cx.device.id);
    // Subscribed before the first look: a change between the look and the wait still wakes it.
    let changes = cx.state.folders.subscribe(cx.user.id);
    Ok(Reply::Wait(Pending {
        state: cx.state,
        user: cx.user.id,
        device: cx.device.id,
        given: cx.device.folders_offered.clone(),
        named: folders_list,
        signed_in_as: cx.user.credential_version,
        guard,
        changes,
        deadline: tokio::time::Instant::now() + std::time::Duration::from_secs(heartbeat as u64),
    }))
}

/// A Ping that waits, with what the wait needs and nothing of its request: a phone holds it
/// for up to an hour, and the request's device row, parameters and WBXML are let go before it
/// waits (the user's record is shared with the sign-in cache).
pub struct Pending<'s> {
    state: &'s AppState,
    user: UserId,
    device: i64,
    /// The folders the device was last given (an outdated list ends the wait with status 7).
    given: String,
    /// The folders it watches.
    named: Vec<String>,
    /// The user's credential version the request signed in under: once it moves (a password,
    /// 2FA, the account or ActiveSync switched off, the device blocked), the wait ends.
    signed_in_as: i64,
    guard: WaitGuard<'s>,
    changes: tokio::sync::watch::Receiver<FolderTick>,
    deadline: tokio::time::Instant,
}

impl Pending<'_> {
    /// Looks for changes (in the request's `place`), then waits for one (or the end) without
    /// a place, and looks again in a new one.
    pub async fn answer(mut self, place: Place) -> Result<Element, Error> {
        loop {
            // Boxed: its database reads' state is not kept in the wait's for the hour it may
            // last.
            if let Some(answer) = Box::pin(self.look()).await? {
                return Ok(answer);
            }
            place.give_back();
            if let Woken::Over = wait(&mut self.changes, &self.guard, self.deadline).await {
                return Ok(status("1"));
            }
            place.take_again().await;
        }
    }

    /// Status 7 if the folder list is outdated, 2 with the changed folders, `None` to wait
    /// on. A user gone, or whose credentials changed since the Ping signed in, gets status 1:
    /// the phone asks again and the door checks it afresh (refused if it must be). Checked on
    /// the first look too, for a change committed between the sign-in and the subscription.
    async fn look(&self) -> Result<Option<Element>, Error> {
        // The user as stored now: "Sync with my devices" may have changed while waiting.
        let Some(user) = app::backend::activesync::door::account(self.state, self.user).await?
        else {
            return Ok(Some(status("1")));
        };
        let offered = folders::offered(&user);
        let given = folder_hierarchy::parse(&self.given);
        let now: Vec<&str> = offered.iter().map(|f| f.id).collect();
        if given != now || self.named.iter().any(|n| !now.contains(&n.as_str())) {
            return Ok(Some(status("7")));
        }
        if user.credential_version != self.signed_in_as {
            signed_in_under_old_credentials(self.state, self.user);
            return Ok(Some(status("1")));
        }
        let mut changed = Vec::new();
        for name in &self.named {
            let target = Target {
                user: user.id,
                device: self.device,
                collection: name,
            };
            let has = match offered.iter().find(|f| f.id == name).and_then(|f| f.kind) {
                Some(app::domain::model::folders::FolderKind::Contacts) => {
                    sync::has_changes::<Contacts>(self.state, target).await?
                }
                Some(app::domain::model::folders::FolderKind::Calendar) => {
                    sync::has_changes::<Events>(self.state, target).await?
                }
                None => sync::has_changes::<Empty>(self.state, target).await?,
            };
            // Never synced: the device must Sync it (its first answer primes it).
            if has != Some(false) {
                changed.push(name.clone());
            }
        }
        if changed.is_empty() {
            return Ok(None);
        }
        let list = changed
            .into_iter()
            .fold(Element::new("Ping", "Folders"), |l, f| {
                l.child(Element::leaf("Ping", "Folder", f))
            });
        Ok(Some(status("2").child(list)))
    }
}
