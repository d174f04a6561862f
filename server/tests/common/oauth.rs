//! A real OAuth2 token endpoint on 127.0.0.1 for the client-credentials grant, answering as
//! Microsoft's does (`/{tenant}/oauth2/v2.0/token`, `AADSTS` codes in its refusals). The
//! tokens it issues are the ones `SmtpSink::start_xoauth2` accepts.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const TENANT: &str = "contoso.onmicrosoft.com";
pub const CLIENT_ID: &str = "0a1b2c3d-1111-2222-3333-444455556666";
pub const CLIENT_SECRET: &str = "Xy7~client-secret-value.s3cr3t";
pub const SCOPE: &str = "https://outlook.office365.com/.default";

#[derive(Clone)]
pub struct TokenEndpoint {
    pub base: String,
    /// Every token issued so far (the SMTP sink accepts these).
    pub issued: Arc<Mutex<Vec<String>>>,
    /// Successful grants.
    grants: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Shared {
    issued: Arc<Mutex<Vec<String>>>,
    grants: Arc<AtomicUsize>,
}

impl TokenEndpoint {
    pub async fn start() -> TokenEndpoint {
        let shared = Shared {
            issued: Arc::new(Mutex::new(Vec::new())),
            grants: Arc::new(AtomicUsize::new(0)),
        };
        let app = Router::new()
            .route("/{tenant}/oauth2/v2.0/token", post(grant))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind token endpoint");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TokenEndpoint {
            base: format!("http://{addr}"),
            issued: shared.issued,
            grants: shared.grants,
        }
    }

    /// The endpoint's URL for `tenant`, as an admin would type it.
    pub fn url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.base)
    }

    pub fn grants(&self) -> usize {
        self.grants.load(Ordering::SeqCst)
    }
}

fn refusal(status: StatusCode, error: &str, description: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({ "error": error, "error_description": description, "error_codes": [] })),
    )
}

async fn grant(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if tenant != TENANT {
        return refusal(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS90002: Tenant 'x' not found.",
        );
    }
    if field("grant_type") != "client_credentials" || field("scope") != SCOPE {
        return refusal(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: The request body must contain the grant_type and scope.",
        );
    }
    if field("client_id") != CLIENT_ID {
        return refusal(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "AADSTS700016: Application was not found in the directory.",
        );
    }
    if field("client_secret") != CLIENT_SECRET {
        // Microsoft's words; an endpoint that echoed the secret would be scrubbed too.
        let echoed = format!(
            "AADSTS7000215: Invalid client secret provided ({}). Ensure the secret being sent \
             in the request is the client secret value, not the client secret ID.",
            field("client_secret")
        );
        return refusal(StatusCode::UNAUTHORIZED, "invalid_client", &echoed);
    }
    let token = format!("tok-{:016x}", rand::random::<u64>());
    shared.issued.lock().expect("tokens").push(token.clone());
    shared.grants.fetch_add(1, Ordering::SeqCst);
    (
        StatusCode::OK,
        Json(json!({ "access_token": token, "token_type": "Bearer", "expires_in": 3599 })),
    )
}
