//! Sync (MS-ASCMD 2.2.1.21): reads each collection of the request, hands it to the sync
//! engine with the class's codec, and writes the answers. Collections with nothing to say are
//! left out; when nothing at all changed the answer is an empty 200. An empty request repeats
//! the device's last one (its collections at the keys it holds now), or gets status 13.

use super::{ping, Context};
use crate::eas::folders::{self, DoorFolder};
use crate::eas::items::{contact, event};
use crate::eas::wbxml::Element;
use app::backend::pim::recurrence;
use app::backend::sync::{
    self, Answer, Class, Command, Contacts, Empty, Events, PatchContext, Reply, Request,
    ServerChange, Status, SyncedContact, SyncedEvent, Target,
};
use app::backend::Error;
use app::domain::folder_hierarchy;
use app::domain::messages::Msg;
use app::domain::model::calendar::Exception;
use app::domain::model::folders::FolderKind;
use serde::{Deserialize, Serialize};

/// Status 12: the folder is not one the device gets now (it must FolderSync).
const HIERARCHY_CHANGED: &str = "12";
/// Status 13: an empty request with nothing to repeat.
const NOTHING_TO_REPEAT: &str = "13";
/// Status 4: the request is malformed.
const PROTOCOL_ERROR: &str = "4";
/// Status 14: `Wait` or `HeartbeatInterval` out of bounds (with the bound in `Limit`).
const INVALID_WAIT: &str = "14";

/// What an empty Sync repeats: each collection's id and window.
#[derive(Serialize, Deserialize, Default)]
struct Cached {
    collections: Vec<(String, Option<usize>)>,
}

fn leaf(tag: &str, text: impl Into<String>) -> Element {
    Element::leaf("AirSync", tag, text)
}

fn top_status(status: &str) -> Element {
    Element::new("AirSync", "Sync").child(leaf("Status", status))
}

/// The answer: `None` for an empty 200 (nothing changed anywhere).
pub async fn handle(
    cx: &Context<'_, '_>,
    request: Option<&Element>,
) -> Result<Option<Element>, Error> {
    let repeated;
    let request = match request {
        Some(r) => r,
        None => match repeat(cx).await? {
            Some(r) => {
                repeated = r;
                &repeated
            }
            None => return Ok(Some(top_status(NOTHING_TO_REPEAT))),
        },
    };
    let Some(collections) = request.get("AirSync", "Collections") else {
        return Ok(Some(top_status(PROTOCOL_ERROR)));
    };
    let wait = match long_poll(request) {
        Ok(w) => w,
        Err(limit) => {
            return Ok(Some(
                top_status(INVALID_WAIT).child(leaf("Limit", limit.to_string())),
            ))
        }
    };
    // Subscribed before the first look: a change between the look and the wait still wakes it.
    let mut changes = wait.map(|_| cx.state.folders.subscribe(cx.user.id));
    let default_window = request
        .get_text("AirSync", "WindowSize")
        .and_then(|w| w.parse().ok());
    let cached = Cached {
        collections: collections
            .elements()
            .filter(|e| e.is("AirSync", "Collection"))
            .map(|c| {
                let id = c.get_text("AirSync", "CollectionId").unwrap_or_default();
                let window = c
                    .get_text("AirSync", "WindowSize")
                    .and_then(|w| w.parse().ok())
                    .or(default_window);
                (id.to_string(), window)
            })
            .collect(),
    };
    if !cached.collections.is_empty() {
        // Written only when it differs: a phone repeats the same request all day.
        let json = serde_json::to_string(&cached).unwrap_or_default();
        if json != cx.device.last_sync_request {
            sync::set_last_request(cx.state, cx.device.id, &json).await?;
        }
    }
    let mut answers = answer_all(cx, collections, &cached).await?;
    // A long-poll Sync (Wait or HeartbeatInterval) with nothing to say waits like a Ping. (With
    // nothing to say, the request held no commands: answering it again applies nothing twice.)
    if let (Some(seconds), Some(changes)) = (wait, changes.as_mut()) {
        let guard = cx.waiting.start(cx.device.id);
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
        // Checked once subscribed, so a change committed since the sign-in is not missed; and
        // again after each wake: with new credentials the phone asks again and is checked.
        let mut signed_in = ping::still_signed_in(cx.state, cx.user).await?;
        while answers.is_empty() && signed_in {
            // Waiting is not work: the place goes to another request meanwhile.
            cx.place.give_back();
            if let ping::Woken::Over = ping::wait(changes, &guard, deadline).await {
                break;
            }
            cx.place.take_again().await;
            signed_in = ping::still_signed_in(cx.state, cx.user).await?;
            if signed_in {
                answers = answer_all(cx, collections, &cached).await?;
            }
        }
    }
    if answers.is_empty() {
        return Ok(None);
    }
    let collections = answers
        .into_iter()
        .fold(Element::new("AirSync", "Collections"), Element::child);
    Ok(Some(Element::new("AirSync", "Sync").child(collections)))
}

