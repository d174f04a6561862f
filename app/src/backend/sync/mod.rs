//! The sync engine behind the door's `Sync`, `GetItemEstimate`, `ItemOperations` and `Ping`:
//! one folder of one device at a time, for any class of item (`Class`: contacts now, the
//! calendar next), over the folders' change log. The decisions are in
//! `domain::sync_state`; this module reads and writes what they decide on, one transaction per
//! answer, and tells the user's other devices after it committed.

pub mod classes;

use crate::backend::changes::{announce, Change};
use crate::backend::error::Error;
use crate::backend::state::AppState;
use crate::backend::store::pim::folders::{self, FolderKind, FolderRow};
use crate::backend::store::sync as store;
use crate::backend::store::Connection;
use crate::domain::ids::UserId;
use crate::domain::messages::Msg;
use crate::domain::sync_state::{self, LogEntry, LoopStep, Outgoing, SyncState, Verdict};
use std::collections::{BTreeMap, BTreeSet};

pub use classes::{Changed, Class, Contacts, Empty, Events, SyncedContact, SyncedEvent};

/// Log entries read at a time while planning a window.
const LOG_PAGE: i64 = 600;

/// Which folder of which device.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub user: UserId,
    /// The device's row (`devices.id`).
    pub device: i64,
    /// The folder's server id at the door (`contacts`, `calendar`, `inbox`, …).
    pub collection: &'a str,
}

/// What the device knows about the item it changes: the properties it said it supports
/// (`None`: all) and whether it was sent the item's picture.
pub struct PatchContext<'a> {
    pub supported: Option<&'a [String]>,
    pub had_picture: bool,
}

/// A change from the device, applied to the item as stored (`None` for an add). `Err` when
/// the device's data cannot make a valid item.
pub type Patch<T> = Box<dyn FnOnce(Option<&T>, &PatchContext<'_>) -> Result<T, Msg> + Send>;

pub enum Command<T> {
    Add { client_id: String, item: Patch<T> },
    Change { server_id: String, item: Patch<T> },
    Delete { server_id: String },
    Fetch { server_id: String },
}

pub struct Request<T> {
    /// As the device sent it ("0" starts afresh).
    pub key: String,
    pub window: Option<usize>,
    pub get_changes: bool,
    /// The `Supported` properties (only read with key 0).
    pub supported: Option<Vec<String>>,
    /// The time filter (`FilterType`), if the request names one; else the one named with key 0.
    pub filter: Option<u8>,
    /// Report the device's changes to the class after they committed (`Class::changed`).
    pub report: bool,
    pub commands: Vec<Command<T>>,
}

/// MS-ASCMD Sync statuses the engine gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Success = 1,
    InvalidKey = 3,
    /// The device's data could not be made into an item.
    ConversionError = 6,
    Conflict = 7,
    NotFound = 8,
}

/// What the device is told about one of its commands (adds always; others only when not 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply<T> {
    Add {
        client_id: String,
        server_id: Option<String>,
        status: Status,
    },
    Change {
        server_id: String,
        status: Status,
    },
    Delete {
        server_id: String,
        status: Status,
    },
    Fetch {
        server_id: String,
        status: Status,
        item: Option<T>,
    },
}

/// A change the server sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerChange<T> {
    Add {
        server_id: String,
        item: T,
    },
    Change {
        server_id: String,
        item: T,
    },
    Delete {
        server_id: String,
    },
    /// The item left the device's time filter: gone from the device, not from the folder.
    SoftDelete {
        server_id: String,
    },
}

/// The answer for one collection.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer<T> {
    /// The key is not one this device holds (status 3): it starts again from 0.
    InvalidKey,
    /// Nothing to say: the collection is left out of the answer.
    Unchanged,
    Synced {
        key: String,
        changes: Vec<ServerChange<T>>,
        replies: Vec<Reply<T>>,
        more: bool,
    },
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Options {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    filter: Option<u8>,
}

