//! The audit trail: every change an admin or a user makes to accounts and security
//! settings, with who, whom, when and from which address.

use super::state::AppState;
use super::store::audit::{self, EventRow, NewEvent};
use crate::api::dto::{AuditAction, AuditEvent};
use crate::api::error::AppError;
use sqlx::SqliteExecutor;

/// Who made a change, and from where.
#[derive(Clone, Debug)]
pub struct Origin {
    /// `None`: the command line (the operator at the server).
    pub actor_id: Option<i64>,
    pub address: String,
}

impl Origin {
    pub fn user(actor_id: i64, address: impl Into<String>) -> Origin {
        Origin {
            actor_id: Some(actor_id),
            address: address.into(),
        }
    }

    pub fn command_line() -> Origin {
        Origin {
            actor_id: None,
            address: "command line".into(),
        }
    }
}

/// Writes one event. `target` is `None` for organisation-wide changes.
pub async fn record(
    state: &AppState,
    origin: &Origin,
    target: Option<i64>,
    action: AuditAction,
) -> Result<(), AppError> {
    record_in(&state.pool, state.now(), origin, target, action).await
}

/// Records an on/off switch: `actions` is [the "on" event, the "off" event].
pub async fn record_switch(
    state: &AppState,
    origin: &Origin,
    target: Option<i64>,
    on: bool,
    [when_on, when_off]: [AuditAction; 2],
) -> Result<(), AppError> {
    let action = if on { when_on } else { when_off };
    record(state, origin, target, action).await
}

/// Writes one event inside the caller's transaction, so it commits with the change it records.
pub async fn record_in<'e>(
    db: impl SqliteExecutor<'e>,
    at: i64,
    origin: &Origin,
    target: Option<i64>,
    action: AuditAction,
) -> Result<(), AppError> {
    audit::insert(
        db,
        NewEvent {
            at,
            actor_id: origin.actor_id,
            target_id: target,
            action: action.as_str(),
            address: &origin.address,
        },
    )
    .await
    .map_err(AppError::internal)
}

/// How many events a page shows.
const SHOWN: i64 = 100;

pub async fn for_user(state: &AppState, user_id: i64) -> Result<Vec<AuditEvent>, AppError> {
    let rows = audit::for_target(&state.pool, user_id, SHOWN)
        .await
        .map_err(AppError::internal)?;
    Ok(rows.into_iter().filter_map(event).collect())
}

pub async fn organisation(state: &AppState) -> Result<Vec<AuditEvent>, AppError> {
    let rows = audit::organisation(&state.pool, SHOWN)
        .await
        .map_err(AppError::internal)?;
    Ok(rows.into_iter().filter_map(event).collect())
}

/// A stored action this version does not know (written by a newer one) is skipped.
fn event(row: EventRow) -> Option<AuditEvent> {
    Some(AuditEvent {
        at: row.at,
        actor: row.actor,
        target: row.target,
        action: AuditAction::parse(&row.action)?,
        address: row.address,
    })
}
