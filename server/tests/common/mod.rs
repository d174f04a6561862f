//! A real server on 127.0.0.1 with a temporary SQLite file, and a minimal browser that keeps
//! its own session cookie so tests can watch it change.
#![allow(dead_code)]

pub mod door;
pub mod guessing;
pub mod oauth;
pub mod phone;
pub mod smtp;

use app::backend::clock::ManualClock;
use app::backend::identity::accounts::{self, NewUser};
use app::backend::identity::proofs::{Admin, Reauthenticated};
use app::backend::mail::{smtp_transport, Mailer, Transport};
use app::backend::state::AppState;
use app::backend::store;
use reqwest::header::{ACCEPT_LANGUAGE, COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;
use zeroize::Zeroizing;

pub const COOKIE_NAME: &str = "syncgate_session";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// A new, empty database for one test server: a SQLite file in `dir`, or a database of its
/// own on the PostgreSQL server `SYNCGATE_TEST_DATABASE_URL` names (`tests/with-postgres.sh`
/// sets it; `make test` runs the suite both ways).
pub async fn fresh_database(dir: &std::path::Path) -> String {
    use sqlx::Connection;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    match std::env::var("SYNCGATE_TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            let name = format!(
                "t{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            let mut admin = sqlx::PgConnection::connect(&base)
                .await
                .expect("the PostgreSQL server of SYNCGATE_TEST_DATABASE_URL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("create a test database");
            let mut url = url::Url::parse(&base).expect("a URL");
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
        _ => format!("sqlite://{}", dir.join("test.db").display()),
    }
}

/// Where a test server's mail goes.
enum Mail {
    /// `SYNCGATE_SMTP_URL` (`None`: the test's own sink).
    Url(Option<String>),
    /// Not configured: the console's settings.
    Console,
}

pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    /// Every mail the server sends lands here.
    pub smtp: smtp::SmtpSink,
    /// The database this server runs on (another instance may share it).
    pub database_url: String,
    /// The Office 365-like token endpoint (`start_with_console_mail` only).
    pub token_endpoint: Option<oauth::TokenEndpoint>,
    /// The door's waiting Pings (and Syncs), by device.
    pub waiting: Arc<server::eas::Waiting>,
    /// The places of the door's requests being worked on (`door::PLACES`).
    pub places: Arc<tokio::sync::Semaphore>,
    /// Ends serving as SIGTERM does (`drain`).
    stop: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(None, "").await
    }

    /// A server behind a reverse proxy at `proxies` (the test client itself: 127.0.0.1),
    /// whose `X-Forwarded-For` it believes.
    pub async fn start_behind_proxy(proxies: &str) -> TestServer {
        Self::start_with(None, proxies).await
    }

    /// A server whose mail server is down (nothing listens on its port).
    pub async fn start_with_dead_mail() -> TestServer {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        Self::start_with(Some(format!("smtp://127.0.0.1:{port}")), "").await
    }

    async fn start_with(smtp_url: Option<String>, proxies: &str) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = fresh_database(dir.path()).await;
        let clock = ManualClock::starting_at(1_700_000_000);
        Self::launch(dir, url, clock, Mail::Url(smtp_url), proxies).await
    }

    /// A server started without `SYNCGATE_SMTP_URL` nor `SYNCGATE_MAIL_FROM`: mail goes to
    /// its outbox until an admin saves a mail server on /admin/settings. `smtp` is an Office
    /// 365-like server (XOAUTH2 with tokens from `token_endpoint`) for the admin to point at.
    pub async fn start_with_console_mail() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = fresh_database(dir.path()).await;
        let clock = ManualClock::starting_at(1_700_000_000);
        Self::launch(dir, url, clock, Mail::Console, "").await
    }

    /// A second instance on this one's database, with the same key and clock (as two
    /// instances behind one proxy, on one PostgreSQL).
    pub async fn another_instance(&self) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::launch(
            dir,
            self.database_url.clone(),
            self.clock.clone(),
            Mail::Url(None),
            "",
        )
        .await
    }

    async fn launch(
        dir: tempfile::TempDir,
        url: String,
        clock: Arc<ManualClock>,
        mail: Mail,
        proxies: &str,
    ) -> TestServer {
        let pool = store::connect(&url).await.expect("open db");
        if std::env::var("SYNCGATE_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
            assert_eq!(
                pool.kind(),
                store::Kind::Postgres,
                "the suite runs on PostgreSQL"
            );
        }
        store::migrate(&pool).await.expect("migrate");
        let (smtp, token_endpoint, mailer) = match mail {
            Mail::Url(smtp_url) => {
                let smtp = smtp::SmtpSink::start().await;
                let smtp_url = smtp_url.unwrap_or_else(|| smtp.url());
                let transport = Transport::Smtp(
                    smtp_transport(&app::backend::mail::SmtpUrl::new(smtp_url)).expect("smtp url"),
                );
                let mailer =
                    Mailer::start(transport, "syncgate <noreply@example.it>").expect("mailer");
                (smtp, None, mailer)
            }
            Mail::Console => {
                let endpoint = oauth::TokenEndpoint::start().await;
                let smtp = smtp::SmtpSink::start_xoauth2(endpoint.issued.clone()).await;
                let transport = Transport::Console(dir.path().join("outbox"));
                let mailer = Mailer::start(transport, app::backend::mail::DEFAULT_FROM)
                    .expect("mailer")
                    .with_console_sender();
                (smtp, Some(endpoint), mailer)
            }
        };
        let state = AppState::new(pool, clock.clone(), [42u8; 32], mailer)
            .with_public_url("https://crm.example.it/")
            .with_trusted_proxies(app::domain::proxies::parse_list(proxies).expect("proxy list"));
        let sessions = server::router::session_store(&state)
            .await
            .expect("session store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let leptos = server::router::leptos_options(dir.path(), addr);
        let (app, door) = server::router::build_with_door(state.clone(), leptos, sessions, false);
        let waiting = door.waiting.clone();
        let places = door.places.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        // The connection layer the binary uses; the per-address share is the binary tests'
        // business (these tests open hundreds of connections from 127.0.0.1 at once).
        let limits = server::connections::Limits {
            unfinished_per_address: 100_000,
            max_connections: Some(100_000),
            ..Default::default()
        };
        tokio::spawn(server::connections::serve(
            listener,
            app,
            door,
            limits,
            state.trusted_proxies.to_vec(),
            async move {
                let _ = stopped.await;
            },
        ));
        TestServer {
            base: format!("http://{addr}"),
            state,
            clock,
            smtp,
            token_endpoint,
            database_url: url,
            waiting,
            places,
            stop: std::sync::Mutex::new(Some(stop)),
            _dir: dir,
        }
    }

    /// Stops accepting and drains, as the binary does on SIGTERM.
    pub fn drain(&self) {
        if let Some(stop) = self.stop.lock().expect("stop").take() {
            let _ = stop.send(());
        }
    }

    pub async fn add_user(
        &self,
        username: &str,
        password: &str,
        is_admin: bool,
    ) -> app::domain::ids::UserId {
        accounts::create(
            &self.state,
            &Admin::at_the_command_line(),
            Some(&Reauthenticated::at_the_command_line()),
            &app::backend::audit::Origin::command_line(),
            NewUser {
                username: username.into(),
                email: format!("{username}@example.it"),
                first_name: "Test".into(),
                last_name: username.into(),
                password: Zeroizing::new(password.into()),
                is_admin,
                must_change_password: false,
            },
        )
        .await
        .expect("create user")
    }

    /// Creates the admin `admin` (no email address, like the first admin) on first use and
    /// signs a browser in as them.
    pub async fn signed_in_admin(&self) -> Browser {
        if store::users::by_username(&self.state.pool, "admin")
            .await
            .expect("lookup")
            .is_none()
        {
            accounts::create(
                &self.state,
                &Admin::at_the_command_line(),
                Some(&Reauthenticated::at_the_command_line()),
                &app::backend::audit::Origin::command_line(),
                NewUser {
                    username: "admin".into(),
                    email: String::new(),
                    first_name: String::new(),
                    last_name: "Administrator".into(),
                    password: Zeroizing::new(ADMIN_PASSWORD.into()),
                    is_admin: true,
                    must_change_password: false,
                },
            )
            .await
            .expect("create admin");
        }
        self.signed_in("admin", ADMIN_PASSWORD).await
    }

    /// A user with 2FA by email already on.
    pub async fn add_user_with_2fa(
        &self,
        username: &str,
        password: &str,
    ) -> app::domain::ids::UserId {
        let id = self.add_user(username, password, false).await;
        store::users::set_two_factor(&self.state.pool, id, (None, Some("email")), None, 0)
            .await
            .expect("2FA on");
        id
    }

    /// A browser signed in as `username` (password only: no 2FA).
    pub async fn signed_in(&self, username: &str, password: &str) -> Browser {
        let mut b = self.browser();
        let r = b.login(username, password).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["user"]["username"], username, "{}", r.body);
        b
    }

    /// The code in the newest security-code mail to `to`, read as the user would.
    /// Changes `b`'s email address as a person does: the new address, then the code mailed
    /// there. Returns the last answer.
    pub async fn change_email(&self, b: &mut Browser, email: &str) -> Reply {
        let r = b.call("me/email", &[("email", email)]).await;
        if r.status != StatusCode::OK {
            return r;
        }
        let code = self.latest_code(email);
        b.call("me/email/confirm", &[("code", &code)]).await
    }

    pub fn latest_code(&self, to: &str) -> String {
        let text = self
            .mails_to(to)
            .into_iter()
            .rev()
            .find(|m| m.contains("security code") || m.contains("codice di sicurezza"))
            .unwrap_or_else(|| panic!("no code mail to {to}"));
        // The first run of exactly six digits in the plain-text part.
        let body = text
            .split_once("Content-Transfer-Encoding")
            .map_or(text.as_str(), |(_, b)| b);
        let code = body
            .split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 6)
            .unwrap_or_else(|| panic!("no code in {text}"))
            .to_string();
        assert_eq!(code.len(), 6, "{text}");
        code
    }

    /// Every mail to `to` so far, oldest first, with quoted-printable soft breaks undone.
    pub fn mails_to(&self, to: &str) -> Vec<String> {
        self.smtp
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .map(|m| m.data.replace("=\r\n", "").replace("=\n", ""))
            .collect()
    }

    /// Waits (up to 10 s) for a mail to `to` whose text contains `needle`; notices are sent
    /// in the background, after the response.
    pub async fn wait_for_mail(&self, to: &str, needle: &str) -> String {
        for _ in 0..200 {
            if let Some(m) = self.mails_to(to).into_iter().find(|m| m.contains(needle)) {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "no mail to {to} containing {needle:?}: {:?}",
            self.mails_to(to)
        );
    }

    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // A request that never ends fails its test instead of stalling the suite.
                .timeout(std::time::Duration::from_secs(60))
                .build()
                .expect("client"),
            cookie: None,
            lang: None,
        }
    }
}