/// Each collection's answer, those with nothing to say left out.
async fn answer_all(
    cx: &Context<'_, '_>,
    collections: &Element,
    cached: &Cached,
) -> Result<Vec<Element>, Error> {
    let mut answers = Vec::new();
    let list = collections
        .elements()
        .filter(|e| e.is("AirSync", "Collection"));
    for (collection, (id, window)) in list.zip(&cached.collections) {
        if let Some(answer) = one(cx, collection, id, *window).await? {
            answers.push(answer);
        }
    }
    Ok(answers)
}

/// How long a long-poll Sync may wait, in seconds: `Wait` in minutes (1–59) or
/// `HeartbeatInterval` in seconds (60–3540). `Err` with the bound it crossed (status 14).
fn long_poll(request: &Element) -> Result<Option<u64>, u64> {
    let number = |tag| {
        request
            .get_text("AirSync", tag)
            .map(|v| v.trim().parse::<u64>())
    };
    match (number("Wait"), number("HeartbeatInterval")) {
        (Some(Ok(m)), _) if (1..=59).contains(&m) => Ok(Some(m * 60)),
        (Some(Ok(0)) | Some(Err(_)), _) => Err(1),
        (Some(Ok(_)), _) => Err(59),
        (None, Some(Ok(s))) if (60..=3540).contains(&s) => Ok(Some(s)),
        (None, Some(Ok(s))) if s > 3540 => Err(3540),
        (None, Some(_)) => Err(60),
        (None, None) => Ok(None),
    }
}

/// The device's last request again, at the keys it holds now.
async fn repeat(cx: &Context<'_, '_>) -> Result<Option<Element>, Error> {
    let Ok(cached) = serde_json::from_str::<Cached>(&cx.device.last_sync_request) else {
        return Ok(None);
    };
    let mut collections = Element::new("AirSync", "Collections");
    for (id, window) in cached.collections {
        let Some(key) = sync::held_key(cx.state, cx.device.id, &id).await? else {
            continue;
        };
        let mut c = Element::new("AirSync", "Collection")
            .child(leaf("SyncKey", key))
            .child(leaf("CollectionId", id));
        if let Some(w) = window {
            c = c.child(leaf("WindowSize", w.to_string()));
        }
        collections = collections.child(c);
    }
    if collections.children.is_empty() {
        return Ok(None);
    }
    Ok(Some(Element::new("AirSync", "Sync").child(collections)))
}

fn collection_status(key: &str, id: &str, status: &str) -> Element {
    Element::new("AirSync", "Collection")
        .child(leaf("SyncKey", key))
        .child(leaf("CollectionId", id))
        .child(leaf("Status", status))
}

