//! The banner above every admin page while the Office 365 client secret for mail expires
//! within 30 days or has expired (the server says which: `settings/mail-warning`).

use crate::api::dto::MailSecretWarning;
use crate::api::settings::get_mail_warning;
use crate::domain::mail_delivery::SecretExpiry;
use crate::i18n::fill;
use crate::ui::resource::server_resource;
use crate::ui::session::use_texts;
use leptos::prelude::*;

/// Bumped when mail settings are saved, so the banner above the page reads the expiry again.
#[derive(Clone, Copy)]
pub struct BannerRefresh(pub RwSignal<u32>);

/// Called by the admin pages' root, above both the banner and the page.
pub fn provide_banner_refresh() {
    provide_context(BannerRefresh(RwSignal::new(0)));
}

/// The client secret's expiry in words.
#[component]
fn ExpiryNote(warning: MailSecretWarning) -> impl IntoView {
    let t = use_texts();
    let date = warning.expires_on.to_string();
    let words = move || {
        let t = t.get();
        match warning.expiry {
            SecretExpiry::Expired => fill(t.mail_expiry_expired, &date),
            SecretExpiry::Soon { days_left } => format!(
                "{} {}",
                fill(t.mail_expiry_soon, &date),
                fill(t.mail_expiry_days, days_left)
            ),
            SecretExpiry::Fine => String::new(),
        }
    };
    (warning.expiry != SecretExpiry::Fine)
        .then(|| view! { <p class="alert warning mail-expiry" role="alert">{words}</p> })
}

/// Shown above every admin page while the Office 365 client secret expires within 30 days
/// or has expired.
#[component]
pub fn MailSecretBanner() -> impl IntoView {
    let version = use_context::<BannerRefresh>().map(|BannerRefresh(v)| v);
    let warning = server_resource(move || version.map(|v| v.get()), |_| get_mail_warning());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match warning.await {
                    Ok(Some(w)) => view! { <ExpiryNote warning=w/> }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Transition>
    }
}