pub struct Browser {
    pub base: String,
    client: reqwest::Client,
    /// The session cookie value, as a browser would keep it.
    pub cookie: Option<String>,
    pub lang: Option<&'static str>,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

impl Browser {
    fn absorb(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap_or_default();
            if let Some(rest) = text.strip_prefix(&format!("{COOKIE_NAME}=")) {
                let v = rest.split(';').next().unwrap_or_default().to_string();
                // Max-Age=0 / empty value means the browser drops it.
                self.cookie = if v.is_empty() || text.contains("Max-Age=0") {
                    None
                } else {
                    Some(v)
                };
            }
        }
    }

    fn prepare(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let rb = match &self.cookie {
            Some(c) => rb.header(COOKIE, format!("{COOKIE_NAME}={c}")),
            None => rb,
        };
        match self.lang {
            Some(l) => rb.header(ACCEPT_LANGUAGE, l),
            None => rb,
        }
    }

    /// Calls a server function that takes JSON (forms with nested parts).
    pub async fn call_json(&mut self, endpoint: &str, body: &Value) -> Reply {
        let rb = self
            .client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("Accept", "application/json")
            .json(body);
        let response = self.prepare(rb).send().await.expect("request");
        self.finish(response).await
    }

    /// Calls a server function (form-encoded, as the pages do).
    pub async fn call(&mut self, endpoint: &str, form: &[(&str, &str)]) -> Reply {
        self.call_with(endpoint, form, &[]).await
    }

