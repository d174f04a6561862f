//! The kinds of folder a user has (the `kind` column; what FolderSync offers).

/// What a folder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum FolderKind {
    Contacts,
    Calendar,
}

impl FolderKind {
    pub const ALL: [FolderKind; 2] = [FolderKind::Contacts, FolderKind::Calendar];

    /// The stored and wire name (also the folder's server id at the door).
    pub fn code(self) -> &'static str {
        match self {
            FolderKind::Contacts => "contacts",
            FolderKind::Calendar => "calendar",
        }
    }

    pub fn from_code(code: &str) -> Option<FolderKind> {
        FolderKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back() {
        for k in FolderKind::ALL {
            assert_eq!(FolderKind::from_code(k.code()), Some(k));
        }
        assert_eq!(FolderKind::from_code("mail"), None);
    }
}
