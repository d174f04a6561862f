//! What server functions exchange with the browser: the domain's model types (plain data,
//! never a hash, a ciphertext or a secret).

pub use crate::domain::model::*;
