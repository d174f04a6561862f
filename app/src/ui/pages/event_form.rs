//! /calendar/new and /calendar/events/:id/edit: every event field of SPEC 6 (for one
//! occurrence of a series, only what an occurrence has of its own). Times are local in the
//! chosen zone; the server converts and checks them and names the field it refuses.

use super::calendar::{
    busy_label, frequency_label, response_label, sensitivity_label, Label, BUSY, REMINDERS,
    RESPONSES, SENSITIVITY,
};
use crate::api::calendar::{blank_event, get_event, SaveEvent};
use crate::domain::date::Date;
use crate::domain::model::calendar::{Attendee, Response};
use crate::domain::model::event_form::{Ends, EventForm, Frequency, Repeat};
use crate::i18n::fill;
use crate::ui::components::field::{field_error, form_error, ErrorAlert};
use crate::ui::navigate::go;
use crate::ui::resource::server_resource;
use crate::ui::session::{text, use_texts};
use leptos::prelude::*;

/// The form for a new event (`id` none, on `date`), an event or series, or (`at`) one
/// occurrence of a series.
#[component]
pub(super) fn EventEditor(id: Option<i64>, at: Option<i64>, date: Option<Date>) -> impl IntoView {
    let t = use_texts();
    let stored = server_resource(
        move || (id, at, date),
        |(id, at, date)| async move {
            match id {
                Some(id) => get_event(id, at).await.map(|v| (v.form, v.at)),
                None => blank_event(date.map(|d| d.to_string()).unwrap_or_default())
                    .await
                    .map(|f| (f, None)),
            }
        },
    );
    view! {
        <Transition fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
            {move || Suspend::new(async move {
                match stored.await {
                    Ok((form, at)) => view! { <EventFormView id=id at=at form=form/> }.into_any(),
                    Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A field's error under it, announced.
fn error_line(error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <p class="field-error" role="alert">{e}</p> })
    }
}

#[component]
fn EventFormView(id: Option<i64>, at: Option<i64>, form: EventForm) -> impl IntoView {
    let t = use_texts();
    let save = ServerAction::<SaveEvent>::new();
    let value = save.value();
    Effect::new(move |_| {
        if let Some(Ok(id)) = value.get() {
            let query = at.map(|a| format!("?at={a}")).unwrap_or_default();
            go(&format!("/calendar/events/{id}{query}"));
        }
    });
    let occurrence = at.is_some();
    let other_rule = form.other_rule.clone();
    // The repetition's parts, kept apart so that switching "Repeat" off and on loses nothing.
    let initial = form.repeat.clone();
    let frequency = RwSignal::new(
        initial
            .as_ref()
            .map(|r| r.frequency.code())
            .unwrap_or(if other_rule.is_some() { "other" } else { "" })
            .to_string(),
    );
    let interval = RwSignal::new(initial.as_ref().map_or(1, |r| r.interval).to_string());
    let weekdays = RwSignal::new(
        initial
            .as_ref()
            .map(|r| r.weekdays.clone())
            .unwrap_or_default(),
    );
    let (ends_kind, until, count) = match initial.as_ref().map(|r| &r.ends) {
        Some(Ends::Until { date }) => ("until", date.to_string(), "10".to_string()),
        Some(Ends::Count { count }) => ("count", String::new(), count.to_string()),
        _ => ("never", String::new(), "10".to_string()),
    };
    let ends_kind = RwSignal::new(ends_kind);
    let until = RwSignal::new(until);
    let count = RwSignal::new(count);
    let attendees = RwSignal::new(form.attendees.clone());
    let form = RwSignal::new(form);
    let local_error = RwSignal::new(None::<(&'static str, String)>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut f = form.get_untracked();
        f.attendees = attendees.get_untracked();
        let code = frequency.get_untracked();
        f.repeat = None;
        if code != "other" {
            f.other_rule = None;
        }
        if let Some(frequency) = Frequency::from_code(&code) {
            let number = |s: String, field: &'static str| {
                s.trim()
                    .parse::<u32>()
                    .map_err(|_| (field, t.get_untracked().err_rule_invalid.to_string()))
            };
            let ends = match ends_kind.get_untracked() {
                "until" => match Date::parse(&until.get_untracked()) {
                    Some(date) => Ok(Ends::Until { date }),
                    None => Err(("until", t.get_untracked().err_date_invalid.to_string())),
                },
                "count" => {
                    number(count.get_untracked(), "count").map(|count| Ends::Count { count })
                }
                _ => Ok(Ends::Never),
            };
            let repeat = number(interval.get_untracked(), "interval").and_then(|interval| {
                ends.map(|ends| Repeat {
                    frequency,
                    interval,
                    weekdays: weekdays.get_untracked(),
                    ends,
                })
            });
            match repeat {
                Ok(r) => f.repeat = Some(r),
                Err(e) => {
                    local_error.set(Some(e));
                    return;
                }
            }
        }
        local_error.set(None);
        save.dispatch(SaveEvent { id, at, form: f });
    };

    // An error from the browser's own check, else from the server.
    let error = move |name: &'static str| {
        let server = field_error(value, name, t);
        Signal::derive(move || {
            local_error
                .with(|e| {
                    e.as_ref()
                        .filter(|(f, _)| *f == name)
                        .map(|(_, m)| m.clone())
                })
                .or_else(|| server.get())
        })
    };
    let input = move |name: &'static str,
                      label: Label,
                      kind: &'static str,
                      get: fn(&EventForm) -> &String,
                      set: fn(&mut EventForm, String)| {
        let error = error(name);
        view! {
            <div class="field">
                <label for=name>{text(t, label)}</label>
                <input
                    id=name
                    type=kind
                    list=(name == "time_zone").then_some("time-zones")
                    prop:value=move || form.with(|f| get(f).clone())
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                />
                {error_line(error)}
            </div>
        }
    };
    let timed = move || !form.with(|f| f.all_day);
    let repeats = move || Frequency::from_code(&frequency.get()).is_some();

    view! {
        <h1>{move || {
            let t = t.get();
            match (id, at) {
                (None, _) => t.calendar_new,
                (Some(_), Some(_)) => t.edit_occurrence,
                (Some(_), None) => t.event_edit_title,
            }
        }}</h1>
        {occurrence.then(|| view! { <p class="hint">{text(t, |t| t.occurrence_note)}</p> })}
        <form on:submit=submit novalidate>
            <ErrorAlert message=form_error(value, t)/>
            <section class="card" aria-labelledby="event-what">
                <h2 id="event-what" class="visually-hidden">{text(t, |t| t.event_what)}</h2>
                {input("title", |t| t.event_title, "text", |f| &f.title, |f, v| f.title = v)}
                {input("location", |t| t.location, "text", |f| &f.location, |f, v| f.location = v)}
            </section>
            <section class="card" aria-labelledby="event-when">
                <h2 id="event-when">{text(t, |t| t.event_when)}</h2>
                <div class="field checkbox">
                    <input
                        id="all_day"
                        type="checkbox"
                        prop:checked=move || form.with(|f| f.all_day)
                        on:change=move |ev| form.update(|f| f.all_day = event_target_checked(&ev))
                    />
                    <label for="all_day">{text(t, |t| t.all_day)}</label>
                </div>
                <div class="grid2 pairs">
                    {input("start_date", |t| t.start_date, "date", |f| &f.start_date, |f, v| f.start_date = v)}
                    <Show when=timed>
                        {input("start_time", |t| t.start_time, "time", |f| &f.start_time, |f, v| f.start_time = v)}
                    </Show>
                    {input("end_date", |t| t.end_date, "date", |f| &f.end_date, |f, v| f.end_date = v)}
                    <Show when=timed>
                        {input("end_time", |t| t.end_time, "time", |f| &f.end_time, |f, v| f.end_time = v)}
                    </Show>
                </div>
                {error_line(error("start"))}
                {error_line(error("end"))}
                <Show when=timed>
                    {input("time_zone", |t| t.time_zone, "text", |f| &f.time_zone, |f, v| f.time_zone = v)}
                </Show>
                {(!occurrence).then(|| view! {
                    <RepeatFields
                        frequency=frequency
                        interval=interval
                        weekdays=weekdays
                        ends_kind=ends_kind
                        until=until
                        count=count
                        other_rule=other_rule.clone()
                        repeats=Signal::derive(repeats)
                        errors=(error("interval"), error("until"), error("count"), error("rrule"))
                    />
                })}
            </section>
            <section class="card" aria-labelledby="event-more">
                <h2 id="event-more" class="visually-hidden">{text(t, |t| t.event_details)}</h2>
                <div class="grid2">
                    <div class="field">
                        <label for="reminder">{text(t, |t| t.reminder)}</label>
                        <select
                            id="reminder"
                            on:change=move |ev| form.update(|f| f.reminder_minutes = event_target_value(&ev).parse().ok())
                        >
                            {move || {
                                let current = form.with_untracked(|f| f.reminder_minutes);
                                let mut choices: Vec<Option<u32>> = std::iter::once(None)
                                    .chain(REMINDERS.into_iter().map(Some))
                                    .collect();
                                if !choices.contains(&current) {
                                    choices.push(current);
                                }
                                let t = t.get();
                                choices
                                    .into_iter()
                                    .map(|m| view! {
                                        <option value=m.map(|m| m.to_string()).unwrap_or_default() selected=m == current>
                                            {super::calendar::reminder_label(t, m)}
                                        </option>
                                    })
                                    .collect_view()
                            }}
                        </select>
                        {error_line(error("reminder"))}
                    </div>
                    <div class="field">
                        <label for="busy">{text(t, |t| t.show_as)}</label>
                        <select id="busy" on:change=move |ev| {
                            let code = event_target_value(&ev);
                            if let Some(b) = BUSY.into_iter().find(|b| b.code() == code) {
                                form.update(|f| f.busy = b);
                            }
                        }>
                            {BUSY.into_iter().map(|b| view! {
                                <option value=b.code() selected=form.with_untracked(|f| f.busy == b)>{text(t, busy_label(b))}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    {(!occurrence).then(|| view! {
                        <div class="field">
                            <label for="sensitivity">{text(t, |t| t.sensitivity)}</label>
                            <select id="sensitivity" on:change=move |ev| {
                                let code = event_target_value(&ev);
                                if let Some(s) = SENSITIVITY.into_iter().find(|s| s.code() == code) {
                                    form.update(|f| f.sensitivity = s);
                                }
                            }>
                                {SENSITIVITY.into_iter().map(|s| view! {
                                    <option value=s.code() selected=form.with_untracked(|f| f.sensitivity == s)>{text(t, sensitivity_label(s))}</option>
                                }).collect_view()}
                            </select>
                        </div>
                    })}
                </div>
                <div class="field">
                    <label for="description">{text(t, |t| t.description)}</label>
                    <textarea
                        id="description"
                        rows="4"
                        prop:value=move || form.with(|f| f.description.clone())
                        on:input=move |ev| form.update(|f| f.description = event_target_value(&ev))
                    ></textarea>
                    {error_line(error("description"))}
                </div>
            </section>
            {(!occurrence).then(|| view! { <AttendeeRows attendees=attendees error=error("attendees")/> })}
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{text(t, |t| t.save)}</button>
                <a href=move || match id {
                    Some(id) => format!("/calendar/events/{id}{}", at.map(|a| format!("?at={a}")).unwrap_or_default()),
                    None => "/calendar".into(),
                }>
                    {text(t, |t| t.cancel)}
                </a>
            </div>
        </form>
    }
}

type Errors = (
    Signal<Option<String>>,
    Signal<Option<String>>,
    Signal<Option<String>>,
    Signal<Option<String>>,
);

/// "Repeat": none, one of SPEC 6's patterns, or a rule set elsewhere kept as it is; the
/// interval, the weekdays of a weekly one, and how it ends.
#[component]
fn RepeatFields(
    frequency: RwSignal<String>,
    interval: RwSignal<String>,
    weekdays: RwSignal<Vec<u8>>,
    ends_kind: RwSignal<&'static str>,
    until: RwSignal<String>,
    count: RwSignal<String>,
    other_rule: Option<String>,
    repeats: Signal<bool>,
    errors: Errors,
) -> impl IntoView {
    let t = use_texts();
    let (interval_error, until_error, count_error, rule_error) = errors;
    let current = frequency.get_untracked();
    let ends = [
        ("never", (|t| t.ends_never) as Label),
        ("until", |t| t.ends_until),
        ("count", |t| t.ends_count),
    ];
    view! {
        <div class="field">
            <label for="repeat">{text(t, |t| t.repeat)}</label>
            <select id="repeat" on:change=move |ev| frequency.set(event_target_value(&ev))>
                <option value="" selected=current.is_empty()>{text(t, |t| t.repeat_none)}</option>
                {Frequency::ALL.into_iter().map(|f| view! {
                    <option value=f.code() selected=current == f.code()>{text(t, frequency_label(f))}</option>
                }).collect_view()}
                {other_rule.map(|rule| view! {
                    <option value="other" selected=current == "other">{move || fill(t.get().repeat_other, &rule)}</option>
                })}
            </select>
            {error_line(rule_error)}
        </div>
        <Show when=move || repeats.get()>
            <div class="field">
                <label for="interval">{text(t, |t| t.repeat_interval)}</label>
                <input id="interval" type="number" min="1" max="99" prop:value=interval on:input=move |ev| interval.set(event_target_value(&ev))/>
                {error_line(interval_error)}
            </div>
            <Show when=move || frequency.get() == Frequency::Weekly.code()>
                <fieldset class="field weekdays">
                    <legend>{text(t, |t| t.repeat_on)}</legend>
                    {(0u8..7).map(|d| view! {
                        <label>
                            <input
                                type="checkbox"
                                prop:checked=move || weekdays.with(|w| w.contains(&d))
                                on:change=move |ev| weekdays.update(|w| {
                                    w.retain(|x| *x != d);
                                    if event_target_checked(&ev) {
                                        w.push(d);
                                        w.sort_unstable();
                                    }
                                })
                            />
                            {move || t.get().weekdays[usize::from(d)]}
                        </label>
                    }).collect_view()}
                </fieldset>
            </Show>
            <fieldset class="field">
                <legend>{text(t, |t| t.repeat_ends)}</legend>
                {ends.into_iter().map(|(code, label)| view! {
                    <label class="radio">
                        <input
                            type="radio"
                            name="ends"
                            value=code
                            prop:checked=move || ends_kind.get() == code
                            on:change=move |_| ends_kind.set(code)
                        />
                        {text(t, label)}
                    </label>
                }).collect_view()}
                <Show when=move || ends_kind.get() == "until">
                    <label for="until">{text(t, |t| t.until_date)}</label>
                    <input id="until" type="date" prop:value=until on:input=move |ev| until.set(event_target_value(&ev))/>
                    {error_line(until_error)}
                </Show>
                <Show when=move || ends_kind.get() == "count">
                    <label for="count">{text(t, |t| t.count_label)}</label>
                    <input id="count" type="number" min="1" prop:value=count on:input=move |ev| count.set(event_target_value(&ev))/>
                    {error_line(count_error)}
                </Show>
            </fieldset>
        </Show>
    }
}

#[component]
fn AttendeeRows(
    attendees: RwSignal<Vec<Attendee>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let rows = move || {
        (0..attendees.with(Vec::len))
            .map(|i| {
                let response = attendees.with_untracked(|a| a[i].response);
                let field = move |label: Label, get: fn(&Attendee) -> &String, set: fn(&mut Attendee, String), kind: &'static str| view! {
                    <input
                        type=kind
                        aria-label=move || format!("{} {}", label(t.get()), i + 1)
                        placeholder=text(t, label)
                        prop:value=move || attendees.with(|a| a.get(i).map(|a| get(a).clone()).unwrap_or_default())
                        on:input=move |ev| attendees.update(|a| set(&mut a[i], event_target_value(&ev)))
                    />
                };
                view! {
                    <div class="row">
                        {field(|t| t.name, |a| &a.name, |a, v| a.name = v, "text")}
                        {field(|t| t.email, |a| &a.email, |a, v| a.email = v, "email")}
                        <select
                            aria-label=move || format!("{} {}", t.get().attendee_response, i + 1)
                            on:change=move |ev| {
                                let code = event_target_value(&ev);
                                if let Some(r) = RESPONSES.into_iter().find(|r| r.code() == code) {
                                    attendees.update(|a| a[i].response = r);
                                }
                            }
                        >
                            {RESPONSES.into_iter().map(|r| view! {
                                <option value=r.code() selected=r == response>{text(t, response_label(r))}</option>
                            }).collect_view()}
                        </select>
                        <button type="button" class="plain" on:click=move |_| attendees.update(|a| { a.remove(i); })>
                            {text(t, |t| t.remove)}
                        </button>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card" aria-labelledby="event-attendees">
            <h2 id="event-attendees">{text(t, |t| t.attendees)}</h2>
            {rows}
            {error_line(error)}
            <button
                type="button"
                class="plain"
                on:click=move |_| attendees.update(|a| a.push(Attendee { name: String::new(), email: String::new(), response: Response::None }))
            >
                {text(t, |t| t.add_attendee)}
            </button>
        </section>
    }
}