/// The items of the folder outside the time filter that starts at `since`, if any.
async fn outside<C: Class>(
    db: &mut Connection,
    folder: Option<&FolderRow>,
    since: Option<i64>,
) -> Result<BTreeSet<i64>, sqlx::Error> {
    match (folder, since) {
        (Some(f), Some(since)) => C::ended_before(db, f.id, since).await,
        _ => Ok(BTreeSet::new()),
    }
}

fn parse_key(key: &str) -> Option<i64> {
    if key.is_empty() || key.len() > 18 || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse().ok()
}

fn read_state(json: Option<String>) -> Option<SyncState> {
    json.and_then(|j| serde_json::from_str(&j).ok())
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Maps and lists of numbers and strings: serialising cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn item_id(server_id: &str) -> Option<i64> {
    parse_key(server_id)
}

async fn folder<C: Class>(state: &AppState, user: UserId) -> Result<Option<FolderRow>, Error> {
    match C::KIND {
        Some(kind) => folders::default_folder(&state.pool, user, kind, state.now())
            .await
            .map(Some)
            .map_err(Error::internal),
        None => Ok(None),
    }
}

/// The log after `since` until the window is decided.
async fn plan_window(
    db: &mut Connection,
    folder: Option<&FolderRow>,
    kind: Option<FolderKind>,
    state: &SyncState,
    window: usize,
    skipped: &BTreeSet<i64>,
) -> Result<Option<sync_state::Window>, sqlx::Error> {
    let (Some(folder), Some(kind)) = (folder, kind) else {
        return Ok(sync_state::plan(state, &[], true, window, skipped));
    };
    let mut entries: Vec<LogEntry> = Vec::new();
    loop {
        let since = entries.last().map_or(state.seq, |e| e.seq);
        let Some(page) = folders::changes_since(&mut *db, folder, kind, since, LOG_PAGE).await?
        else {
            // Deletions the device never heard of were forgotten: it must start again.
            return Ok(None);
        };
        let complete = (page.len() as i64) < LOG_PAGE;
        entries.extend(page.into_iter().map(|c| LogEntry {
            item: c.item_id,
            seq: c.seq,
            deleted: c.deleted,
        }));
        if let Some(w) = sync_state::plan(state, &entries, complete, window, skipped) {
            return Ok(Some(w));
        }
    }
}

/// Answers one collection of a Sync.
pub async fn sync<C: Class>(
    state: &AppState,
    target: Target<'_>,
    request: Request<C::Item>,
) -> Result<Answer<C::Item>, Error> {
    let folder = folder::<C>(state, target.user).await?;
    let now = state.now();
    if request.key != "0" && request.commands.is_empty() {
        // The commonest request: nothing from the device, maybe nothing for it. Decided on
        // reads alone, so devices that poll do not queue behind each other's writes.
        if let Some(answer) = unchanged::<C>(
            state,
            target,
            &request.key,
            request.get_changes,
            folder.as_ref(),
            request.filter,
        )
        .await?
        {
            return Ok(answer);
        }
    }
    let mut tx = state.pool.begin().await.map_err(Error::internal)?;
    if request.key == "0" {
        let options = to_json(&Options {
            supported: request.supported,
            filter: request.filter,
        });
        let (row, key) = store::restart(&mut tx, target.device, target.collection, &options)
            .await
            .map_err(Error::internal)?;
        store::put_state(
            &mut tx,
            row.id,
            key,
            key,
            &to_json(&SyncState::default()),
            now,
        )
        .await
        .map_err(Error::internal)?;
        tx.commit().await.map_err(Error::internal)?;
        return Ok(Answer::Synced {
            key: key.to_string(),
            changes: Vec::new(),
            replies: Vec::new(),
            more: false,
        });
    }
    let Some(key) = parse_key(&request.key) else {
        return Ok(Answer::InvalidKey);
    };
    // Written first: the transaction holds the collection (and SQLite's write lock) from its
    // start, so two Syncs of one device run one after the other instead of failing.
    let Some(row) = store::lock(&mut tx, target.device, target.collection)
        .await
        .map_err(Error::internal)?
    else {
        return Ok(Answer::InvalidKey);
    };
    let newest = store::newest_key(&mut *tx, row.id)
        .await
        .map_err(Error::internal)?;
    let Some(base) = read_state(
        store::state(&mut *tx, row.id, key)
            .await
            .map_err(Error::internal)?,
    ) else {
        return Ok(Answer::InvalidKey);
    };
    // The device sent an older key than the newest: the answer that made the newest was lost.
    let lost = match newest {
        Some(n) if n > key => read_state(
            store::state(&mut *tx, row.id, n)
                .await
                .map_err(Error::internal)?,
        ),
        _ => None,
    };
    let options: Options = serde_json::from_str(&row.options).unwrap_or_default();
    let since = request
        .filter
        .or(options.filter)
        .and_then(|f| sync_state::filter_start(f, now));
    let mut skipped: BTreeSet<i64> = serde_json::from_str(&row.skipped).unwrap_or_default();
    let mut resends = 0;
    let mut narrow_until = row.narrow_until;
    if let Some(lost) = &lost {
        resends = row.resends + 1;
        match sync_state::loop_step(resends, lost) {
            LoopStep::Repeat => {}
            LoopStep::Narrow { until } => narrow_until = narrow_until.max(until),
            LoopStep::Skip(item) => {
                tracing::warn!(
                    "sync: device {} keeps failing on item {item} of {}; it is skipped for that device",
                    target.device,
                    crate::backend::log_text(target.collection)
                );
                skipped.insert(item);
            }
        }
    }

    // The device's commands, on the state it holds (plus what the lost answer already did).
    let mut working = base.clone();
    working.client_ids.clear();
    if let Some(lost) = &lost {
        working.echo.extend(lost.echo.iter().map(|(k, v)| (*k, *v)));
    }
    let mut replies = Vec::new();
    let mut wrote = false;
    let had_commands = !request.commands.is_empty();
    let supported = options.supported.as_deref();
    let mut report = (C::WATCHES && request.report).then(Vec::new);
    for command in request.commands {
        let reply = apply::<C>(
            &mut tx,
            folder.as_ref(),
            &mut working,
            lost.as_ref(),
            supported,
            command,
            now,
            &mut wrote,
            report.as_mut(),
        )
        .await?;
        replies.extend(reply);
    }

    // The server's changes, in a window.
    let mut window = sync_state::Window {
        out: Vec::new(),
        seq: working.seq,
        more: false,
    };
    let mut ended = BTreeSet::new();
    if request.get_changes {
        let size = sync_state::window_size(request.window, working.seq, narrow_until);
        ended = outside::<C>(&mut tx, folder.as_ref(), since)
            .await
            .map_err(Error::internal)?;
        let (gone, room) = sync_state::leaving(&working, &ended, size);
        window.out = gone.into_iter().map(Outgoing::Delete).collect();
        if room == 0 {
            window.more = true;
        } else {
            let hidden: BTreeSet<i64> = skipped.union(&ended).copied().collect();
            match plan_window(&mut tx, folder.as_ref(), C::KIND, &working, room, &hidden)
                .await
                .map_err(Error::internal)?
            {
                Some(w) => {
                    window.out.extend(w.out);
                    window.seq = w.seq;
                    window.more = w.more;
                }
                None => return Ok(Answer::InvalidKey),
            }
        }
    }
    if !had_commands && window.out.is_empty() && lost.is_none() {
        return Ok(Answer::Unchanged);
    }
    let ids: Vec<i64> = window
        .out
        .iter()
        .filter(|o| !matches!(o, Outgoing::Delete(_)))
        .map(|o| o.item())
        .collect();
    let mut items: BTreeMap<i64, C::Item> = match &folder {
        Some(f) => C::load(&mut tx, f.id, &ids)
            .await
            .map_err(Error::internal)?
            .into_iter()
            .collect(),
        None => BTreeMap::new(),
    };
    let mut next = working.after(&window);
    let mut changes = Vec::new();
    for o in &window.out {
        let server_id = o.item().to_string();
        match *o {
            Outgoing::Delete(i) if ended.contains(&i) => {
                changes.push(ServerChange::SoftDelete { server_id })
            }
            Outgoing::Delete(_) => changes.push(ServerChange::Delete { server_id }),
            Outgoing::Add(i) | Outgoing::Change(i) => {
                let Some(item) = items.remove(&i) else {
                    continue;
                };
                if C::has_picture(&item) {
                    next.pictures.insert(i);
                } else {
                    next.pictures.remove(&i);
                }
                changes.push(if matches!(o, Outgoing::Add(_)) {
                    ServerChange::Add { server_id, item }
                } else {
                    ServerChange::Change { server_id, item }
                });
            }
        }
    }
    let new_key = store::take_key(&mut tx, row.id)
        .await
        .map_err(Error::internal)?;
    store::put_state(&mut tx, row.id, new_key, key, &to_json(&next), now)
        .await
        .map_err(Error::internal)?;
    store::set_progress(
        &mut *tx,
        row.id,
        store::Progress {
            at: now,
            item_count: next.items.len() as i64,
            resends,
            narrow_until,
            skipped: &to_json(&skipped),
        },
    )
    .await
    .map_err(Error::internal)?;
    tx.commit().await.map_err(Error::internal)?;
    if wrote {
        if let Some(f) = &folder {
            announce(
                state,
                Change::Folder {
                    user: target.user,
                    folder: f.id,
                },
            )
            .await;
        }
    }
    if let Some(changes) = report.filter(|c| !c.is_empty()) {
        C::changed(state, target.user, changes).await;
    }
    Ok(Answer::Synced {
        key: new_key.to_string(),
        changes,
        replies,
        more: window.more,
    })
}

/// `Some` when a request without commands can be answered without writing: the key is not
/// one the device holds, or it is the newest and nothing waits for the device.
async fn unchanged<C: Class>(
    state: &AppState,
    target: Target<'_>,
    key: &str,
    get_changes: bool,
    folder: Option<&FolderRow>,
    filter: Option<u8>,
) -> Result<Option<Answer<C::Item>>, Error> {
    let err = Error::internal;
    let Some(key) = parse_key(key) else {
        return Ok(Some(Answer::InvalidKey));
    };
    let mut conn = state.pool.acquire().await.map_err(err)?;
    let Some(row) = store::collection(&mut *conn, target.device, target.collection)
        .await
        .map_err(err)?
    else {
        return Ok(Some(Answer::InvalidKey));
    };
    if store::newest_key(&mut *conn, row.id).await.map_err(err)? != Some(key) {
        // An older key (a lost answer) or an unknown one: decided under the lock.
        return Ok(None);
    }
    let Some(held) = read_state(store::state(&mut *conn, row.id, key).await.map_err(err)?) else {
        return Ok(Some(Answer::InvalidKey));
    };
    if !get_changes {
        return Ok(Some(Answer::Unchanged));
    }
    let options: Options = serde_json::from_str(&row.options).unwrap_or_default();
    let since = filter
        .or(options.filter)
        .and_then(|f| sync_state::filter_start(f, state.now()));
    let ended = outside::<C>(&mut conn, folder, since).await.map_err(err)?;
    if held.items.iter().any(|i| ended.contains(i)) {
        // Items left the device's time filter: the full path soft-deletes them.
        return Ok(None);
    }
    let mut skipped: BTreeSet<i64> = serde_json::from_str(&row.skipped).unwrap_or_default();
    skipped.extend(ended);
    let window = plan_window(&mut conn, folder, C::KIND, &held, 1, &skipped)
        .await
        .map_err(err)?;
    Ok(match window {
        Some(w) if w.out.is_empty() => Some(Answer::Unchanged),
        Some(_) => None,
        None => Some(Answer::InvalidKey),
    })
}

/// Applies one command of the device to the folder and to its state.
#[allow(clippy::too_many_arguments)]
async fn apply<C: Class>(
    tx: &mut Connection,
    folder: Option<&FolderRow>,
    working: &mut SyncState,
    lost: Option<&SyncState>,
    supported: Option<&[String]>,
    command: Command<C::Item>,
    now: i64,
    wrote: &mut bool,
    mut report: Option<&mut Vec<Changed<C::Item>>>,
) -> Result<Option<Reply<C::Item>>, Error> {
    let kind = C::KIND;
    let err = Error::internal;
    // The item as stored now (what a report names), when the class watches.
    let now_stored = async |tx: &mut Connection, id: i64| -> Result<Option<C::Item>, Error> {
        match folder {
            Some(f) if C::WATCHES => Ok(C::load(tx, f.id, &[id])
                .await
                .map_err(Error::internal)?
                .into_iter()
                .next()
                .map(|(_, item)| item)),
            _ => Ok(None),
        }
    };
    let seq_of = async |tx: &mut Connection, id: i64| -> Result<Option<i64>, Error> {
        match (folder, kind) {
            (Some(f), Some(k)) => folders::item_seq(&mut *tx, f.id, k, id).await.map_err(err),
            _ => Ok(None),
        }
    };
    Ok(match command {
        Command::Add { client_id, item } => {
            // Resent after a lost answer: the item made then is the answer again (and, unless
            // changed since, not sent back).
            if let Some((&id, lost)) = lost.and_then(|l| Some((l.client_ids.get(&client_id)?, l))) {
                if let Some(seq) = seq_of(tx, id).await? {
                    if seq <= lost.seq {
                        working.echo.insert(id, seq);
                    }
                    working.items.insert(id);
                    working.client_ids.insert(client_id.clone(), id);
                    return Ok(Some(Reply::Add {
                        client_id,
                        server_id: Some(id.to_string()),
                        status: Status::Success,
                    }));
                }
            }
            let context = PatchContext {
                supported: None,
                had_picture: false,
            };
            let (Some(f), Ok(new)) = (folder, item(None, &context).and_then(C::checked)) else {
                return Ok(Some(Reply::Add {
                    client_id,
                    server_id: None,
                    status: Status::ConversionError,
                }));
            };
            let id = C::add(tx, f.id, &new, now).await.map_err(err)?;
            let seq = folders::last_seq(&mut *tx, f.id).await.map_err(err)?;
            *wrote = true;
            if let Some(r) = report.as_deref_mut() {
                r.push(Changed {
                    before: None,
                    after: now_stored(tx, id).await?,
                    seq,
                });
            }
            working.items.insert(id);
            working.echo.insert(id, seq);
            if C::has_picture(&new) {
                working.pictures.insert(id);
            }
            working.client_ids.insert(client_id.clone(), id);
            Some(Reply::Add {
                client_id,
                server_id: Some(id.to_string()),
                status: Status::Success,
            })
        }
        Command::Change { server_id, item } => {
            let Some(id) = item_id(&server_id) else {
                return Ok(Some(Reply::Change {
                    server_id,
                    status: Status::NotFound,
                }));
            };
            let current = seq_of(tx, id).await?;
            match (sync_state::verdict(working, id, current), folder) {
                (Verdict::NotFound, _) | (_, None) => Some(Reply::Change {
                    server_id,
                    status: Status::NotFound,
                }),
                (Verdict::Conflict, _) => Some(Reply::Change {
                    server_id,
                    status: Status::Conflict,
                }),
                (Verdict::Apply, Some(f)) => {
                    let stored = C::load(tx, f.id, &[id]).await.map_err(err)?;
                    let Some((_, existing)) = stored.into_iter().next() else {
                        return Ok(Some(Reply::Change {
                            server_id,
                            status: Status::NotFound,
                        }));
                    };
                    let context = PatchContext {
                        supported,
                        had_picture: working.pictures.contains(&id),
                    };
                    match item(Some(&existing), &context).and_then(C::checked) {
                        Err(_) => Some(Reply::Change {
                            server_id,
                            status: Status::ConversionError,
                        }),
                        Ok(new) => {
                            C::replace(tx, f.id, id, &new, now).await.map_err(err)?;
                            let seq = folders::last_seq(&mut *tx, f.id).await.map_err(err)?;
                            *wrote = true;
                            if let Some(r) = report.as_deref_mut() {
                                r.push(Changed {
                                    before: Some(existing),
                                    after: now_stored(tx, id).await?,
                                    seq,
                                });
                            }
                            working.echo.insert(id, seq);
                            if C::has_picture(&new) {
                                working.pictures.insert(id);
                            } else {
                                working.pictures.remove(&id);
                            }
                            None
                        }
                    }
                }
            }
        }
        Command::Delete { server_id } => {
            let Some(id) = item_id(&server_id) else {
                return Ok(Some(Reply::Delete {
                    server_id,
                    status: Status::NotFound,
                }));
            };
            let current = seq_of(tx, id).await?;
            match (sync_state::verdict(working, id, current), folder) {
                (Verdict::NotFound, _) | (_, None) => {
                    // Already gone: what the device wanted.
                    working.items.remove(&id);
                    None
                }
                (Verdict::Conflict, _) => {
                    // The server's version wins: the device gets it back as an add in this very
                    // answer (no status: a failed delete would leave the phone's copy too).
                    working.items.remove(&id);
                    working.pictures.remove(&id);
                    None
                }
                (Verdict::Apply, Some(f)) => {
                    let before = now_stored(tx, id).await?;
                    if C::remove(tx, f.id, id, now).await.map_err(err)? {
                        let seq = folders::last_seq(&mut *tx, f.id).await.map_err(err)?;
                        *wrote = true;
                        working.echo.insert(id, seq);
                        if let Some(r) = report {
                            r.push(Changed {
                                before,
                                after: None,
                                seq,
                            });
                        }
                    }
                    working.items.remove(&id);
                    working.pictures.remove(&id);
                    None
                }
            }
        }
        Command::Fetch { server_id } => {
            let found = match (item_id(&server_id), folder) {
                (Some(id), Some(f)) => C::load(tx, f.id, &[id])
                    .await
                    .map_err(err)?
                    .into_iter()
                    .next()
                    .map(|(_, item)| item),
                _ => None,
            };
            Some(Reply::Fetch {
                server_id,
                status: if found.is_some() {
                    Status::Success
                } else {
                    Status::NotFound
                },
                item: found,
            })
        }
    })
}

/// GetItemEstimate's answer for one collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Estimate {
    /// How many changes the next Syncs bring.
    Count(usize),
    /// Sync key 0 or no Sync yet (status 3).
    NotPrimed,
    /// A key the device does not hold (status 4).
    InvalidKey,
}

