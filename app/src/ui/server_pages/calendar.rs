//! /calendar (a month), /calendar/agenda and /calendar/events/:id, rendered on the server
//! only: `?month=`, `?from=` and `?at=` are plain links. Only the Delete control and the
//! form are islands.

use crate::api::calendar::{calendar_agenda, calendar_month, get_event};
use crate::domain::date::Date;
use crate::domain::model::calendar_view::{shift_month, Day, Entry, EventView};
use crate::domain::model::event_form::{Ends, EventForm, Frequency};
use crate::i18n::{fill, Texts};
use crate::ui::components::field::ErrorAlert;
use crate::ui::pages::calendar::{
    busy_label, frequency_label, long_date, reminder_label, response_label, sensitivity_label,
};
use crate::ui::pages::groups::{PimPage, PimPages};
use crate::ui::resource::server_resource;
use crate::ui::server_pages::imports::{Folder, ImportExport};
use crate::ui::server_pages::kv_row;
use crate::ui::session::{text, use_session, use_texts};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

fn query(name: &'static str) -> String {
    use_query_map().with_untracked(|q| q.get(name).unwrap_or_default())
}

/// "Month" / "Agenda" and "New event", above both views.
fn view_switch(t: Signal<&'static Texts>, month: bool) -> impl IntoView {
    view! {
        <h1>{text(t, |t| t.calendar_title)}</h1>
        <nav class="buttons" aria-label=text(t, |t| t.calendar_title)>
            <a href="/calendar" aria-current=month.then_some("page")>{text(t, |t| t.calendar_month_view)}</a>
            <a href="/calendar/agenda" aria-current=(!month).then_some("page")>{text(t, |t| t.calendar_agenda)}</a>
            <a class="button" href="/calendar/new">{text(t, |t| t.calendar_new)}</a>
        </nav>
    }
}

fn entry_link(e: Entry) -> impl IntoView {
    let href = match e.at {
        Some(at) => format!("/calendar/events/{}?at={at}", e.event_id),
        None => format!("/calendar/events/{}", e.event_id),
    };
    // The month's cells cut long titles short: the whole one shows on hover.
    let whole = e.title.clone();
    view! {
        <li>
            <a href=href title=whole>
                {e.time.map(|time| view! { <span class="time">{time}</span> " " })}
                {e.title}
            </a>
        </li>
    }
}

