//! What an import found: the items it could read and, for the rest, where they were and why
//! they were left out (what the import report shows).

use crate::domain::messages::Msg;

/// The result of reading one file: one bad entry never stops the others.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed<T> {
    pub items: Vec<Item<T>>,
    pub skipped: Vec<Skipped>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            items: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

impl<T> Parsed<T> {
    pub(crate) fn skip(&mut self, line: usize, reason: SkipReason) {
        self.skipped.push(Skipped { line, reason });
    }

    /// Skipped entries in file order (overrides are only judged after every master is read).
    pub(crate) fn finish(mut self) -> Self {
        self.skipped.sort_by_key(|s| s.line);
        self
    }
}

/// One contact or event read, with the 1-based line of its `BEGIN` and its `UID` (what an
/// import matches existing entries by, to update rather than add).
#[derive(Clone, Debug, PartialEq)]
pub struct Item<T> {
    pub line: usize,
    pub uid: Option<String>,
    pub value: T,
}

/// An entry left out: the line of its `BEGIN` (or of the line that could not be read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub line: usize,
    pub reason: SkipReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Not readable: a line that is not `NAME[;PARAMS]:VALUE`, a component never closed, or
    /// text outside any component.
    Malformed,
    /// Readable but refused by a rule of the form: the first wrong field.
    Invalid { field: &'static str, msg: Msg },
    /// Something the console does not keep: a task or journal entry, a vCard 2.1, an
    /// occurrence whose series is not in the file.
    Unsupported,
}

impl SkipReason {
    /// The first error of `normalised()` (it always has one when it fails).
    pub(crate) fn invalid(errors: &[(&'static str, Msg)]) -> SkipReason {
        let (field, msg) = errors.first().copied().unwrap_or(("", Msg::Required));
        SkipReason::Invalid { field, msg }
    }
}
