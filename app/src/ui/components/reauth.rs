//! The one re-authentication dialog (SPEC 1.4). A server function that needs a fresh proof
//! answers `ReauthRequired`; the page hands the gate what to do next (`ask`), the dialog asks
//! for the password (and, when 2FA is on, the code of the user's method or a recovery code),
//! then runs it again.

use crate::api::error::AppError;
use crate::api::reauth::{Reauthenticate, ResendReauthCode, StartReauth};
use crate::i18n::fill;
use crate::ui::components::code_input::{RecoverySwitch, SecondFactorInput};
use crate::ui::components::dialog::focus_on_open;
use crate::ui::components::field::{field_error, form_error, ErrorAlert, Field, SendNewCode};
use crate::ui::session::text;
use crate::ui::session::use_texts;
use leptos::prelude::*;

/// What to run after a successful re-authentication, and after a cancelled one.
#[derive(Clone, Copy)]
struct Pending {
    then: Callback<()>,
    cancelled: Callback<()>,
}

#[derive(Clone, Copy)]
pub struct ReauthGate {
    pending: RwSignal<Option<Pending>>,
}

impl ReauthGate {
    pub fn provide() -> ReauthGate {
        let gate = ReauthGate {
            pending: RwSignal::new(None),
        };
        provide_context(gate);
        gate
    }

    /// Opens the dialog; `then` runs after success, `cancelled` if the user gives up.
    pub fn ask(
        &self,
        then: impl Fn() + Send + Sync + 'static,
        cancelled: impl Fn() + Send + Sync + 'static,
    ) {
        self.pending.set(Some(Pending {
            then: Callback::new(move |()| then()),
            cancelled: Callback::new(move |()| cancelled()),
        }));
    }

    fn is_open(&self) -> bool {
        self.pending.with(Option::is_some)
    }

    fn finish(&self, success: bool) {
        if let Some(p) = self.pending.get_untracked() {
            self.pending.set(None);
            if success {
                p.then.run(());
            } else {
                p.cancelled.run(());
            }
        }
    }
}

pub fn use_reauth() -> ReauthGate {
    expect_context::<ReauthGate>()
}

/// Watches an action's result: when the server asks for re-authentication, opens the dialog
/// and runs `retry` after it (or `cancelled` if the user gives up).
fn retry_after_reauth<T, S>(
    value: S,
    retry: impl Fn() + Clone + Send + Sync + 'static,
    cancelled: impl Fn() + Clone + Send + Sync + 'static,
) where
    T: 'static,
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let gate = use_reauth();
    Effect::new(move |_| {
        let asked = value.with(|v| matches!(v, Some(Err(AppError::ReauthRequired))));
        if asked {
            gate.ask(retry.clone(), cancelled.clone());
        }
    });
}

/// Resubmits a form (after re-authentication) with what the user typed in it.
pub fn resubmit(form: NodeRef<leptos::html::Form>) {
    if let Some(form) = form.get_untracked() {
        let _ = form.request_submit();
    }
}

/// The one way the console makes an action whose server function may answer
/// `ReauthRequired` (issue 27): the answer opens the re-authentication dialog where the action
/// was started, and a success carries the action out again, without the user starting over.
/// `app/tests/architecture.rs` refuses a bare `ServerAction` of such a function in `ui/`.
/// Create it where the action lives (the page), not in a part the action's result re-renders.
pub struct ReauthAction<S>
where
    S: leptos::server_fn::ServerFn + 'static,
    S::Output: 'static,
{
    action: ServerAction<S>,
    last: StoredValue<Option<S>>,
}

impl<S> Clone for ReauthAction<S>
where
    S: leptos::server_fn::ServerFn + 'static,
    S::Output: 'static,
{
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for ReauthAction<S>
where
    S: leptos::server_fn::ServerFn + 'static,
    S::Output: 'static,
{
}

impl<S> Default for ReauthAction<S>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<S> ReauthAction<S>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    /// A button's action: after re-authentication the input of the last `dispatch` is sent
    /// again; a cancel leaves things as they are.
    pub fn new() -> Self {
        Self::on_cancel(|| ())
    }

    /// As `new`, with what to undo when the user gives up (a switch put back).
    pub fn on_cancel(cancelled: impl Fn() + Clone + Send + Sync + 'static) -> Self {
        let action = ServerAction::<S>::new();
        let last = StoredValue::new(None::<S>);
        let retry = move || {
            if let Some(input) = last.try_get_value().flatten() {
                action.dispatch(input);
            }
        };
        retry_after_reauth(action.value(), retry, cancelled);
        Self { action, last }
    }

    /// A form's action (`ActionForm action=x.action()`): after re-authentication the form is
    /// submitted again with what the user typed in it.
    pub fn for_form(form: NodeRef<leptos::html::Form>) -> Self {
        Self::retrying(move |_| resubmit(form), || ())
    }

    /// An action with its own way to go on after re-authentication (`retry` gets the action)
    /// and to give up.
    pub fn retrying(
        retry: impl Fn(ServerAction<S>) + Clone + Send + Sync + 'static,
        cancelled: impl Fn() + Clone + Send + Sync + 'static,
    ) -> Self {
        let action = ServerAction::<S>::new();
        retry_after_reauth(action.value(), move || retry(action), cancelled);
        Self {
            action,
            last: StoredValue::new(None),
        }
    }

    pub fn dispatch(&self, input: S) {
        self.last.set_value(Some(input.clone()));
        self.action.dispatch(input);
    }

    /// The action itself, for `ActionForm`.
    pub fn action(&self) -> ServerAction<S> {
        self.action
    }

    pub fn value(&self) -> MappedSignal<Option<Result<S::Output, AppError>>> {
        self.action.value()
    }

    pub fn pending(&self) -> Memo<bool> {
        self.action.pending()
    }

    pub fn version(&self) -> RwSignal<usize> {
        self.action.version()
    }

    pub fn input(&self) -> MappedSignal<Option<S>> {
        self.action.input()
    }
}

