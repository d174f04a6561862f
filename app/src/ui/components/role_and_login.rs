//! The "Role and login" block: one user's account data, on /preferences and on the admin's
//! page for that user.

use crate::api::dto::{Profile, TwoFactorMethod};
use crate::ui::session::use_texts;
use leptos::prelude::*;

#[component]
pub fn RoleAndLogin(profile: Profile) -> impl IntoView {
    let t = use_texts();
    let p = StoredValue::new(profile);
    let yes_no = move |b: bool| if b { t.get().yes } else { t.get().no };
    let row = move |label: Signal<&'static str>, value: Signal<String>| {
        view! {
            <div class="kv">
                <dt>{label}</dt>
                <dd>{value}</dd>
            </div>
        }
    };
    let text = move |f: fn(&Profile) -> String| Signal::derive(move || p.with_value(f));
    let label =
        move |f: fn(&crate::i18n::Texts) -> &'static str| Signal::derive(move || f(t.get()));

    view! {
        <section class="card" aria-labelledby="role-and-login">
            <h2 id="role-and-login">{move || t.get().role_and_login}</h2>
            <dl class="kv-grid">
                {row(label(|t| t.username), text(|p| p.username.clone()))}
                {row(label(|t| t.administrator), Signal::derive(move || yes_no(p.with_value(|p| p.is_admin)).to_string()))}
                {row(
                    label(|t| t.two_factor),
                    Signal::derive(move || {
                        match p.with_value(|p| p.two_factor) {
                            TwoFactorMethod::Off => t.get().two_factor_off,
                            TwoFactorMethod::Email => t.get().two_factor_email,
                        }
                            .to_string()
                    }),
                )}
                {row(
                    label(|t| t.status),
                    Signal::derive(move || {
                        if p.with_value(|p| p.active) { t.get().status_active } else { t.get().status_inactive }
                            .to_string()
                    }),
                )}
                {row(label(|t| t.email), text(|p| p.email.clone()))}
                {row(label(|t| t.first_name), text(|p| p.first_name.clone()))}
                {row(label(|t| t.last_name), text(|p| p.last_name.clone()))}
                {row(
                    label(|t| t.role),
                    Signal::derive(move || {
                        if p.with_value(|p| p.is_admin) { t.get().role_admin } else { t.get().role_user }
                            .to_string()
                    }),
                )}
                {row(
                    label(|t| t.language),
                    Signal::derive(move || {
                        p.with_value(|p| p.language)
                            .map(|l| l.native_name())
                            .unwrap_or(t.get().language_browser)
                            .to_string()
                    }),
                )}
            </dl>
        </section>
    }
}