pub async fn estimate<C: Class>(
    state: &AppState,
    target: Target<'_>,
    key: &str,
) -> Result<Estimate, Error> {
    let Some(row) = store::collection(&state.pool, target.device, target.collection)
        .await
        .map_err(Error::internal)?
    else {
        return Ok(Estimate::NotPrimed);
    };
    if key == "0" {
        return Ok(Estimate::NotPrimed);
    }
    let Some(key) = parse_key(key) else {
        return Ok(Estimate::InvalidKey);
    };
    let Some(held) = read_state(
        store::state(&state.pool, row.id, key)
            .await
            .map_err(Error::internal)?,
    ) else {
        return Ok(Estimate::InvalidKey);
    };
    let folder = folder::<C>(state, target.user).await?;
    let (Some(folder), Some(kind)) = (folder, C::KIND) else {
        return Ok(Estimate::Count(0));
    };
    let options: Options = serde_json::from_str(&row.options).unwrap_or_default();
    let filter_since = options
        .filter
        .and_then(|f| sync_state::filter_start(f, state.now()));
    let mut conn = state.pool.acquire().await.map_err(Error::internal)?;
    let ended = outside::<C>(&mut conn, Some(&folder), filter_since)
        .await
        .map_err(Error::internal)?;
    drop(conn);
    let mut skipped: BTreeSet<i64> = serde_json::from_str(&row.skipped).unwrap_or_default();
    skipped.extend(ended.iter().copied());
    // What left the time filter is soft-deleted by the next Sync.
    let mut count = held.items.iter().filter(|i| ended.contains(i)).count();
    let mut since = held.seq;
    loop {
        let Some(page) = folders::changes_since(&state.pool, &folder, kind, since, LOG_PAGE)
            .await
            .map_err(Error::internal)?
        else {
            return Ok(Estimate::InvalidKey);
        };
        let entries: Vec<LogEntry> = page
            .iter()
            .map(|c| LogEntry {
                item: c.item_id,
                seq: c.seq,
                deleted: c.deleted,
            })
            .collect();
        count += held.count_changes(&entries, &skipped);
        match entries.last() {
            Some(last) if entries.len() as i64 == LOG_PAGE => since = last.seq,
            _ => return Ok(Estimate::Count(count)),
        }
    }
}

