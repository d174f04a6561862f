//! HTTP details the console and the door read alike.

use axum::http::HeaderMap;
use std::sync::{Arc, Mutex};

/// A request head (all its header lines) may be at most this long (431 beyond).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The console's session cookie.
pub const SESSION_COOKIE: &str = "syncgate_session";

/// A connection's place in its address's count of unfinished or unauthenticated connections
/// (kept by `connections`), given to each of its requests: the door and the console
/// `release` it once they accept who is on the connection.
#[derive(Clone)]
pub struct Share(Arc<Mutex<Option<Box<dyn Send>>>>);

impl Share {
    /// `place`: what ends the count when dropped (`None`: not counted).
    pub fn new(place: Option<Box<dyn Send>>) -> Share {
        Share(Arc::new(Mutex::new(place)))
    }

    pub fn release(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// Still counted (nobody accepted yet).
    pub fn held(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }
}

/// Every `X-Forwarded-For` line, in order, as one list: a proxy that adds its own line after
/// the client's must not leave the client's forged one to be read alone.
pub fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    let lines: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!lines.is_empty()).then(|| lines.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Frees its address's place when dropped.
    struct Place(Arc<AtomicBool>);
    impl Drop for Place {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_release_frees_the_place_for_every_request_of_the_connection() {
        let freed = Arc::new(AtomicBool::new(false));
        let share = Share::new(Some(Box::new(Place(freed.clone()))));
        let kept_by_a_request = share.clone();
        assert!(kept_by_a_request.held());
        // The connection ends while a request still holds its clone.
        share.release();
        assert!(freed.load(Ordering::SeqCst), "the place is freed at once");
        assert!(!kept_by_a_request.held());
        drop(kept_by_a_request);
    }
}
