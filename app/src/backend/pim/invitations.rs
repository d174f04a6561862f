//! Invitations: when the user adds attendees to an event, changes what they were invited to
//! or cancels it (in the console, or from a 16.x phone), each attendee concerned is mailed an
//! iCalendar `METHOD:REQUEST` or `METHOD:CANCEL` (RFC 5546) through the mail queue, from the
//! user as organizer. Who gets what is decided by `plan`, a pure function; a change of the
//! attendees' answers alone mails no one.

use crate::backend::mail::Invitation;
use crate::backend::pim::interchange::{write_itip, Itip};
use crate::backend::state::AppState;
use crate::backend::store::users;
use crate::domain::ids::UserId;
use crate::domain::lang::Lang;
use crate::domain::model::calendar::{Event, Exception};

/// What an attendee is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// An event with its exceptions, as it was or is.
pub type Version<'a> = (&'a Event, &'a [Exception]);

/// Whether what the attendees were invited to changed (not their answers, not the reminder).
fn rescheduled(before: Version<'_>, after: Version<'_>) -> bool {
    let (b, bx) = before;
    let (a, ax) = after;
    b.title != a.title
        || b.location != a.location
        || b.description != a.description
        || b.when != a.when
        || b.rrule != a.rrule
        || bx != ax
}

fn has(e: &Event, email: &str) -> bool {
    e.attendees
        .iter()
        .any(|a| a.email.eq_ignore_ascii_case(email))
}

/// Who is mailed what after a change (`None`: the event did not exist / no longer exists).
pub fn plan(before: Option<Version<'_>>, after: Option<Version<'_>>) -> Vec<(String, Method)> {
    let mut out = Vec::new();
    match (before, after) {
        (None, None) => {}
        (None, Some((a, _))) => {
            out.extend(
                a.attendees
                    .iter()
                    .map(|x| (x.email.clone(), Method::Request)),
            );
        }
        (Some((b, _)), None) => {
            out.extend(
                b.attendees
                    .iter()
                    .map(|x| (x.email.clone(), Method::Cancel)),
            );
        }
        (Some(before), Some(after)) => {
            let changed = rescheduled(before, after);
            for x in &after.0.attendees {
                if changed || !has(before.0, &x.email) {
                    out.push((x.email.clone(), Method::Request));
                }
            }
            for x in &before.0.attendees {
                if !has(after.0, &x.email) {
                    out.push((x.email.clone(), Method::Cancel));
                }
            }
        }
    }
    out
}

/// Mails the invitations a change calls for (queued: the change does not wait for the mail
/// server). `uid` and `sequence` name the event and its revision.
pub async fn send(
    state: &AppState,
    user: UserId,
    uid: &str,
    sequence: i64,
    before: Option<Version<'_>>,
    after: Option<Version<'_>>,
) {
    let recipients = plan(before, after);
    if recipients.is_empty() {
        return;
    }
    let organizer = match users::by_id(&state.pool, user).await {
        Ok(Some(u)) if !u.email.is_empty() => u,
        Ok(_) => return,
        Err(e) => {
            tracing::warn!("invitations: the organizer could not be read: {e}");
            return;
        }
    };
    let name = format!("{} {}", organizer.first_name, organizer.last_name)
        .trim()
        .to_string();
    let lang = organizer.language.0.unwrap_or(Lang::It);
    for (to, method) in recipients {
        let Some((event, exceptions)) = (match method {
            Method::Request => after,
            Method::Cancel => before.or(after),
        }) else {
            continue;
        };
        let itip = Itip {
            method: method.name(),
            organizer_name: &name,
            organizer_email: &organizer.email,
            sequence,
            stamp: state.now(),
        };
        let texts = lang.texts();
        let subject = match method {
            Method::Request => format!("{}: {}", texts.invitation_subject, event.title),
            Method::Cancel => format!("{}: {}", texts.invitation_cancelled, event.title),
        };
        let invitation = Invitation {
            to: to.clone(),
            reply_to: organizer.email.clone(),
            subject,
            text: crate::i18n::fill(texts.invitation_text, &name),
            method: method.name(),
            calendar: write_itip(&itip, uid, event, exceptions),
        };
        if let Err(e) = state.mailer.queue_invitation(invitation).await {
            tracing::warn!("invitations: not queued: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::calendar::{Attendee, BusyStatus, Response, Sensitivity, When};

    fn event(attendees: &[&str]) -> Event {
        Event {
            title: "Riunione".into(),
            location: String::new(),
            description: String::new(),
            when: When::Timed {
                start: 0,
                end: 3600,
                time_zone: "UTC".into(),
            },
            reminder_minutes: None,
            busy: BusyStatus::Busy,
            sensitivity: Sensitivity::Normal,
            rrule: None,
            attendees: attendees
                .iter()
                .map(|e| Attendee {
                    name: String::new(),
                    email: e.to_string(),
                    response: Response::None,
                })
                .collect(),
        }
    }

    fn to(list: &[(&str, Method)]) -> Vec<(String, Method)> {
        list.iter().map(|(e, m)| (e.to_string(), *m)).collect()
    }

    #[test]
    fn who_is_mailed_what() {
        let none: &[Exception] = &[];
        let two = event(&["a@x.it", "b@x.it"]);
        // A new event invites everyone; a deleted one cancels for everyone.
        assert_eq!(
            plan(None, Some((&two, none))),
            to(&[("a@x.it", Method::Request), ("b@x.it", Method::Request)])
        );
        assert_eq!(
            plan(Some((&two, none)), None),
            to(&[("a@x.it", Method::Cancel), ("b@x.it", Method::Cancel)])
        );
        // Someone added, someone removed, the rest unchanged: only those two hear of it.
        let swapped = event(&["a@x.it", "c@x.it"]);
        assert_eq!(
            plan(Some((&two, none)), Some((&swapped, none))),
            to(&[("c@x.it", Method::Request), ("b@x.it", Method::Cancel)])
        );
        // Moved: everyone still invited gets the new time.
        let mut moved = two.clone();
        moved.when = When::Timed {
            start: 7200,
            end: 10_800,
            time_zone: "UTC".into(),
        };
        assert_eq!(
            plan(Some((&two, none)), Some((&moved, none))),
            to(&[("a@x.it", Method::Request), ("b@x.it", Method::Request)])
        );
        // An occurrence deleted is a change of the series.
        let gone = [Exception {
            original_start: 0,
            changes: None,
        }];
        assert_eq!(plan(Some((&two, none)), Some((&two, &gone))).len(), 2);
        // An answer, a reminder or the address's case: no one is mailed.
        let mut answered = two.clone();
        answered.attendees[0].response = Response::Accepted;
        answered.attendees[1].email = "B@X.IT".into();
        answered.reminder_minutes = Some(10);
        assert!(plan(Some((&two, none)), Some((&answered, none))).is_empty());
        // Without attendees nothing is ever sent.
        let alone = event(&[]);
        assert!(plan(None, Some((&alone, none))).is_empty());
        assert!(plan(Some((&alone, none)), None).is_empty());
    }
}
