//! The one shared state, built once by the server binary and handed to every request.

use super::clock::Clock;
use super::mail::Mailer;
use super::passwords::PasswordHasher;
use super::secrets::SecretBox;
use super::throttle::LoginThrottle;
use sqlx::SqlitePool;
use std::sync::Arc;
use zeroize::Zeroizing;

#[derive(Clone)]
pub struct AppState {
    pub pool: SqlitePool,
    pub hasher: Arc<PasswordHasher>,
    pub throttle: Arc<LoginThrottle>,
    pub clock: Arc<dyn Clock>,
    /// The server's 256-bit secret (key file): keys the hashes of emailed codes.
    pub key: Arc<Zeroizing<[u8; 32]>>,
    pub mailer: Mailer,
    /// Seals and opens the stored sync passwords.
    pub secrets: Arc<SecretBox>,
}

impl AppState {
    pub fn new(pool: SqlitePool, clock: Arc<dyn Clock>, key: [u8; 32], mailer: Mailer) -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Self {
            pool,
            hasher: Arc::new(PasswordHasher::new(cores)),
            throttle: Arc::new(LoginThrottle::default()),
            clock,
            secrets: Arc::new(SecretBox::new(&key)),
            key: Arc::new(Zeroizing::new(key)),
            mailer,
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}
