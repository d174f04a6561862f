//! Access tokens for Office 365 SMTP: the OAuth2 client-credentials grant (the `oauth2`
//! crate), one token kept per instance until shortly before it expires, fetched again on
//! demand (also after the mail server refused it). A refusal becomes a diagnosis an admin can
//! act on (Microsoft's code and what it means), never the secret.

use super::server::OAuthApp;
use crate::domain::mail_delivery::{aadsts_code, token_problem, TokenProblem};
use crate::domain::model::{MailFailedAt, MailFailure};
use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, ClientSecret, RequestTokenError, Scope, TokenResponse, TokenUrl};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// What Office 365 SMTP accepts for an app's token.
pub const OFFICE365_SCOPE: &str = "https://outlook.office365.com/.default";
/// A token is renewed this long before it expires (a mail may take a while to send).
const RENEW_BEFORE: Duration = Duration::from_secs(300);
/// When the endpoint does not say how long the token lasts.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

pub struct TokenCache {
    http: Option<oauth2::reqwest::Client>,
    held: tokio::sync::Mutex<Option<Held>>,
    fetched: AtomicU64,
}

struct Held {
    /// Which app and secret it was issued for: a new secret never gets the old token.
    fingerprint: [u8; 32],
    token: Zeroizing<String>,
    renew_at: Instant,
}

fn fingerprint(app: &OAuthApp) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [
        app.token_url.as_str(),
        app.client_id.as_str(),
        app.client_secret.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().into()
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenCache {
    pub fn new() -> TokenCache {
        // Following redirects would let an endpoint send the secret elsewhere.
        let http = oauth2::reqwest::ClientBuilder::new()
            .redirect(oauth2::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| tracing::warn!("no HTTP client for OAuth2 tokens: {e}"))
            .ok();
        TokenCache {
            http,
            held: tokio::sync::Mutex::new(None),
            fetched: AtomicU64::new(0),
        }
    }

    /// Tokens fetched from an endpoint since start (not those served from the cache).
    pub fn fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }

    /// A token for `app`: the kept one while it is good, otherwise a new one. One fetch at a
    /// time: mails waiting meanwhile get the token it brings.
    pub async fn token(&self, app: &OAuthApp) -> Result<Zeroizing<String>, MailFailure> {
        let mut held = self.held.lock().await;
        let key = fingerprint(app);
        if let Some(h) = held.as_ref() {
            if h.fingerprint == key && Instant::now() < h.renew_at {
                return Ok(h.token.clone());
            }
        }
        *held = None;
        let (token, lifetime) = self.fetch(app).await?;
        let fetched = self.fetched.fetch_add(1, Ordering::Relaxed) + 1;
        let keep = lifetime.saturating_sub(RENEW_BEFORE).max(lifetime / 2);
        // One line per token (about one an hour): how often the endpoint is asked, no secret.
        tracing::info!(
            fetched_since_start = fetched,
            kept_secs = keep.as_secs(),
            "mail: OAuth2 access token fetched"
        );
        *held = Some(Held {
            fingerprint: key,
            token: token.clone(),
            renew_at: Instant::now() + keep,
        });
        Ok(token)
    }

    /// Drops the kept token (the mail server refused it).
    pub async fn forget(&self) {
        *self.held.lock().await = None;
    }

    async fn fetch(&self, app: &OAuthApp) -> Result<(Zeroizing<String>, Duration), MailFailure> {
        let failure = |token: TokenProblem, code: Option<String>, detail: String| MailFailure {
            at: MailFailedAt::Token,
            code,
            token: Some(token),
            detail: scrub(&detail, app),
        };
        let Some(http) = &self.http else {
            return Err(failure(
                TokenProblem::Unreachable,
                None,
                "no HTTP client".into(),
            ));
        };
        let url = TokenUrl::new(app.token_url.clone())
            .map_err(|e| failure(TokenProblem::Unreachable, None, e.to_string()))?;
        let client = BasicClient::new(ClientId::new(app.client_id.clone()))
            .set_client_secret(ClientSecret::new(app.client_secret.to_string()))
            .set_token_uri(url)
            // Microsoft documents the secret in the form body (client_secret_post).
            .set_auth_type(AuthType::RequestBody);
        let answer = client
            .exchange_client_credentials()
            .add_scope(Scope::new(OFFICE365_SCOPE.into()))
            .request_async(http)
            .await;
        match answer {
            Ok(r) => Ok((
                Zeroizing::new(r.access_token().secret().clone()),
                r.expires_in().unwrap_or(DEFAULT_LIFETIME),
            )),
            Err(RequestTokenError::ServerResponse(e)) => {
                let error = e.error().to_string();
                let description = e.error_description().cloned().unwrap_or_default();
                let code = aadsts_code(&description);
                let problem = token_problem(&error, code.as_deref());
                let first_line = description.lines().next().unwrap_or_default();
                Err(failure(problem, code, format!("{error}: {first_line}")))
            }
            Err(RequestTokenError::Request(e)) => {
                Err(failure(TokenProblem::Unreachable, None, e.to_string()))
            }
            Err(RequestTokenError::Parse(e, _)) => Err(failure(
                TokenProblem::Unreachable,
                None,
                format!("the answer is not an OAuth2 token: {e}"),
            )),
            Err(RequestTokenError::Other(e)) => Err(failure(TokenProblem::Other, None, e)),
        }
    }
}

/// An endpoint may echo what it was sent: the secret never leaves in a diagnosis.
fn scrub(text: &str, app: &OAuthApp) -> String {
    let secret = app.client_secret.as_str();
    let mut text = text.to_string();
    if secret.len() >= 4 {
        // As sent, and as a form or a URL would carry it.
        let encoded = crate::domain::text::percent_encode(secret, &[]);
        for form in [secret, encoded.as_str(), &encoded.replace("%20", "+")] {
            text = text.replace(form, "•••");
        }
    }
    // Cut after the secret is gone, so no part of it is left at the edge.
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(secret: &str) -> OAuthApp {
        OAuthApp {
            token_url: "http://127.0.0.1:9/t/token".into(),
            client_id: "client".into(),
            client_secret: Zeroizing::new(secret.into()),
            username: "noreply@example.it".into(),
        }
    }

    #[test]
    fn a_diagnosis_never_carries_the_secret() {
        let a = app("s3cr3t-value");
        assert_eq!(
            scrub("invalid_client: bad secret s3cr3t-value given", &a),
            "invalid_client: bad secret ••• given"
        );
    }

    #[test]
    fn an_echo_in_any_form_or_at_the_edge_is_scrubbed() {
        let a = app("a b~c/d+e");
        assert_eq!(scrub("got a%20b~c%2Fd%2Be", &a), "got •••");
        assert_eq!(scrub("got a+b~c%2Fd%2Be", &a), "got •••");
        let long = format!("{}{}", "x".repeat(295), "a b~c/d+e");
        assert!(!scrub(&long, &a).contains("a b"), "cut after scrubbing");
    }

    #[test]
    fn a_new_secret_is_another_token() {
        assert_ne!(
            fingerprint(&app("one-secret")),
            fingerprint(&app("two-secret"))
        );
        assert_eq!(
            fingerprint(&app("one-secret")),
            fingerprint(&app("one-secret"))
        );
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_said_so() {
        let cache = TokenCache::new();
        let e = cache.token(&app("secret-1")).await.unwrap_err();
        assert_eq!(e.at, MailFailedAt::Token);
        assert_eq!(e.token, Some(TokenProblem::Unreachable));
        assert_eq!(cache.fetched(), 0);
    }
}