#[component]
pub fn MonthPage() -> impl IntoView {
    let t = use_texts();
    let month = query("month");
    let view = server_resource(move || month.clone(), calendar_month);
    view! {
        {view_switch(t, true)}
        <Suspense fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
            {move || Suspend::new(async move {
                match view.await {
                    Ok(m) => {
                        let (py, pm) = shift_month(m.year, m.month, -1);
                        let (ny, nm) = shift_month(m.year, m.month, 1);
                        let title = move || format!("{} {}", t.get().months[usize::from(m.month - 1)], m.year);
                        let empty = m.days.iter().all(|d| d.entries.is_empty());
                        let weeks: Vec<Vec<Day>> = m.days.chunks(7).map(<[Day]>::to_vec).collect();
                        let zone = m.time_zone.clone();
                        view! {
                            <section class="card" aria-labelledby="month-title">
                                <div class="month-head">
                                    <a href=format!("/calendar?month={py}-{pm:02}")>{text(t, |t| t.calendar_prev)}</a>
                                    <h2 id="month-title">{title}</h2>
                                    <a href=format!("/calendar?month={ny}-{nm:02}")>{text(t, |t| t.calendar_next)}</a>
                                </div>
                                <p class="hint">{move || fill(t.get().calendar_times_in, &zone)}</p>
                                {empty.then(|| view! { <p class="empty">{text(t, |t| t.calendar_empty_month)}</p> })}
                                <table class="month">
                                    <caption class="visually-hidden">{title}</caption>
                                    <thead>
                                        <tr>
                                            {(0..7).map(|d| view! {
                                                <th scope="col">
                                                    <abbr title=move || t.get().weekdays[d]>{move || t.get().weekdays_short[d]}</abbr>
                                                </th>
                                            }).collect_view()}
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {weeks.into_iter().map(|week| view! {
                                            <tr>{week.into_iter().map(|day| month_cell(t, day, m.month, m.today)).collect_view()}</tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                            <ImportExport folder=Folder::Calendar/>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn month_cell(t: Signal<&'static Texts>, day: Day, month: u8, today: Date) -> impl IntoView {
    let date = day.date;
    let class = match (date.month() == month, date == today) {
        (_, true) => "today",
        (true, false) => "",
        (false, false) => "other-month",
    };
    let empty = day.entries.is_empty();
    view! {
        <td class=class aria-current=(date == today).then_some("date") data-date=date.to_string()>
            <a class="day" href=format!("/calendar/new?date={date}") aria-label=move || long_date(t.get(), date)>
                {date.day()}
            </a>
            {(!empty).then(|| view! { <ul>{day.entries.into_iter().map(entry_link).collect_view()}</ul> })}
        </td>
    }
}

#[component]
pub fn AgendaPage() -> impl IntoView {
    let t = use_texts();
    let from = query("from");
    let view = server_resource(move || from.clone(), calendar_agenda);
    view! {
        {view_switch(t, false)}
        <Suspense fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
            {move || Suspend::new(async move {
                match view.await {
                    Ok(a) => {
                        let zone = a.time_zone.clone();
                        let (from, to, today) = (a.from, a.to, a.today);
                        let earlier = from.add_days(-30).map(|d| format!("/calendar/agenda?from={d}"));
                        view! {
                            <section class="card" aria-labelledby="agenda-title">
                                <h2 id="agenda-title">
                                    {move || format!("{} – {}", long_date(t.get(), from), to.add_days(-1).map(|d| long_date(t.get(), d)).unwrap_or_default())}
                                </h2>
                                <p class="hint">{move || fill(t.get().calendar_times_in, &zone)}</p>
                                {a.days.is_empty().then(|| view! { <p class="empty">{text(t, |t| t.calendar_empty_agenda)}</p> })}
                                {a.days.into_iter().map(|day| {
                                    let date = day.date;
                                    view! {
                                        <h3 aria-current=(date == today).then_some("date")>{move || long_date(t.get(), date)}</h3>
                                        <ul class="agenda">{day.entries.into_iter().map(entry_link).collect_view()}</ul>
                                    }
                                }).collect_view()}
                                <nav class="buttons pager" aria-label=text(t, |t| t.calendar_agenda)>
                                    {earlier.map(|href| view! { <a href=href>{text(t, |t| t.previous_page)}</a> })}
                                    <a href=format!("/calendar/agenda?from={to}")>{text(t, |t| t.calendar_later)}</a>
                                </nav>
                            </section>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One event, or one occurrence (`?at=`), read-only, with Edit and the Delete control.
#[component]
pub fn EventCard(id: i64) -> impl IntoView {
    let t = use_texts();
    let at = query("at").parse::<i64>().ok();
    let event = server_resource(move || (id, at), |(id, at)| get_event(id, at));
    view! {
        <p><a href="/calendar">{text(t, |t| t.calendar_title)}</a></p>
        <Suspense fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
            {move || Suspend::new(async move {
                match event.await {
                    Ok(v) => event_details(t, v).into_any(),
                    Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn event_details(t: Signal<&'static Texts>, v: EventView) -> impl IntoView {
    let EventView {
        id,
        at,
        form,
        recurring,
        changed,
    } = v;
    let row = move |label, value| kv_row(t, label, value);
    let texts = t.get_untracked();
    let when = when_label(texts, &form);
    let organizer = use_session().with_untracked(|s| {
        s.user
            .as_ref()
            .map(|u| u.display_name.clone())
            .unwrap_or_default()
    });
    let attendees = form
        .attendees
        .iter()
        .map(|a| {
            let name = if a.name.is_empty() {
                a.email.clone()
            } else {
                format!("{} <{}>", a.name, a.email)
            };
            format!("{name} ({})", response_label(a.response)(texts))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let edit_series = format!("/calendar/events/{id}/edit");
    view! {
        <h1>{form.title.clone()}</h1>
        {at.map(|_| view! {
            <p class="hint">
                {text(t, |t| t.occurrence_note)} " "
                {changed.then(|| text(t, |t| t.occurrence_changed))}
            </p>
        })}
        <section class="card" aria-labelledby="event-details-title">
            <h2 id="event-details-title" class="visually-hidden">{text(t, |t| t.event_when)}</h2>
            <dl class="kv-grid">
                {row(|t| t.event_when, when)}
                {row(|t| t.location, form.location.clone())}
                {row(|t| t.repeats, repeat_label(texts, &form))}
                {row(|t| t.reminder, form.reminder_minutes.map(|m| reminder_label(texts, Some(m))).unwrap_or_default())}
                {row(|t| t.show_as, busy_label(form.busy)(texts).to_string())}
                {row(|t| t.sensitivity, sensitivity_label(form.sensitivity)(texts).to_string())}
                {row(|t| t.organizer, organizer)}
                {row(|t| t.attendees, attendees)}
                {row(|t| t.description, form.description.clone())}
            </dl>
        </section>
        <div class="buttons">
            {match at {
                Some(at) => view! {
                    <a class="button" href=format!("/calendar/events/{id}/edit?at={at}")>{text(t, |t| t.edit_occurrence)}</a>
                    <a class="button secondary" href=edit_series>{text(t, |t| t.edit_series)}</a>
                }
                .into_any(),
                None => view! {
                    <a class="button" href=edit_series>
                        {move || if recurring { t.get().edit_series } else { t.get().edit }}
                    </a>
                }
                .into_any(),
            }}
            <a href=format!("/calendar/events/{id}/export") download="">{text(t, |t| t.export_one)}</a>
            <PimPages page=PimPage::DeleteEvent { id, at, recurring }/>
        </div>
    }
}

/// "Tuesday 14 January 2025, 09:00–10:00 (Europe/Rome)", or the days of an all-day event.
fn when_label(t: &'static Texts, f: &EventForm) -> String {
    let day = |s: &str| Date::parse(s).map(|d| long_date(t, d)).unwrap_or_default();
    if f.all_day {
        let (start, end) = (day(&f.start_date), day(&f.end_date));
        if start == end {
            format!("{start} ({})", t.all_day)
        } else {
            format!("{start} – {end} ({})", t.all_day)
        }
    } else if f.start_date == f.end_date {
        format!(
            "{}, {}–{} ({})",
            day(&f.start_date),
            f.start_time,
            f.end_time,
            f.time_zone
        )
    } else {
        format!(
            "{}, {} – {}, {} ({})",
            day(&f.start_date),
            f.start_time,
            day(&f.end_date),
            f.end_time,
            f.time_zone
        )
    }
}

/// "Every week, every 2; Tuesday, Thursday; 8 times", or a rule set elsewhere as it is.
fn repeat_label(t: &'static Texts, f: &EventForm) -> String {
    let Some(r) = &f.repeat else {
        return f.other_rule.clone().unwrap_or_default();
    };
    let mut parts = vec![frequency_label(r.frequency)(t).to_string()];
    if r.interval > 1 {
        parts.push(fill(t.every_n, r.interval));
    }
    if r.frequency == Frequency::Weekly {
        let days: Vec<&str> = r
            .weekdays
            .iter()
            .filter_map(|d| t.weekdays.get(usize::from(*d)).copied())
            .collect();
        parts.push(days.join(", "));
    }
    match r.ends {
        Ends::Never => {}
        Ends::Count { count } => parts.push(fill(t.times_n, count)),
        Ends::Until { date } => parts.push(fill(t.until_n, long_date(t, date))),
    }
    parts.join("; ")
}

/// The zone names the form's time-zone field suggests (a `<datalist>` the server writes once,
/// outside the island: the WebAssembly carries no list of zones).
#[component]
pub fn TimeZoneList() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    #[cfg(not(feature = "ssr"))]
    let names: Vec<&'static str> = Vec::new();
    view! {
        <datalist id="time-zones">
            {names.into_iter().map(|n| view! { <option value=n></option> }).collect_view()}
        </datalist>
    }
}
