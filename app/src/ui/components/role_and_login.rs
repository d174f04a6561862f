//! The "Role and login" block: one user's account data, on /preferences and on the admin's
//! page for that user.

use crate::api::dto::Profile;
use crate::ui::session::text;
use crate::ui::session::use_texts;
use leptos::prelude::*;

/// One "label: value" line. Plain closures, not derived signals: a signal created here would
/// be disposed with this component while a render effect of the enclosing page still reads it
/// (it happened on logout).
pub fn kv_row<L, V, S>(label: L, value: V) -> impl IntoView
where
    L: Fn() -> &'static str + Send + Sync + 'static,
    V: Fn() -> S + Send + Sync + 'static,
    S: IntoView + 'static,
{
    view! {
        <div class="kv">
            <dt>{label}</dt>
            <dd>{value}</dd>
        </div>
    }
}

#[component]
pub fn RoleAndLogin(profile: Profile) -> impl IntoView {
    let t = use_texts();
    let p = profile;
    let yes_no = move |b: bool| if b { t.get().yes } else { t.get().no };
    let (is_admin, active, two_factor, language) = (p.is_admin, p.active, p.two_factor, p.language);
    let fixed = |s: String| move || s.clone();

    view! {
        <section class="card" aria-labelledby="role-and-login">
            <h2 id="role-and-login">{text(t, |t| t.role_and_login)}</h2>
            <dl class="kv-grid">
                {kv_row(text(t, |t| t.username), fixed(p.username.clone()))}
                {kv_row(text(t, |t| t.administrator), move || yes_no(is_admin))}
                {kv_row(
                    text(t, |t| t.two_factor),
                    move || t.get().method(two_factor),
                )}
                {kv_row(
                    text(t, |t| t.status),
                    move || if active { t.get().status_active } else { t.get().status_inactive },
                )}
                {kv_row(text(t, |t| t.email), fixed(p.email.clone()))}
                {kv_row(text(t, |t| t.first_name), fixed(p.first_name.clone()))}
                {kv_row(text(t, |t| t.last_name), fixed(p.last_name.clone()))}
                {kv_row(
                    text(t, |t| t.role),
                    move || if is_admin { t.get().role_admin } else { t.get().role_user },
                )}
                {kv_row(
                    text(t, |t| t.language),
                    move || language.map(|l| l.native_name()).unwrap_or(t.get().language_browser),
                )}
            </dl>
        </section>
    }
}
