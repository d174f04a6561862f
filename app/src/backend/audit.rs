//! The audit trail: every change an admin or a user makes to accounts and security
//! settings, with who, whom, when and from which address.

use crate::backend::error::Error;
use crate::backend::identity::proofs::Admin;
use crate::backend::state::AppState;
use crate::backend::store::audit::{self, EventRow, NewEvent};
use crate::backend::store::{Connection, Executes};
use crate::domain::ids::UserId;
use crate::domain::model::{AuditAction, AuditEvent};

/// Who made a change, and from where.
#[derive(Clone, Debug)]
pub struct Origin {
    /// `None`: the command line (the operator at the server).
    pub actor_id: Option<UserId>,
    pub address: String,
}

impl Origin {
    pub fn user(actor_id: UserId, address: impl Into<String>) -> Origin {
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

/// The event of an on/off switch: `actions` is [the "on" event, the "off" event].
pub fn switch(on: bool, [when_on, when_off]: [AuditAction; 2]) -> AuditAction {
    if on {
        when_on
    } else {
        when_off
    }
}

/// A change and the audit row that records it commit together or not at all: every write
/// that is audited runs on `change.db()` and ends with `change.commit(…)`.
pub struct Change {
    tx: Tx,
    at: i64,
}

impl Change {
    pub async fn begin(state: &AppState) -> Result<Change, Error> {
        Ok(Change {
            tx: state.pool.begin().await.map_err(Error::internal)?,
            at: state.now(),
        })
    }

    /// Where the change's writes go.
    pub fn db(&mut self) -> &mut Connection {
        &mut self.tx
    }

    /// One more event inside the change (a change that records two).
    pub async fn record(
        &mut self,
        origin: &Origin,
        target: Option<UserId>,
        action: AuditAction,
    ) -> Result<(), Error> {
        record_in(&mut *self.tx, self.at, origin, target, action).await
    }

    /// Records the event and commits it with the change.
    pub async fn commit(
        mut self,
        origin: &Origin,
        target: Option<UserId>,
        action: AuditAction,
    ) -> Result<(), Error> {
        self.record(origin, target, action).await?;
        self.tx.commit().await.map_err(Error::internal)
    }
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Writes one event inside the caller's transaction, so it commits with the change it records.
/// `target` is `None` for organisation-wide changes.
pub async fn record_in<'e>(
    db: impl Executes<'e>,
    at: i64,
    origin: &Origin,
    target: Option<UserId>,
    action: AuditAction,
) -> Result<(), Error> {
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
    .map_err(Error::internal)
}

/// How many events a page shows.
const SHOWN: i64 = 100;

pub async fn for_user(
    state: &AppState,
    _: &Admin,
    user_id: UserId,
) -> Result<Vec<AuditEvent>, Error> {
    let rows = audit::for_target(&state.pool, user_id, SHOWN)
        .await
        .map_err(Error::internal)?;
    Ok(rows.into_iter().filter_map(event).collect())
}

pub async fn organisation(state: &AppState, _: &Admin) -> Result<Vec<AuditEvent>, Error> {
    let rows = audit::organisation(&state.pool, SHOWN)
        .await
        .map_err(Error::internal)?;
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