    /// As `call`, with extra request headers (`Origin`, `Sec-Fetch-Site`, ...).
    pub async fn call_with(
        &mut self,
        endpoint: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut rb = self
            .client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("Accept", "application/json")
            .form(form);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        let response = self.prepare(rb).send().await.expect("request");
        self.finish(response).await
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let rb = self
            .client
            .get(format!("{}{path}", self.base))
            .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        let response = self.prepare(rb).send().await.expect("request");
        self.finish(response).await
    }

    async fn finish(&mut self, response: reqwest::Response) -> Reply {
        self.absorb(&response);
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Reply {
            status,
            body,
            location,
            headers,
        }
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Reply {
        self.call("login", &[("username", username), ("password", password)])
            .await
    }

    /// Re-authenticates with the password (and the emailed code when `code` is given).
    pub async fn reauth(&mut self, password: &str, code: Option<&str>) -> Reply {
        let mut form = vec![("reauth_password", password)];
        if let Some(c) = code {
            form.push(("reauth_code", c));
        }
        self.call("reauth", &form).await
    }

    /// "Choose your password" after signing in with a one-time one (new and confirmation alike).
    pub async fn choose_password(&mut self, password: &str) -> Reply {
        self.call(
            "me/choose-password",
            &[("new_password", password), ("confirm_password", password)],
        )
        .await
    }

    /// The username the server thinks is signed in with this browser's cookie.
    pub async fn whoami(&mut self) -> Option<String> {
        let r = self.call("whoami", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()["user"]["username"].as_str().map(str::to_string)
    }
}
