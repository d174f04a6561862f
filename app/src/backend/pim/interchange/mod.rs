//! Import and export of contacts as vCard (3.0 and 4.0) and of events as iCalendar
//! (RFC 5545), SPEC 6: pure functions from text to the form's models and back. Parsing is
//! calcard's (unfolding, escapes, quoted-printable, base64, parameters, dates); this module
//! cuts the text into components itself, so that every entry keeps the line of its `BEGIN`
//! and a broken one never takes the next with it, and maps each onto the form's fields.
//! Every item has passed `normalised()`: what the form would refuse is skipped, with its
//! first wrong field.

mod ical;
mod ical_event;
mod ical_write;
mod lines;
mod report;
mod vcard;
mod vcard_types;
mod vcard_write;
mod zones;

pub use ical::{parse_calendar, ImportedEvent};
pub use ical_write::{write_calendar, write_itip, Itip};
pub use report::{Item, Parsed, SkipReason, Skipped};
pub use vcard::{parse_vcards, ImportedContact};
pub use vcard_write::write_vcard;

#[cfg(test)]
mod bench_tests;
#[cfg(test)]
mod ical_tests;
#[cfg(test)]
mod roundtrip_tests;
#[cfg(test)]
mod vcard_tests;
