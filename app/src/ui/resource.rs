//! Resources whose values travel as JSON read from bytes.
//!
//! A resource's value arrives two ways: in the page the server rendered (leptos' default codec
//! reads it with `serde_json::from_str`) and from its server function afterwards (`server_fn`
//! reads the response with `serde_json::from_slice`). Two readers meant every type's JSON
//! decoder was compiled into the WebAssembly twice; reading both from bytes halves that
//! (issue 11's bundle budget).

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// JSON through the same reader `server_fn` uses.
pub struct JsonBytes;

impl<T: Serialize> Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, Self::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A resource loaded by a server function (`Resource::new` with the codec above).
pub type ServerResource<T> = Resource<T, JsonBytes>;

#[track_caller]
pub fn server_resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> ServerResource<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dto::SessionInfo;

    #[test]
    fn what_is_encoded_decodes_to_the_same_value() {
        let info = SessionInfo {
            pending_code_to: Some("m***@example.com".into()),
            code_wait_secs: Some(42),
            ..SessionInfo::default()
        };
        let json = <JsonBytes as Encoder<SessionInfo>>::encode(&info).expect("serialisable");
        let back: SessionInfo = <JsonBytes as Decoder<SessionInfo>>::decode(&json).expect("valid");
        assert_eq!(back, info);
        assert!(<JsonBytes as Decoder<SessionInfo>>::decode("{not json").is_err());
    }
}
