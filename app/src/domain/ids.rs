//! Ids with a type of their own, so a user's id is never passed where a device's (or any
//! number) is expected. On the wire and in the database they are plain integers.

use serde::{Deserialize, Serialize};

/// A user (the `users` table's primary key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for UserId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(UserId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_is_a_plain_number_on_the_wire_and_in_urls() {
        assert_eq!(serde_json::to_string(&UserId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<UserId>("7").unwrap(), UserId(7));
        assert_eq!(UserId(7).to_string(), "7");
        assert_eq!("7".parse::<UserId>(), Ok(UserId(7)));
        assert!("x".parse::<UserId>().is_err());
    }
}
