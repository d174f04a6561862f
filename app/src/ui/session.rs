//! The session as the pages see it: who is signed in and the language, known from the first
//! byte. The server renders it into the page; the browser reads it back when hydrating, so
//! both render the same thing without an extra request.

use crate::api::dto::SessionInfo;
use crate::i18n::Texts;
use leptos::prelude::*;

pub const SCRIPT_ID: &str = "sg-session";

pub fn use_session() -> RwSignal<SessionInfo> {
    expect_context::<RwSignal<SessionInfo>>()
}

/// The texts of the current language, reactive to language changes. One signal for the
/// whole app (see `provide_texts`), so a closure of a page being torn down never reads a
/// signal that went away with it.
pub fn use_texts() -> Signal<&'static Texts> {
    expect_context::<Signal<&'static Texts>>()
}

/// `text(t, |t| t.save)`: a text that follows a language switch. Every text on every page is
/// this one closure type; a `move || t.get().save` written at each place was a type of its
/// own, compiled into the WebAssembly once per place (a third of the bundle, issue 11).
pub fn text(
    t: Signal<&'static Texts>,
    pick: fn(&'static Texts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || pick(t.get())
}

/// Called once by the root, after the session is provided.
pub fn provide_texts() {
    let session = use_session();
    // Only a change of language notifies the readers, not every session update.
    let lang = Memo::new(move |_| session.with(|s| s.lang));
    let texts: Signal<&'static Texts> = Signal::derive(move || lang.get().texts());
    provide_context(texts);
}

/// JSON for the `<script type="application/json">` tag; `<` is escaped so that no value can
/// close the script element.
pub fn to_script_json(info: &SessionInfo) -> String {
    serde_json::to_string(info)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c")
}

#[cfg(feature = "ssr")]
pub fn initial() -> SessionInfo {
    use_context::<SessionInfo>().unwrap_or_default()
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub fn initial() -> SessionInfo {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(SCRIPT_ID))
        .and_then(|e| e.text_content())
        // From bytes, as `server_fn` reads answers: one JSON decoder per type (`ui::resource`).
        .and_then(|json| serde_json::from_slice(json.as_bytes()).ok())
        .unwrap_or_default()
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
pub fn initial() -> SessionInfo {
    SessionInfo::default()
}

/// Asks the server who is signed in now and updates the session (after a change that may
/// concern the user themselves, e.g. an admin requiring 2FA of everyone).
pub fn refresh_session(session: RwSignal<SessionInfo>) {
    leptos::task::spawn_local(async move {
        if let Ok(info) = crate::api::session::whoami().await {
            session.set(info);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dto::CurrentUser;

    #[test]
    fn script_json_cannot_close_the_script_tag() {
        let info = SessionInfo {
            user: Some(CurrentUser {
                id: crate::domain::ids::UserId(1),
                username: "x".into(),
                display_name: "</script><script>alert(1)</script>".into(),
                is_admin: false,
                must_change_password: false,
                must_enrol: false,
                sync_password_needed: false,
            }),
            lang: Default::default(),
            pending_code_to: None,
            code_wait_secs: None,
            pending_app_code: false,
        };
        let json = to_script_json(&info);
        assert!(!json.contains("</script>"));
        let back: SessionInfo = serde_json::from_str(&json).unwrap();
        assert_eq!(back, info);
    }
}