/// One collection's answer; `None` to leave it out.
async fn one(
    cx: &Context<'_, '_>,
    collection: &Element,
    id: &str,
    window: Option<usize>,
) -> Result<Option<Element>, Error> {
    let key = collection
        .get_text("AirSync", "SyncKey")
        .unwrap_or_default();
    // The device's hierarchy must be the one it was given, and the folder still offered.
    let known = folder_hierarchy::parse(&cx.device.folders_offered);
    let folder = folders::find(cx.user, id).filter(|f| known.contains(&f.id));
    let Some(folder) = folder else {
        return Ok(Some(collection_status(key, id, HIERARCHY_CHANGED)));
    };
    let zone = cx.user.time_zone.clone();
    match folder.kind {
        Some(FolderKind::Contacts) => {
            let codec = Codec {
                read: move |data: &Element,
                            existing: Option<&SyncedContact>,
                            pcx: &PatchContext<'_>| {
                    Ok(contact::read(data, existing, pcx, &zone))
                },
                write: |item: &SyncedContact| contact::write(item, &cx.user.time_zone),
                occurrence: |_: Option<Element>, _: String| None,
                report: false,
            };
            run::<Contacts, _, _, _>(cx, folder, collection, window, codec).await
        }
        Some(FolderKind::Calendar) => {
            let d = dialect(cx);
            let (read_d, write_d, occurrence_d) = (d.clone(), d.clone(), d.clone());
            let codec = Codec {
                read: move |data: &Element,
                            existing: Option<&SyncedEvent>,
                            pcx: &PatchContext<'_>| {
                    event::read(data, existing, pcx, &read_d)
                },
                write: move |item: &SyncedEvent| event::write(item, &write_d),
                occurrence: move |data: Option<Element>, instance: String| {
                    Some(occurrence_patch(data, instance, occurrence_d.clone()))
                },
                report: d.v16,
            };
            let mut answer = run::<Events, _, _, _>(cx, folder, collection, window, codec).await?;
            if d.v16 {
                if let Some(a) = answer.as_mut() {
                    add_uids(cx, a).await?;
                }
            }
            Ok(answer)
        }
        None => {
            let codec = Codec {
                read: |_: &Element, _: Option<&()>, _: &PatchContext<'_>| Ok(()),
                write: |_: &()| Vec::new(),
                occurrence: |_: Option<Element>, _: String| None,
                report: false,
            };
            run::<Empty, _, _, _>(cx, folder, collection, window, codec).await
        }
    }
}

/// How events are written for this phone's protocol version and user.
pub fn dialect(cx: &Context<'_, '_>) -> event::Dialect {
    let lang = cx.user.language.unwrap_or_default();
    event::Dialect {
        v16: event::Dialect::for_version(&cx.exchange.version),
        zone: if recurrence::zone(&cx.user.time_zone).is_some() {
            cx.user.time_zone.clone()
        } else {
            "UTC".into()
        },
        organizer_name: format!("{} {}", cx.user.first_name, cx.user.last_name)
            .trim()
            .to_string(),
        organizer_email: cx.user.email.clone(),
        untitled: lang.texts().event_untitled.to_string(),
    }
}

/// A 16.x Change or Delete of one occurrence (`InstanceId` beside the `ServerId`): a change of
/// the series that adds the occurrence's exception.
fn occurrence_patch(
    data: Option<Element>,
    instance: String,
    d: event::Dialect,
) -> sync::Patch<SyncedEvent> {
    Box::new(move |existing, _| {
        let series = existing.ok_or(Msg::Required)?;
        if series.event.rrule.is_none() {
            return Err(Msg::Required);
        }
        let original = event::original_start(&instance, series, d.v16).ok_or(Msg::Required)?;
        let occurs = recurrence::occurrences(&series.event, &[], original, original + 1)
            .is_ok_and(|o| o.iter().any(|o| o.original_start == original));
        if !occurs {
            return Err(Msg::Required);
        }
        let changes = match &data {
            Some(data) => Some(event::read_occurrence(data, series, original, &d)?),
            None => None,
        };
        Ok(event::with_exception(
            series.clone(),
            Exception {
                original_start: original,
                changes,
            },
        ))
    })
}