/// Whether the collection has changes for the device (Ping): `None` when the device holds no
/// state for it (it must Sync first).
pub async fn has_changes<C: Class>(
    state: &AppState,
    target: Target<'_>,
) -> Result<Option<bool>, Error> {
    let Some(row) = store::collection(&state.pool, target.device, target.collection)
        .await
        .map_err(Error::internal)?
    else {
        return Ok(None);
    };
    let Some(key) = store::newest_key(&state.pool, row.id)
        .await
        .map_err(Error::internal)?
    else {
        return Ok(None);
    };
    let Some(held) = read_state(
        store::state(&state.pool, row.id, key)
            .await
            .map_err(Error::internal)?,
    ) else {
        return Ok(None);
    };
    let folder = folder::<C>(state, target.user).await?;
    let skipped: BTreeSet<i64> = serde_json::from_str(&row.skipped).unwrap_or_default();
    let mut conn = state.pool.acquire().await.map_err(Error::internal)?;
    let window = plan_window(&mut conn, folder.as_ref(), C::KIND, &held, 1, &skipped)
        .await
        .map_err(Error::internal)?;
    // A forgotten past also means "sync now" (the Sync then says start again).
    Ok(Some(window.is_none_or(|w| !w.out.is_empty())))
}

/// One item, for ItemOperations Fetch; `None` if the folder has no such item.
pub async fn fetch<C: Class>(
    state: &AppState,
    user: UserId,
    server_id: &str,
) -> Result<Option<C::Item>, Error> {
    let (Some(folder), Some(id)) = (folder::<C>(state, user).await?, item_id(server_id)) else {
        return Ok(None);
    };
    let mut conn = state.pool.acquire().await.map_err(Error::internal)?;
    Ok(C::load(&mut conn, folder.id, &[id])
        .await
        .map_err(Error::internal)?
        .into_iter()
        .next()
        .map(|(_, item)| item))
}

