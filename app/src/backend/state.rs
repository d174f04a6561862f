//! The one shared state, built once by the server binary and handed to every request.

use crate::backend::activesync::credential_epochs::CredentialEpochs;
use crate::backend::clock::Clock;
use crate::backend::identity::passwords::PasswordHasher;
use crate::backend::identity::throttle::LoginThrottle;
use crate::backend::mail::Mailer;
use crate::backend::pim::watch::FolderWatch;
use crate::backend::secrets::keyring::KeyRing;
use crate::backend::secrets::SecretBox;
use crate::backend::store::{Database, Pool};
use crate::domain::device_setup::{self, DeviceEndpoint};
use crate::domain::proxies::Cidr;
use std::sync::Arc;
use zeroize::Zeroizing;

const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:3000";

#[derive(Clone)]
pub struct AppState {
    /// The store's pool (SQLite or PostgreSQL, see `store`).
    pub pool: Pool,
    /// The same database through its own driver (sessions, notifications).
    pub database: Database,
    pub hasher: Arc<PasswordHasher>,
    pub throttle: Arc<LoginThrottle>,
    /// What the door's cached checks were made under (see `credential_epochs`).
    pub credentials: Arc<CredentialEpochs>,
    /// Who waits for which user's folders to change (phones in `Ping`).
    pub folders: Arc<FolderWatch>,
    /// This instance among those on one database (random at start): its own announcements
    /// come back to it through PostgreSQL and are skipped.
    pub instance: Arc<str>,
    pub clock: Arc<dyn Clock>,
    /// The key file's keys at start, current first: the first keys the hashes of new emailed
    /// codes, any of them checks one (a code issued just before a rotation still works).
    pub code_keys: Arc<Vec<Zeroizing<[u8; 32]>>>,
    pub mailer: Mailer,
    /// Seals and opens the stored sync passwords.
    pub secrets: Arc<SecretBox>,
    /// The server as a phone must be told about it (device setup help).
    pub device_endpoint: DeviceEndpoint,
    /// The public URL's origin (`https://crm.example.it`): cross-site requests are refused
    /// against it, and `?next=` must stay on it.
    pub public_origin: Arc<str>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`SYNCGATE_TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<Vec<Cidr>>,
}

/// The client's address as the server decided it (socket peer, or `X-Forwarded-For` from a
/// trusted proxy), put into every request's extensions by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

impl AppState {
    /// One key, no key file (tests).
    pub fn new(database: Database, clock: Arc<dyn Clock>, key: [u8; 32], mailer: Mailer) -> Self {
        let ring = KeyRing::single(key);
        Self::with_keys(database, clock, &ring, SecretBox::new(&ring), mailer)
    }

    pub fn with_keys(
        database: Database,
        clock: Arc<dyn Clock>,
        ring: &KeyRing,
        secrets: SecretBox,
        mailer: Mailer,
    ) -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let secrets = Arc::new(secrets);
        let throttle = Arc::new(LoginThrottle::new(&database, ring.current()));
        // Mail waits in the database; this instance's worker delivers it.
        mailer.attach(&database, secrets.clone());
        Self {
            pool: database.pool.clone(),
            database,
            hasher: Arc::new(PasswordHasher::new(cores)),
            throttle,
            instance: format!("{:016x}", rand::random::<u64>()).into(),
            credentials: Arc::new(CredentialEpochs::default()),
            folders: Arc::new(FolderWatch::default()),
            clock,
            secrets,
            code_keys: Arc::new(ring.keys().map(|k| Zeroizing::new(*k)).collect()),
            mailer,
            device_endpoint: device_setup::endpoint(DEFAULT_PUBLIC_URL)
                .expect("the default public URL is a valid http URL"),
            public_origin: origin_of(DEFAULT_PUBLIC_URL).into(),
            trusted_proxies: Arc::new(Vec::new()),
        }
    }

    /// The public base URL users reach the console at: phones are told its host and port.
    pub fn with_public_url(mut self, url: &str) -> Self {
        if let Some(endpoint) = device_setup::endpoint(url) {
            self.device_endpoint = endpoint;
            self.public_origin = origin_of(url).into();
        }
        self
    }

    pub fn with_trusted_proxies(mut self, proxies: Vec<Cidr>) -> Self {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}

/// `https://crm.example.it:8443/x/` → `https://crm.example.it:8443` (default ports dropped,
/// as browsers write `Origin`).
pub fn origin_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => url.trim_end_matches('/').to_string(),
    }
}
