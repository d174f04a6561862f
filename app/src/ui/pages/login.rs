//! /login: username and password, then the second factor when 2FA is on (the emailed code,
//! the app's, or a recovery code).

use crate::api::session::{Login, ResendLoginCode, VerifyLoginCode};
use crate::domain::redirect::safe_next;
use crate::i18n::fill;
use crate::ui::components::code_input::{RecoverySwitch, SecondFactorInput};
use crate::ui::components::field::{field_error, form_error, ErrorAlert, Field, SendNewCode};
use crate::ui::navigate::go;
use crate::ui::session::text;
use crate::ui::session::{use_session, use_texts};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The route (rendered on the server): someone already signed in goes straight on.
#[component]
pub fn LoginPage() -> impl IntoView {
    // Only same-site paths are followed after login (no open redirect).
    let next = safe_next(use_query_map().with_untracked(|q| q.get("next")).as_deref());
    if use_session().with_untracked(|s| s.user.is_some()) {
        return view! { <Redirect path=next/> }.into_any();
    }
    view! { <LoginForm next=next/> }.into_any()
}

/// `next`: where to go once signed in (already checked to be on this site).
#[island]
fn LoginForm(next: String) -> impl IntoView {
    let session = use_session();
    let next = Signal::stored(next);
    // Only the step changes what is shown; the language alone does not rebuild the form.
    let step = Memo::new(move |_| {
        session.with(|s| match (&s.user, &s.pending_code_to) {
            (Some(_), _) => Step::Done,
            (None, Some(to)) => Step::Code(Some(to.clone()), s.code_wait_secs),
            (None, None) if s.pending_app_code => Step::Code(None, None),
            (None, None) => Step::Password,
        })
    });

    move || match step.get() {
        Step::Done => ().into_any(),
        Step::Password => view! { <PasswordStep next=next/> }.into_any(),
        Step::Code(to, wait) => view! { <CodeStep to=to wait=wait next=next/> }.into_any(),
    }
}

#[derive(Clone, PartialEq)]
enum Step {
    Password,
    /// The code is awaited: emailed to this masked address (with the wait before a new one
    /// may be sent), or (`None`) from the authenticator app.
    Code(Option<String>, Option<u64>),
    Done,
}

#[component]
fn PasswordStep(next: Signal<String>) -> impl IntoView {
    let session = use_session();
    let t = use_texts();
    let login = ServerAction::<Login>::new();
    Effect::new(move |_| {
        if let Some(Ok(info)) = login.value().get() {
            let signed_in = info.user.is_some();
            session.set(info);
            if signed_in {
                go(&next.get_untracked());
            }
        }
    });
    let value = login.value();
    view! {
        <section class="card narrow">
            <h1>{text(t, |t| t.login_title)}</h1>
            <p>{text(t, |t| t.login_intro)}</p>
            <ErrorAlert message=form_error(value, t)/>
            <ActionForm action=login attr:aria-label=text(t, |t| t.login_title)>
                <Field
                    name="username"
                    label=Signal::derive(text(t, |t| t.username))
                    autocomplete="username"
                    required=true
                    error=field_error(value, "username", t)
                />
                <Field
                    name="password"
                    kind="password"
                    label=Signal::derive(text(t, |t| t.password))
                    autocomplete="current-password"
                    required=true
                    error=field_error(value, "password", t)
                />
                <button type="submit" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { t.get().signing_in } else { t.get().sign_in }}
                </button>
            </ActionForm>
        </section>
    }
}

/// `to`: where the emailed code went; `None`: the code comes from the authenticator app.
#[component]
fn CodeStep(to: Option<String>, wait: Option<u64>, next: Signal<String>) -> impl IntoView {
    let session = use_session();
    let t = use_texts();
    let verify = ServerAction::<VerifyLoginCode>::new();
    let resend = ServerAction::<ResendLoginCode>::new();
    let recovery = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(info)) = verify.value().get() {
            session.set(info);
            go(&next.get_untracked());
        }
    });
    let value = verify.value();
    let app = to.is_none();
    let emailed = to.clone();
    view! {
        <section class="card narrow" aria-labelledby="code-title">
            <h1 id="code-title">{text(t, |t| t.two_factor)}</h1>
            {to.map(|to| view! {
                <p>
                    {move || match wait {
                        Some(secs) => fill(t.get().err_too_soon, secs),
                        None => fill(t.get().code_sent_to, &to),
                    }}
                </p>
            })}
            <ErrorAlert message=form_error(value, t)/>
            <ActionForm action=verify attr:aria-labelledby="code-title">
                <SecondFactorInput
                    name="code"
                    recovery_field="recovery"
                    app=app
                    recovery=recovery
                    error=field_error(value, "code", t)
                />
                <button type="submit" disabled=move || verify.pending().get()>
                    {text(t, |t| t.verify)}
                </button>
            </ActionForm>
            <RecoverySwitch recovery=recovery/>
            {emailed.map(|_| view! {
                <Show when=move || !recovery.get()>
                    <SendNewCode
                        pending=resend.pending()
                        sent=Signal::derive(move || matches!(resend.value().get(), Some(Ok(()))))
                        error=form_error(resend.value(), t)
                        on_click=Callback::new(move |()| {
                            resend.dispatch(ResendLoginCode {});
                        })
                    />
                </Show>
            })}
        </section>
    }
}
