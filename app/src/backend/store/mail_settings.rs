//! The `mail_settings` row: mail delivery as saved on /admin/settings, its secrets sealed.

use super::columns::Sealed;
use super::{Executes, Pool};
use crate::domain::ids::UserId;
use sqlx::FromRow;

/// The organisation's sealed secrets belong to no user.
pub const ORGANISATION: UserId = UserId(0);

#[derive(Clone, Debug, FromRow)]
pub struct MailRow {
    pub host: String,
    pub port: i64,
    pub security: String,
    pub from_address: String,
    pub from_name: String,
    pub sign_in: String,
    pub username: String,
    pub password_ciphertext: Option<Vec<u8>>,
    pub password_nonce: Option<Vec<u8>>,
    pub password_key_id: Option<String>,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret_ciphertext: Option<Vec<u8>>,
    pub client_secret_nonce: Option<Vec<u8>>,
    pub client_secret_key_id: Option<String>,
    pub secret_expires_on: Option<String>,
    pub token_url: String,
    pub expiry_reminded: Option<i64>,
    pub updated_at: i64,
}

fn sealed(c: &Option<Vec<u8>>, n: &Option<Vec<u8>>, k: &Option<String>) -> Option<Sealed> {
    match (c, n, k) {
        (Some(ciphertext), Some(nonce), Some(key_id)) => Some(Sealed {
            ciphertext: ciphertext.clone(),
            nonce: nonce.clone(),
            key_id: key_id.clone(),
        }),
        _ => None,
    }
}

impl MailRow {
    pub fn password(&self) -> Option<Sealed> {
        sealed(
            &self.password_ciphertext,
            &self.password_nonce,
            &self.password_key_id,
        )
    }

    pub fn client_secret(&self) -> Option<Sealed> {
        sealed(
            &self.client_secret_ciphertext,
            &self.client_secret_nonce,
            &self.client_secret_key_id,
        )
    }

    pub fn set_password(&mut self, s: Option<Sealed>) {
        (
            self.password_ciphertext,
            self.password_nonce,
            self.password_key_id,
        ) = split(s);
    }

    pub fn set_client_secret(&mut self, s: Option<Sealed>) {
        (
            self.client_secret_ciphertext,
            self.client_secret_nonce,
            self.client_secret_key_id,
        ) = split(s);
    }
}

type SealedColumns = (Option<Vec<u8>>, Option<Vec<u8>>, Option<String>);

fn split(s: Option<Sealed>) -> SealedColumns {
    match s {
        Some(s) => (Some(s.ciphertext), Some(s.nonce), Some(s.key_id)),
        None => (None, None, None),
    }
}

/// The row (also inside a caller's transaction, so a save reads what it replaces).
pub async fn read<'e>(db: impl Executes<'e>) -> Result<Option<MailRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT host, port, security, from_address, from_name, sign_in, username, \
         password_ciphertext, password_nonce, password_key_id, tenant_id, client_id, \
         client_secret_ciphertext, client_secret_nonce, client_secret_key_id, \
         secret_expires_on, token_url, expiry_reminded, updated_at \
         FROM mail_settings WHERE id = 1",
    )
    .fetch_optional(db)
    .await
}

/// Stores the row (creating it the first time).
pub async fn save<'e>(db: impl Executes<'e>, row: &MailRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_settings (id, host, port, security, from_address, from_name, \
         sign_in, username, password_ciphertext, password_nonce, password_key_id, tenant_id, \
         client_id, client_secret_ciphertext, client_secret_nonce, client_secret_key_id, \
         secret_expires_on, token_url, expiry_reminded, updated_at) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
         $17, $18, $19) \
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, \
         security = excluded.security, from_address = excluded.from_address, \
         from_name = excluded.from_name, sign_in = excluded.sign_in, \
         username = excluded.username, password_ciphertext = excluded.password_ciphertext, \
         password_nonce = excluded.password_nonce, password_key_id = excluded.password_key_id, \
         tenant_id = excluded.tenant_id, client_id = excluded.client_id, \
         client_secret_ciphertext = excluded.client_secret_ciphertext, \
         client_secret_nonce = excluded.client_secret_nonce, \
         client_secret_key_id = excluded.client_secret_key_id, \
         secret_expires_on = excluded.secret_expires_on, token_url = excluded.token_url, \
         expiry_reminded = excluded.expiry_reminded, updated_at = excluded.updated_at",
    )
    .bind(row.host.as_str())
    .bind(row.port)
    .bind(row.security.as_str())
    .bind(row.from_address.as_str())
    .bind(row.from_name.as_str())
    .bind(row.sign_in.as_str())
    .bind(row.username.as_str())
    .bind(row.password_ciphertext.clone())
    .bind(row.password_nonce.clone())
    .bind(row.password_key_id.clone())
    .bind(row.tenant_id.as_str())
    .bind(row.client_id.as_str())
    .bind(row.client_secret_ciphertext.clone())
    .bind(row.client_secret_nonce.clone())
    .bind(row.client_secret_key_id.clone())
    .bind(row.secret_expires_on.clone())
    .bind(row.token_url.as_str())
    .bind(row.expiry_reminded)
    .bind(row.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Records that the reminder `days` was mailed for the secret expiring on `expires_on`;
/// `false` when it (or a closer one) already was, or the date changed meanwhile: exactly one
/// instance mails each reminder.
pub async fn take_reminder(pool: &Pool, expires_on: &str, days: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mail_settings SET expiry_reminded = $1 WHERE id = 1 \
         AND secret_expires_on = $2 AND (expiry_reminded IS NULL OR expiry_reminded > $1)",
    )
    .bind(days)
    .bind(expires_on)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Which of the row's secrets (for re-encryption under a new key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secret {
    Password,
    ClientSecret,
}

pub async fn sealed_secrets(pool: &Pool) -> Result<Vec<(Secret, Sealed)>, sqlx::Error> {
    Ok(match read(pool).await? {
        Some(row) => [
            (Secret::Password, row.password()),
            (Secret::ClientSecret, row.client_secret()),
        ]
        .into_iter()
        .filter_map(|(which, s)| s.map(|s| (which, s)))
        .collect(),
        None => Vec::new(),
    })
}

/// Replaces `old` with `new` unless it changed meanwhile (`false` then).
pub async fn reseal(
    pool: &Pool,
    which: Secret,
    old: &Sealed,
    new: &Sealed,
) -> Result<bool, sqlx::Error> {
    let sql = match which {
        Secret::Password => {
            "UPDATE mail_settings SET password_ciphertext = $1, password_nonce = $2, \
             password_key_id = $3 WHERE id = 1 AND password_nonce = $4"
        }
        Secret::ClientSecret => {
            "UPDATE mail_settings SET client_secret_ciphertext = $1, client_secret_nonce = $2, \
             client_secret_key_id = $3 WHERE id = 1 AND client_secret_nonce = $4"
        }
    };
    let done = sqlx::query(sql)
        .bind(new.ciphertext.as_slice())
        .bind(new.nonce.as_slice())
        .bind(new.key_id.as_str())
        .bind(old.nonce.as_slice())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