/// Rendered once at the root; shows the dialog while the gate is open.
#[island]
pub fn ReauthDialog() -> impl IntoView {
    let gate = use_reauth();
    view! {
        <Show when=move || gate.is_open()>
            <ReauthForm gate=gate/>
        </Show>
    }
}

/// Mounted fresh for every opening, so no answer of a previous one lingers.
#[component]
fn ReauthForm(gate: ReauthGate) -> impl IntoView {
    let t = use_texts();
    let start = ServerAction::<StartReauth>::new();
    let confirm = ServerAction::<Reauthenticate>::new();
    let resend = ServerAction::<ResendReauthCode>::new();
    start.dispatch(StartReauth {});
    let code_to = Memo::new(move |_| {
        start.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().ok())
                .and_then(|c| c.code_to.clone())
        })
    });
    let app = Memo::new(move |_| {
        start.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().ok())
                .is_some_and(|c| c.app)
        })
    });
    let needs_code = Memo::new(move |_| code_to.with(Option::is_some) || app.get());
    let recovery = RwSignal::new(false);
    let wait = Memo::new(move |_| {
        start.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().ok())
                .and_then(|c| c.wait_secs)
        })
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = confirm.value().get() {
            gate.finish(true);
        }
    });
    focus_on_open("reauth_password");
    let value = confirm.value();

    view! {
        <div
            class="overlay"
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    gate.finish(false);
                }
            }
        >
            <div
                class="dialog card"
                role="dialog"
                aria-modal="true"
                aria-labelledby="reauth-title reauth-intro"
            >
                // SPEC 1.4's title, with or without a second factor, as in the source documents.
                <h2 id="reauth-title">{text(t, |t| t.reauth_title)}</h2>
                <p id="reauth-intro">{text(t, |t| t.reauth_intro)}</p>
                <ErrorAlert message=form_error(start.value(), t)/>
                <ErrorAlert message=form_error(value, t)/>
                <ActionForm action=confirm attr:aria-labelledby="reauth-title">
                    <Field
                        name="reauth_password"
                        kind="password"
                        autocomplete="current-password"
                        required=true
                        label=Signal::derive(text(t, |t| t.reauth_password))
                        error=field_error(value, "reauth_password", t)
                    />
                    {move || {
                        needs_code.get().then(|| {
                            let hint = code_to.get().map(|to| view! {
                                <p class="hint">
                                    {move || match wait.get() {
                                        Some(secs) => fill(t.get().err_too_soon, secs),
                                        None => fill(t.get().code_sent_to, &to),
                                    }}
                                </p>
                            });
                            view! {
                                {hint}
                                <SecondFactorInput
                                    name="reauth_code"
                                    recovery_field="reauth_recovery"
                                    app=app.get()
                                    recovery=recovery
                                    error=field_error(value, "reauth_code", t)
                                />
                            }
                        })
                    }}
                    <div class="buttons">
                        <button type="submit" disabled=move || confirm.pending().get()>
                            {text(t, |t| t.verify)}
                        </button>
                        <button type="button" class="plain" on:click=move |_| gate.finish(false)>
                            {text(t, |t| t.cancel)}
                        </button>
                    </div>
                </ActionForm>
                <Show when=move || needs_code.get()>
                    <RecoverySwitch recovery=recovery/>
                </Show>
                <Show when=move || code_to.with(Option::is_some) && !recovery.get()>
                    <SendNewCode
                        pending=resend.pending()
                        sent=Signal::derive(move || matches!(resend.value().get(), Some(Ok(()))))
                        error=form_error(resend.value(), t)
                        on_click=Callback::new(move |()| {
                            resend.dispatch(ResendReauthCode {});
                        })
                    />
                </Show>
            </div>
        </div>
    }
}