/// From 16.0 the answer to a phone's add carries the UID the server gave the event
/// (MS-ASCAL 2.2.2.46).
async fn add_uids(cx: &Context<'_, '_>, collection: &mut Element) -> Result<(), Error> {
    let Some(responses) = collection
        .elements_mut()
        .find(|c| c.is("AirSync", "Responses"))
    else {
        return Ok(());
    };
    for add in responses.elements_mut().filter(|r| r.is("AirSync", "Add")) {
        let Some(id) = add.get_text("AirSync", "ServerId").map(str::to_string) else {
            continue;
        };
        if let Some(item) = sync::fetch::<Events>(cx.state, cx.user.id, &id).await? {
            let data = Element::new("AirSync", "ApplicationData")
                .child(Element::leaf("Calendar", "UID", item.uid));
            add.children.push(crate::eas::wbxml::Node::Element(data));
        }
    }
    Ok(())
}

/// One class's codec: an item read from a phone's `ApplicationData` (merged into the stored
/// one), an item written for the phone, and (calendar, 16.x) a change of one occurrence.
struct Codec<R, W, O> {
    read: R,
    write: W,
    occurrence: O,
    /// The class hears what the device changed (16.x calendars: invitations).
    report: bool,
}

/// The time filter the collection's `Options` name (MS-ASCMD FilterType 0–8).
fn filter_type(collection: &Element) -> Option<u8> {
    collection
        .elements()
        .filter(|e| e.is("AirSync", "Options"))
        .find_map(|o| o.get_text("AirSync", "FilterType"))
        .and_then(|f| f.trim().parse().ok())
        .filter(|f| *f <= 8)
}

/// The `Supported` list as `Page:Tag` names.
fn supported(collection: &Element) -> Option<Vec<String>> {
    collection
        .get("AirSync", "Supported")
        .map(|s| s.elements().map(Element::name).collect())
}

