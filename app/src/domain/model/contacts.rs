//! A contact as the console's form and phones have it (SPEC 6): stored whole as JSON, with
//! what the list sorts and searches by derived from it.

use crate::domain::date::Date;
use crate::domain::messages::Msg;
use crate::domain::validation;
use serde::{Deserialize, Serialize};

pub const MAX_EMAILS: usize = 3;
pub const MAX_IM: usize = 3;
pub const MAX_PHONES: usize = 20;
pub const MAX_ADDRESSES: usize = 3;
pub const MAX_CATEGORIES: usize = 20;
pub const FIELD_MAX: usize = 256;
pub const NOTES_MAX: usize = 32 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    pub title: String,
    pub first_name: String,
    pub middle_name: String,
    pub last_name: String,
    pub suffix: String,
    pub nickname: String,
    pub company: String,
    pub department: String,
    pub job_title: String,
    pub emails: Vec<String>,
    pub phones: Vec<Phone>,
    pub addresses: Vec<Address>,
    pub birthday: Option<Date>,
    pub anniversary: Option<Date>,
    pub website: String,
    pub notes: String,
    pub categories: Vec<String>,
    pub im: Vec<String>,
}

/// The phone numbers phones know (MS-ASCNTC), each at most once... except that a form may
/// list several of a kind and a phone keeps the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    Mobile,
    Work,
    Work2,
    Home,
    Home2,
    WorkFax,
    HomeFax,
    Pager,
    Car,
    CompanyMain,
    Assistant,
}

impl PhoneKind {
    pub const ALL: [PhoneKind; 11] = [
        PhoneKind::Mobile,
        PhoneKind::Work,
        PhoneKind::Work2,
        PhoneKind::Home,
        PhoneKind::Home2,
        PhoneKind::WorkFax,
        PhoneKind::HomeFax,
        PhoneKind::Pager,
        PhoneKind::Car,
        PhoneKind::CompanyMain,
        PhoneKind::Assistant,
    ];
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    pub kind: PhoneKind,
    pub number: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    Work,
    Home,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub kind: AddressKind,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub country: String,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        [
            &self.street,
            &self.city,
            &self.region,
            &self.postal_code,
            &self.country,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

/// A field that failed its rule: the form's field name and the message key.
pub type FieldError = (&'static str, Msg);

impl Contact {
    /// "First Middle Last", else the company, else the first email: what lists show.
    pub fn display_name(&self) -> String {
        let name = [&self.first_name, &self.middle_name, &self.last_name]
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            return name;
        }
        [&self.nickname, &self.company]
            .into_iter()
            .chain(self.emails.iter())
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
            .unwrap_or_default()
            .to_string()
    }

    /// What lists sort by: last name first, case-folded.
    pub fn sort_name(&self) -> String {
        let key = if self.last_name.trim().is_empty() {
            self.display_name()
        } else {
            format!("{} {}", self.last_name.trim(), self.first_name.trim())
        };
        key.to_lowercase()
    }

    /// Every word a search may match, case-folded: names, company, emails, phone digits.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<String> = [
            &self.first_name,
            &self.middle_name,
            &self.last_name,
            &self.nickname,
            &self.company,
            &self.department,
            &self.job_title,
        ]
        .iter()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
        parts.extend(self.emails.iter().map(|e| e.to_lowercase()));
        parts.extend(self.phones.iter().map(|p| digits(&p.number)));
        parts.extend(self.categories.iter().map(|c| c.to_lowercase()));
        parts.join(" ")
    }

