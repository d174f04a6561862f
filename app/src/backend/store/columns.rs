//! Stored values with a type of their own: what a column holds, opaque to everyone else.

use crate::domain::ids::UserId;
use sqlx::any::{Any, AnyTypeInfo, AnyTypeInfoKind};
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

/// A PHC-format argon2 hash. Deliberately neither `Serialize` nor `Display`.
#[derive(Clone, sqlx::Type)]
#[sqlx(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_stored(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// A sealed secret as stored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
}

/// A sealed secret read with what it belongs to (an owner, a row id): (key, ciphertext,
/// nonce, key id).
pub type KeyedSealedRow<K> = (K, Vec<u8>, Vec<u8>, String);

/// A sealed secret read with its owner.
pub type OwnedSealedRow = KeyedSealedRow<crate::domain::ids::UserId>;

/// Rows of sealed secrets as (key, `Sealed`) (for re-encryption under a new key).
pub fn keyed_sealed<K>(rows: Vec<KeyedSealedRow<K>>) -> Vec<(K, Sealed)> {
    rows.into_iter()
        .map(|(key, ciphertext, nonce, key_id)| {
            let sealed = Sealed {
                ciphertext,
                nonce,
                key_id,
            };
            (key, sealed)
        })
        .collect()
}

// A user id is stored as the integer it wraps.
impl Type<Any> for UserId {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Any> for UserId {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as Database>::ArgumentBuffer<'q>,
    ) -> Result<sqlx::encode::IsNull, BoxDynError> {
        <i64 as Encode<'q, Any>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Any> for UserId {
    fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        <i64 as Decode<'r, Any>>::decode(value).map(UserId)
    }
}

/// A yes/no column: `INTEGER` 0/1 in SQLite, `BOOLEAN` in PostgreSQL (and what `EXISTS`
/// gives in each). Read with `#[sqlx(try_from = "Flag")]` into a `bool`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        ty.kind() == AnyTypeInfoKind::Bool || ty.kind().is_integer()
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        use sqlx::ValueRef;
        if value.type_info().kind() == AnyTypeInfoKind::Bool {
            <bool as Decode<'r, Any>>::decode(value).map(Flag)
        } else {
            <i64 as Decode<'r, Any>>::decode(value).map(|i| Flag(i != 0))
        }
    }
}
