//! An import of a vCard or iCalendar file as its page shows it: progress while it runs, then
//! the report (added, updated by UID, skipped and why, with the line of each).

use crate::domain::messages::Msg;
use serde::{Deserialize, Serialize};

/// The largest file an import accepts.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The most items one file may hold.
pub const MAX_ITEMS: usize = 20_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SkipReason {
    /// The entry could not be read (a line without a colon, an entry never closed).
    Malformed,
    /// Not something this folder holds (a to-do, a vCard 2.1).
    Unsupported,
    /// A field the console refuses, as the form would.
    Invalid { field: String, msg: Msg },
    /// The database refused it (reported, the rest goes on).
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The line of the file where the entry begins.
    pub line: usize,
    pub reason: SkipReason,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub id: i64,
    /// `contacts` or `calendar`.
    pub kind: String,
    pub file_name: String,
    pub total: i64,
    pub done: i64,
    pub added: i64,
    pub updated: i64,
    pub skipped: Vec<Skipped>,
    pub finished: bool,
}
