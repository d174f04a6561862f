//! A state on a fresh database with two users, anna and bob, for the services' tests.

use crate::backend::state::AppState;
use crate::domain::ids::UserId;

/// (the database's directory, the state, anna, bob)
pub async fn state() -> (tempfile::TempDir, AppState, UserId, UserId) {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::backend::store::temporary(dir.path()).await;
    let state = AppState::new(
        db,
        std::sync::Arc::new(crate::backend::clock::SystemClock),
        [7; 32],
        crate::backend::mail::Mailer::start(
            crate::backend::mail::Transport::Console(dir.path().join("outbox")),
            "syncgate <noreply@example.it>",
        )
        .unwrap(),
    );
    let hash = crate::backend::identity::passwords::hash_now("password123").unwrap();
    let mut ids = Vec::new();
    for name in ["anna", "bob"] {
        let insert = crate::backend::store::users::Insert {
            username: name,
            email: "",
            first_name: name,
            last_name: "",
            is_admin: false,
            password_hash: &hash,
            must_change_password: false,
            now: 1000,
        };
        ids.push(
            crate::backend::store::users::insert(&state.pool, insert)
                .await
                .unwrap(),
        );
    }
    (dir, state, ids[0], ids[1])
}