    /// Trims every field, drops empty entries of the repeatable ones and checks the rules;
    /// every wrong field is reported, nothing is half-applied by the caller.
    pub fn normalised(mut self) -> Result<Contact, Vec<FieldError>> {
        let mut errors = Vec::new();
        for (name, value) in [
            ("title", &mut self.title),
            ("first_name", &mut self.first_name),
            ("middle_name", &mut self.middle_name),
            ("last_name", &mut self.last_name),
            ("suffix", &mut self.suffix),
            ("nickname", &mut self.nickname),
            ("company", &mut self.company),
            ("department", &mut self.department),
            ("job_title", &mut self.job_title),
            ("website", &mut self.website),
        ] {
            *value = value.trim().to_string();
            if value.chars().count() > FIELD_MAX {
                errors.push((name, Msg::TooLong));
            }
        }
        if self.notes.chars().count() > NOTES_MAX {
            errors.push(("notes", Msg::TooLong));
        }
        self.emails = trimmed_non_empty(self.emails);
        if self.emails.len() > MAX_EMAILS {
            errors.push(("emails", Msg::TooMany));
        }
        for e in &self.emails {
            if let Err(msg) = validation::email(e) {
                errors.push(("emails", msg));
                break;
            }
        }
        self.im = trimmed_non_empty(self.im);
        if self.im.len() > MAX_IM {
            errors.push(("im", Msg::TooMany));
        }
        self.categories = trimmed_non_empty(self.categories);
        if self.categories.len() > MAX_CATEGORIES {
            errors.push(("categories", Msg::TooMany));
        }
        self.phones.retain_mut(|p| {
            p.number = p.number.trim().to_string();
            !p.number.is_empty()
        });
        if self.phones.len() > MAX_PHONES {
            errors.push(("phones", Msg::TooMany));
        }
        if self.phones.iter().any(|p| p.number.chars().count() > 64) {
            errors.push(("phones", Msg::TooLong));
        }
        for a in &mut self.addresses {
            for s in [
                &mut a.street,
                &mut a.city,
                &mut a.region,
                &mut a.postal_code,
                &mut a.country,
            ] {
                *s = s.trim().to_string();
            }
        }
        self.addresses.retain(|a| !a.is_empty());
        if self.addresses.len() > MAX_ADDRESSES {
            errors.push(("addresses", Msg::TooMany));
        }
        let long_address = self.addresses.iter().any(|a| {
            [&a.street, &a.city, &a.region, &a.postal_code, &a.country]
                .iter()
                .any(|s| s.chars().count() > FIELD_MAX)
        });
        if long_address {
            errors.push(("addresses", Msg::TooLong));
        }
        if self.display_name().is_empty() {
            errors.push(("first_name", Msg::ContactNeedsName));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

fn trimmed_non_empty(values: Vec<String>) -> Vec<String> {
    values
        .into_iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

fn digits(number: &str) -> String {
    number
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect()
}

/// One contact as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactSummary {
    pub id: i64,
    pub name: String,
    pub company: String,
    pub email: String,
    pub phone: String,
}

/// One contact as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    pub contact: Contact,
    pub has_picture: bool,
}

/// A page of the contacts list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPage {
    pub contacts: Vec<ContactSummary>,
    /// Matches in all (for "1–50 of 10,000").
    pub total: i64,
    /// Where this page starts in the matches.
    pub offset: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anna() -> Contact {
        Contact {
            first_name: " Anna ".into(),
            last_name: "Bianchi".into(),
            company: "ACME".into(),
            emails: vec!["anna@example.it".into(), "  ".into()],
            phones: vec![
                Phone {
                    kind: PhoneKind::Mobile,
                    number: "+39 333 123 4567".into(),
                },
                Phone {
                    kind: PhoneKind::Work,
                    number: " ".into(),
                },
            ],
            ..Contact::default()
        }
    }

    #[test]
    fn normalising_trims_and_drops_empty_entries() {
        let c = anna().normalised().unwrap();
        assert_eq!(c.first_name, "Anna");
        assert_eq!(c.emails, vec!["anna@example.it".to_string()]);
        assert_eq!(c.phones.len(), 1);
        assert_eq!(c.display_name(), "Anna Bianchi");
        assert_eq!(c.sort_name(), "bianchi anna");
        assert!(c.search_text().contains("+393331234567"));
        assert!(c.search_text().contains("acme"));
    }

    #[test]
    fn every_wrong_field_is_reported() {
        let mut c = anna();
        c.emails = vec![
            "a@x.it".into(),
            "b@x.it".into(),
            "c@x.it".into(),
            "d@x.it".into(),
        ];
        c.job_title = "x".repeat(FIELD_MAX + 1);
        let errors = c.normalised().unwrap_err();
        assert!(errors.contains(&("emails", Msg::TooMany)));
        assert!(errors.contains(&("job_title", Msg::TooLong)));
        let mut c = anna();
        c.emails = vec!["not an email".into()];
        assert_eq!(
            c.normalised().unwrap_err(),
            vec![("emails", Msg::EmailFormat)]
        );
    }

    #[test]
    fn a_contact_needs_something_to_be_called_by() {
        assert_eq!(
            Contact::default().normalised().unwrap_err(),
            vec![("first_name", Msg::ContactNeedsName)]
        );
        let company_only = Contact {
            company: "ACME".into(),
            ..Contact::default()
        };
        assert_eq!(company_only.normalised().unwrap().display_name(), "ACME");
    }

    #[test]
    fn json_keeps_every_field_and_reads_missing_ones_as_empty() {
        let mut c = anna().normalised().unwrap();
        c.birthday = Date::new(1990, 2, 28);
        c.addresses.push(Address {
            kind: AddressKind::Home,
            street: "Via Roma 1".into(),
            city: "Milano".into(),
            region: "MI".into(),
            postal_code: "20100".into(),
            country: "Italia".into(),
        });
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Contact>(&json).unwrap(), c);
        let sparse: Contact = serde_json::from_str(r#"{"company":"X"}"#).unwrap();
        assert_eq!(sparse.company, "X");
        assert!(serde_json::from_str::<Contact>(r#"{"birthday":"2025-02-30"}"#).is_err());
    }
}
