//! The calendar's interactive part beside the form (the Delete control) and the labels the
//! pages share. The month, the agenda and an event's page are rendered on the server
//! (`ui/server_pages/calendar.rs`).

use crate::api::calendar::DeleteEvent;
use crate::domain::date::Date;
use crate::domain::model::calendar::{BusyStatus, Response, Sensitivity};
use crate::domain::model::event_form::Frequency;
use crate::i18n::{fill, Texts};
use crate::ui::components::dialog::ConfirmDialog;
use crate::ui::components::field::{form_error, ErrorAlert};
use crate::ui::navigate::go;
use crate::ui::session::{text, use_texts};
use leptos::prelude::*;

pub type Label = fn(&'static Texts) -> &'static str;

/// "Tuesday 14 January 2025" / "martedì 14 gennaio 2025".
pub fn long_date(t: &Texts, d: Date) -> String {
    format!(
        "{} {} {} {}",
        t.weekdays[usize::from(d.weekday())],
        d.day(),
        t.months[usize::from(d.month() - 1)],
        d.year()
    )
}

/// The reminders the form offers, minutes before the start.
pub const REMINDERS: [u32; 9] = [0, 5, 10, 15, 30, 60, 120, 1440, 10080];

pub fn reminder_label(t: &Texts, minutes: Option<u32>) -> String {
    match minutes {
        None => t.reminder_none.to_string(),
        Some(0) => t.reminder_at_start.to_string(),
        Some(60) => t.reminder_hour.to_string(),
        Some(1440) => t.reminder_day.to_string(),
        Some(10080) => t.reminder_week.to_string(),
        Some(m) if m % 60 == 0 => fill(t.reminder_hours, m / 60),
        Some(m) => fill(t.reminder_minutes, m),
    }
}

pub const BUSY: [BusyStatus; 5] = [
    BusyStatus::Free,
    BusyStatus::Tentative,
    BusyStatus::Busy,
    BusyStatus::OutOfOffice,
    BusyStatus::WorkingElsewhere,
];

pub fn busy_label(b: BusyStatus) -> Label {
    match b {
        BusyStatus::Free => |t| t.busy_free,
        BusyStatus::Tentative => |t| t.busy_tentative,
        BusyStatus::Busy => |t| t.busy_busy,
        BusyStatus::OutOfOffice => |t| t.busy_out_of_office,
        BusyStatus::WorkingElsewhere => |t| t.busy_elsewhere,
    }
}

pub const SENSITIVITY: [Sensitivity; 4] = [
    Sensitivity::Normal,
    Sensitivity::Personal,
    Sensitivity::Private,
    Sensitivity::Confidential,
];

pub fn sensitivity_label(s: Sensitivity) -> Label {
    match s {
        Sensitivity::Normal => |t| t.sens_normal,
        Sensitivity::Personal => |t| t.sens_personal,
        Sensitivity::Private => |t| t.sens_private,
        Sensitivity::Confidential => |t| t.sens_confidential,
    }
}

pub const RESPONSES: [Response; 4] = [
    Response::None,
    Response::Accepted,
    Response::Tentative,
    Response::Declined,
];

pub fn response_label(r: Response) -> Label {
    match r {
        Response::None => |t| t.resp_none,
        Response::Accepted => |t| t.resp_accepted,
        Response::Tentative => |t| t.resp_tentative,
        Response::Declined => |t| t.resp_declined,
    }
}

pub fn frequency_label(f: Frequency) -> Label {
    match f {
        Frequency::Daily => |t| t.freq_daily,
        Frequency::Weekly => |t| t.freq_weekly,
        Frequency::MonthlyByDay => |t| t.freq_monthly_day,
        Frequency::MonthlyByWeekday => |t| t.freq_monthly_weekday,
        Frequency::MonthlyByLastWeekday => |t| t.freq_monthly_last,
        Frequency::Yearly => |t| t.freq_yearly,
    }
}

/// Delete, after confirmation: the event, or for one occurrence of a series either that
/// occurrence or the whole series. Then back to the month.
#[component]
pub(super) fn DeleteEventButtons(id: i64, at: Option<i64>, recurring: bool) -> impl IntoView {
    let t = use_texts();
    let delete = ServerAction::<DeleteEvent>::new();
    // What the open dialog would delete: `Some(at)` one occurrence, `None` the whole event.
    let asking = RwSignal::new(None::<Option<i64>>);
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            go("/calendar");
        }
    });
    let confirm: Signal<&'static str> = Signal::derive(move || {
        let t = t.get();
        match asking.get() {
            Some(Some(_)) => t.occurrence_delete_confirm,
            _ if recurring => t.series_delete_confirm,
            _ => t.event_delete_confirm,
        }
    });
    let whole: Label = if recurring {
        |t| t.delete_series
    } else {
        |t| t.delete
    };
    view! {
        {at.map(|at| view! {
            <button type="button" class="danger" on:click=move |_| asking.set(Some(Some(at)))>
                {text(t, |t| t.delete_occurrence)}
            </button>
        })}
        <button type="button" class="danger" on:click=move |_| asking.set(Some(None))>{text(t, whole)}</button>
        <ErrorAlert message=form_error(delete.value(), t)/>
        <Show when=move || asking.get().is_some()>
            <ConfirmDialog
                title=Signal::derive(text(t, |t| t.event_delete_title))
                message=confirm
                ok_label=Signal::derive(text(t, |t| t.delete))
                cancel_label=Signal::derive(text(t, |t| t.cancel))
                on_ok=Callback::new(move |()| {
                    let at = asking.get_untracked().flatten();
                    asking.set(None);
                    delete.dispatch(DeleteEvent { id, at });
                })
                on_cancel=Callback::new(move |()| asking.set(None))
            />
        </Show>
    }
}
