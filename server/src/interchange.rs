//! Import and export over plain HTTP, so the server-rendered list pages need no WebAssembly
//! for them: a multipart `POST` starts an import and redirects to its page (`/imports/:id`,
//! which shows progress, then the report) or back to the list naming what was wrong
//! (`?import_error=`); a `GET` downloads a `.vcf` or `.ics` file.

use crate::console::{failed, ConsoleUser};
use crate::state::ServerState;
use crate::upload::{self, Upload};
use app::backend::error::Error;
use app::backend::pim::{export, import};
use app::backend::store::users::UserRecord;
use app::domain::messages::Msg;
use app::domain::model::import::MAX_FILE_BYTES;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

/// The routes; POSTs are refused cross-site by the caller's layer.
pub fn routes() -> Router<ServerState> {
    Router::new()
        .route("/contacts/import", post(import_contacts))
        .route("/calendar/import", post(import_calendar))
        .route("/contacts/export", get(export_contacts))
        .route("/contacts/{id}/export", get(export_contact))
        .route("/calendar/export", get(export_calendar))
        .route("/calendar/events/{id}/export", get(export_event))
        // Past the import's limit the body is read and dropped (`upload`), up to the hard cap.
        .layer(DefaultBodyLimit::max(upload::HARD_CAP))
}

/// The `?import_error=` code of a refusal (the list page says it in the user's language).
fn code(e: &Error) -> Option<&'static str> {
    match e {
        Error::Invalid { msg, .. } => Some(match msg {
            Msg::FileTooLarge => "too_large",
            Msg::FileNotText => "not_text",
            Msg::FileEmpty => "empty",
            Msg::TooMany => "too_many",
            _ => "no_entries",
        }),
        _ => None,
    }
}

async fn start(
    state: ServerState,
    user: UserRecord,
    mut form: Multipart,
    list: &'static str,
    calendar: bool,
) -> Response {
    let back = |code: &str| Redirect::to(&format!("{list}?import_error={code}")).into_response();
    let (file_name, bytes) = match upload::read(&mut form, "file", MAX_FILE_BYTES).await.0 {
        Upload::File(name, bytes) => (name, bytes),
        Upload::TooLarge => return back("too_large"),
        Upload::Missing => return back("empty"),
    };
    let upload = import::Upload {
        file_name: &file_name,
        bytes: &bytes,
    };
    let started = if calendar {
        import::calendar(&state.app, user.id, upload).await
    } else {
        import::contacts(&state.app, user.id, upload).await
    };
    match started {
        Ok(id) => Redirect::to(&format!("/imports/{id}")).into_response(),
        Err(e) => match code(&e) {
            Some(code) => back(code),
            None => failed(&e),
        },
    }
}

async fn import_contacts(
    State(s): State<ServerState>,
    ConsoleUser(user): ConsoleUser,
    form: Multipart,
) -> Response {
    start(s, user, form, "/contacts", false).await
}

async fn import_calendar(
    State(s): State<ServerState>,
    ConsoleUser(user): ConsoleUser,
    form: Multipart,
) -> Response {
    start(s, user, form, "/calendar", true).await
}

fn download(text: String, mime: &'static str, name: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        text,
    )
        .into_response()
}

async fn contacts_file(state: ServerState, user: UserRecord, id: Option<i64>) -> Response {
    match export::contacts(&state.app, user.id, id).await {
        Ok(text) => {
            let name = id.map_or("contacts.vcf".into(), |id| format!("contact-{id}.vcf"));
            download(text, "text/vcard; charset=utf-8", name)
        }
        Err(e) => failed(&e),
    }
}

async fn calendar_file(state: ServerState, user: UserRecord, id: Option<i64>) -> Response {
    match export::calendar(&state.app, user.id, id).await {
        Ok(text) => {
            let name = id.map_or("calendar.ics".into(), |id| format!("event-{id}.ics"));
            download(text, "text/calendar; charset=utf-8", name)
        }
        Err(e) => failed(&e),
    }
}

async fn export_contacts(State(s): State<ServerState>, ConsoleUser(u): ConsoleUser) -> Response {
    contacts_file(s, u, None).await
}

async fn export_contact(
    State(s): State<ServerState>,
    ConsoleUser(u): ConsoleUser,
    Path(id): Path<i64>,
) -> Response {
    contacts_file(s, u, Some(id)).await
}

async fn export_calendar(State(s): State<ServerState>, ConsoleUser(u): ConsoleUser) -> Response {
    calendar_file(s, u, None).await
}

async fn export_event(
    State(s): State<ServerState>,
    ConsoleUser(u): ConsoleUser,
    Path(id): Path<i64>,
) -> Response {
    calendar_file(s, u, Some(id)).await
}
