//! A contact's picture over plain HTTP, so the contact's page (rendered on the server, no
//! WebAssembly) can show and change it: `GET /contacts/:id/picture` is the JPEG, `POST` a
//! multipart form (`picture`, or `remove`) that answers with a redirect back to the page,
//! naming the outcome (`?picture=saved|removed|too_large|format|missing`).

use crate::console::{failed, ConsoleUser};
use crate::state::ServerState;
use crate::upload::{self, Upload};
use app::backend::error::Error;
use app::backend::pim::{contacts, picture::MAX_UPLOAD};
use app::domain::messages::Msg;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

/// The routes; POST is refused cross-site by the caller's layer.
pub fn routes() -> Router<ServerState> {
    Router::new()
        .route("/contacts/{id}/picture", get(show).post(upload))
        // Past the picture's limit the body is read and dropped (`upload`), up to the hard cap.
        .layer(DefaultBodyLimit::max(upload::HARD_CAP))
}

async fn show(
    State(state): State<ServerState>,
    ConsoleUser(user): ConsoleUser,
    Path(id): Path<i64>,
) -> Response {
    match contacts::picture(&state.app, user.id, id).await {
        Ok(Some(jpeg)) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "private, no-cache"),
            ],
            jpeg,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => failed(&e),
    }
}

async fn upload(
    State(state): State<ServerState>,
    ConsoleUser(user): ConsoleUser,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Response {
    let back =
        |outcome: &str| Redirect::to(&format!("/contacts/{id}?picture={outcome}")).into_response();
    let (picture, others) = upload::read(&mut form, "picture", MAX_UPLOAD).await;
    let remove = others.iter().any(|f| f == "remove");
    let upload = match (&picture, remove) {
        (_, true) => None,
        (Upload::File(_, bytes), false) => Some(bytes.as_slice()),
        (Upload::TooLarge, false) => return back("too_large"),
        (Upload::Missing, false) => return back("missing"),
    };
    match contacts::set_picture(&state.app, user.id, id, upload).await {
        Ok(()) => back(if remove { "removed" } else { "saved" }),
        Err(Error::Invalid {
            msg: Msg::PictureTooLarge,
            ..
        }) => back("too_large"),
        Err(Error::Invalid { .. }) => back("format"),
        Err(e) => failed(&e),
    }
}