/// Forgets the device's collections of folders it no longer gets (FolderSync after "Sync with
/// my devices" changed).
pub async fn keep_only(state: &AppState, device: i64, collections: &[&str]) -> Result<(), Error> {
    store::drop_collections_except(&state.pool, device, collections)
        .await
        .map_err(Error::internal)
}

/// Per device: the folders it syncs, with the last successful sync and the items on it.
pub async fn collections_of(
    state: &AppState,
    devices: &[i64],
) -> Result<Vec<store::CollectionRow>, Error> {
    store::collections_of(&state.pool, devices)
        .await
        .map_err(Error::internal)
}

/// The newest key handed out for the device's collection (what it holds if it got the
/// answer), for repeating its last request.
pub async fn held_key(
    state: &AppState,
    device: i64,
    collection: &str,
) -> Result<Option<String>, Error> {
    let Some(row) = store::collection(&state.pool, device, collection)
        .await
        .map_err(Error::internal)?
    else {
        return Ok(None);
    };
    Ok(store::newest_key(&state.pool, row.id)
        .await
        .map_err(Error::internal)?
        .map(|k| k.to_string()))
}

/// The device's last Sync request (what an empty one repeats), as the door wrote it.
pub async fn set_last_request(state: &AppState, device: i64, request: &str) -> Result<(), Error> {
    store::set_last_sync_request(&state.pool, device, request)
        .await
        .map_err(Error::internal)
}

/// The device's Ping parameters (heartbeat, folders), as the door wrote them.
pub async fn set_ping(
    state: &AppState,
    device: i64,
    heartbeat: i64,
    folders: &str,
) -> Result<(), Error> {
    store::set_ping(&state.pool, device, heartbeat, folders)
        .await
        .map_err(Error::internal)
}
