//! Each user's folders and what is in them (contacts, events), with the change log that
//! phones sync from: every add, change and delete takes the folder's next sequence number
//! (`folders.last_seq`), stored on the item (or on its tombstone once deleted), so that "what
//! changed in folder F since N" is one indexed query on each (`changes_since`).

pub mod contacts;
pub mod events;
pub mod folders;
pub mod imports;

pub use folders::{FolderKind, FolderRow, ItemChange};

#[cfg(test)]
mod tests;