async fn run<C: Class, R, W, O>(
    cx: &Context<'_, '_>,
    folder: DoorFolder,
    collection: &Element,
    window: Option<usize>,
    codec: Codec<R, W, O>,
) -> Result<Option<Element>, Error>
where
    C::Item: 'static,
    R: Fn(&Element, Option<&C::Item>, &PatchContext<'_>) -> Result<C::Item, Msg>
        + Clone
        + Send
        + 'static,
    W: Fn(&C::Item) -> Vec<Element>,
    O: Fn(Option<Element>, String) -> Option<sync::Patch<C::Item>>,
{
    let Codec {
        read,
        write,
        occurrence,
        report,
    } = codec;
    let key = collection
        .get_text("AirSync", "SyncKey")
        .unwrap_or_default()
        .to_string();
    let get_changes = collection
        .get_text("AirSync", "GetChanges")
        .is_none_or(|g| g != "0");
    let mut commands = Vec::new();
    if let Some(list) = collection.get("AirSync", "Commands") {
        for c in list.elements() {
            let server_id = c
                .get_text("AirSync", "ServerId")
                .unwrap_or_default()
                .to_string();
            let data = c.get("AirSync", "ApplicationData").cloned();
            let patch = |data: Option<Element>| -> sync::Patch<C::Item> {
                let read = read.clone();
                Box::new(move |existing, pcx| match &data {
                    Some(d) => read(d, existing, pcx),
                    None => Err(Msg::Required),
                })
            };
            // 16.x: one occurrence of a series, named beside the ServerId.
            let instance = c
                .get_text("AirSyncBase", "InstanceId")
                .map(str::to_string)
                .filter(|_| c.is("AirSync", "Change") || c.is("AirSync", "Delete"));
            if let Some(p) = instance.and_then(|i| occurrence(data.clone(), i)) {
                commands.push(Command::Change { server_id, item: p });
            } else if c.is("AirSync", "Add") {
                let client_id = c
                    .get_text("AirSync", "ClientId")
                    .unwrap_or_default()
                    .to_string();
                commands.push(Command::Add {
                    client_id,
                    item: patch(data),
                });
            } else if c.is("AirSync", "Change") {
                commands.push(Command::Change {
                    server_id,
                    item: patch(data),
                });
            } else if c.is("AirSync", "Delete") {
                commands.push(Command::Delete { server_id });
            } else if c.is("AirSync", "Fetch") {
                commands.push(Command::Fetch { server_id });
            }
        }
    }
    let target = Target {
        user: cx.user.id,
        device: cx.device.id,
        collection: folder.id,
    };
    let request = Request {
        key: key.clone(),
        window,
        get_changes,
        supported: supported(collection),
        filter: filter_type(collection),
        report,
        commands,
    };
    Ok(match sync::sync::<C>(cx.state, target, request).await? {
        Answer::Unchanged => None,
        Answer::InvalidKey => Some(collection_status("0", folder.id, "3")),
        Answer::Synced {
            key,
            changes,
            replies,
            more,
        } => {
            let mut c = collection_status(&key, folder.id, "1");
            if more {
                c = c.child(Element::new("AirSync", "MoreAvailable"));
            }
            if !changes.is_empty() {
                let mut list = Element::new("AirSync", "Commands");
                for change in changes {
                    list = list.child(match change {
                        ServerChange::Add { server_id, item } => {
                            item_element("Add", &server_id, Some(write(&item)))
                        }
                        ServerChange::Change { server_id, item } => {
                            item_element("Change", &server_id, Some(write(&item)))
                        }
                        ServerChange::Delete { server_id } => {
                            item_element("Delete", &server_id, None)
                        }
                        ServerChange::SoftDelete { server_id } => {
                            item_element("SoftDelete", &server_id, None)
                        }
                    });
                }
                c = c.child(list);
            }
            let replies: Vec<Element> = replies
                .into_iter()
                .map(|r| reply_element(r, &write))
                .collect();
            if !replies.is_empty() {
                c = c.child(
                    replies
                        .into_iter()
                        .fold(Element::new("AirSync", "Responses"), Element::child),
                );
            }
            Some(c)
        }
    })
}

fn application_data(fields: Vec<Element>) -> Element {
    fields
        .into_iter()
        .fold(Element::new("AirSync", "ApplicationData"), Element::child)
}

fn item_element(tag: &str, server_id: &str, data: Option<Vec<Element>>) -> Element {
    let e = Element::new("AirSync", tag).child(leaf("ServerId", server_id));
    match data {
        Some(fields) => e.child(application_data(fields)),
        None => e,
    }
}

fn status_text(s: Status) -> String {
    (s as u8).to_string()
}

fn reply_element<T>(reply: Reply<T>, write: &impl Fn(&T) -> Vec<Element>) -> Element {
    match reply {
        Reply::Add {
            client_id,
            server_id,
            status,
        } => {
            let mut e = Element::new("AirSync", "Add").child(leaf("ClientId", client_id));
            if let Some(id) = server_id {
                e = e.child(leaf("ServerId", id));
            }
            e.child(leaf("Status", status_text(status)))
        }
        Reply::Change { server_id, status } => Element::new("AirSync", "Change")
            .child(leaf("ServerId", server_id))
            .child(leaf("Status", status_text(status))),
        Reply::Delete { server_id, status } => Element::new("AirSync", "Delete")
            .child(leaf("ServerId", server_id))
            .child(leaf("Status", status_text(status))),
        Reply::Fetch {
            server_id,
            status,
            item,
        } => {
            let mut e = Element::new("AirSync", "Fetch")
                .child(leaf("ServerId", server_id))
                .child(leaf("Status", status_text(status)));
            if let Some(item) = item {
                e = e.child(application_data(write(&item)));
            }
            e
        }
    }
}
