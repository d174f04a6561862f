//! Import and export on the list pages (plain forms and links: `server/src/interchange.rs`
//! answers them) and `/imports/:id`: the progress of an import while it runs (the page
//! reloads itself every second, no WebAssembly), then its report.

use crate::api::contacts::get_import;
use crate::domain::model::import::{ImportView, SkipReason};
use crate::i18n::{fill, Texts};
use crate::ui::components::field::ErrorAlert;
use crate::ui::resource::server_resource;
use crate::ui::session::{text, use_texts};
use leptos::prelude::*;
use leptos_meta::Meta;

type Label = fn(&'static Texts) -> &'static str;

/// Which folder a form imports into.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Contacts,
    Calendar,
}

/// The card "Import and export": a file to import, and the whole folder to download.
#[component]
pub fn ImportExport(folder: Folder) -> impl IntoView {
    let t = use_texts();
    let error = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("import_error").unwrap_or_default());
    let error: Option<Label> = match error.as_str() {
        "" => None,
        "too_large" => Some(|t| t.err_file_too_large),
        "not_text" => Some(|t| t.err_file_not_text),
        "empty" => Some(|t| t.err_file_empty),
        "too_many" => Some(|t| t.err_too_many),
        _ => Some(|t| t.err_file_no_entries),
    };
    let (action, accept, hint, export, export_label): (_, _, Label, _, Label) = match folder {
        Folder::Contacts => (
            "/contacts/import",
            ".vcf,.vcard,text/vcard,text/x-vcard",
            |t| t.import_contacts_hint,
            "/contacts/export",
            |t| t.export_all_contacts,
        ),
        Folder::Calendar => (
            "/calendar/import",
            ".ics,.ical,text/calendar",
            |t| t.import_calendar_hint,
            "/calendar/export",
            |t| t.export_all_events,
        ),
    };
    view! {
        <section class="card" aria-labelledby="import-title">
            <h2 id="import-title">{text(t, |t| t.import_export)}</h2>
            {error.map(|e| view! { <p class="alert error" role="alert">{text(t, e)}</p> })}
            <form method="post" enctype="multipart/form-data" action=action>
                <div class="field">
                    <label for="import-file">{text(t, |t| t.import_file)}</label>
                    <input id="import-file" name="file" type="file" accept=accept aria-describedby="import-hint"/>
                    <p class="hint" id="import-hint">{text(t, hint)}</p>
                </div>
                <div class="buttons">
                    <button type="submit">{text(t, |t| t.import_button)}</button>
                    <a href=export download="">{text(t, export_label)}</a>
                </div>
            </form>
        </section>
    }
}

#[component]
pub fn ImportProgress(id: i64) -> impl IntoView {
    let t = use_texts();
    let import = server_resource(move || id, get_import);
    view! {
        <Suspense fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
            {move || Suspend::new(async move {
                match import.await {
                    Ok(v) => report(t, v).into_any(),
                    Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn reason(t: &'static Texts, r: &SkipReason) -> String {
    match r {
        SkipReason::Malformed => t.skip_malformed.into(),
        SkipReason::Unsupported => t.skip_unsupported.into(),
        SkipReason::Failed => t.skip_failed.into(),
        SkipReason::Invalid { field, msg } => format!("{} ({field})", msg.text(t)),
    }
}

fn report(t: Signal<&'static Texts>, v: ImportView) -> impl IntoView {
    let back = if v.kind == "calendar" {
        ("/calendar", (|t| t.back_to_calendar) as Label)
    } else {
        ("/contacts", (|t| t.back_to_contacts) as Label)
    };
    let texts = t.get_untracked();
    let skipped_rows = v
        .skipped
        .iter()
        .map(|s| {
            view! {
                <tr>
                    <td data-label=text(t, |t| t.import_line)>{s.line}</td>
                    <td data-label=text(t, |t| t.import_reason)>{reason(texts, &s.reason)}</td>
                </tr>
            }
        })
        .collect_view();
    let (done, total, finished) = (v.done, v.total, v.finished);
    view! {
        // Until it finishes, the page shows the latest counts every second.
        {(!finished).then(|| view! { <Meta http_equiv="refresh" content="1"/> })}
        <h1>{move || fill(t.get().import_title, &v.file_name)}</h1>
        <section class="card" aria-labelledby="import-state">
            <h2 id="import-state" class="visually-hidden">{text(t, |t| t.import_progress)}</h2>
            <progress max=total.max(1) value=done aria-label=text(t, |t| t.import_progress)></progress>
            {if finished {
                view! { <p role="status">{text(t, |t| t.import_done)}</p> }.into_any()
            } else {
                view! { <p role="status">{move || fill(t.get().import_running, format!("{done}/{total}"))}</p> }.into_any()
            }}
            <dl class="kv-grid">
                <div class="kv"><dt>{text(t, |t| t.import_added)}</dt><dd>{v.added}</dd></div>
                <div class="kv"><dt>{text(t, |t| t.import_updated)}</dt><dd>{v.updated}</dd></div>
                <div class="kv"><dt>{text(t, |t| t.import_skipped)}</dt><dd>{v.skipped.len()}</dd></div>
            </dl>
            {(!v.skipped.is_empty()).then(|| view! {
                <table class="users stack">
                    <caption>{text(t, |t| t.import_skipped)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{text(t, |t| t.import_line)}</th>
                            <th scope="col">{text(t, |t| t.import_reason)}</th>
                        </tr>
                    </thead>
                    <tbody>{skipped_rows}</tbody>
                </table>
            })}
        </section>
        <p><a href=back.0>{text(t, back.1)}</a></p>
    }
}
