use super::encode::write_mb_u32;
use super::*;

fn folder_sync() -> Element {
    Element::new("FolderHierarchy", "FolderSync")
        .child(Element::leaf("FolderHierarchy", "Status", "1"))
        .child(Element::leaf("FolderHierarchy", "SyncKey", "1"))
        .child(
            Element::new("FolderHierarchy", "Changes")
                .child(Element::leaf("FolderHierarchy", "Count", "1"))
                .child(
                    Element::new("FolderHierarchy", "Add")
                        .child(Element::leaf(
                            "FolderHierarchy",
                            "DisplayName",
                            "Contatti è",
                        ))
                        .child(Element::new("AirSync", "Supported")),
                ),
        )
}

#[test]
fn documents_round_trip() {
    let doc = folder_sync().child(Element::new("Settings", "Get").opaque(vec![0, 1, 2, 255]));
    let bytes = encode(&doc);
    assert_eq!(&bytes[..4], &[0x03, 0x01, 0x6A, 0x00]);
    assert_eq!(decode(&bytes).unwrap(), doc);
}

#[test]
fn the_encoding_is_the_one_of_the_spec() {
    // <FolderSync><SyncKey>0</SyncKey></FolderSync>, as every client sends it first.
    let doc = Element::new("FolderHierarchy", "FolderSync").child(Element::leaf(
        "FolderHierarchy",
        "SyncKey",
        "0",
    ));
    assert_eq!(
        encode(&doc),
        [0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, b'0', 0x00, 0x01, 0x01]
    );
}

#[test]
fn lookups_find_children_and_descendants() {
    let doc = folder_sync();
    assert_eq!(doc.get_text("FolderHierarchy", "SyncKey"), Some("1"));
    assert!(
        doc.get("FolderHierarchy", "Add").is_none(),
        "not a direct child"
    );
    assert_eq!(
        doc.find("FolderHierarchy", "DisplayName")
            .and_then(Element::text_content),
        Some("Contatti è")
    );
    assert!(to_xml(&doc).contains("<FolderHierarchy:Count>1</FolderHierarchy:Count>"));
}

#[test]
fn malformed_bodies_are_clear_errors() {
    let good = encode(&folder_sync());
    assert_eq!(decode(&[]), Err(WbxmlError::Truncated));
    assert_eq!(decode(&[0x09, 1, 0x6A, 0]), Err(WbxmlError::BadHeader));
    assert_eq!(
        decode(&[0x03, 1, 0x04, 0, 0x45, 0x01]),
        Err(WbxmlError::BadHeader)
    );
    assert_eq!(decode(&[0x03, 1, 0x6A, 0]), Err(WbxmlError::NoRoot));
    assert_eq!(decode(&good[..good.len() - 1]), Err(WbxmlError::Truncated));
    let mut extra = good.clone();
    extra.push(0x45);
    assert_eq!(decode(&extra), Err(WbxmlError::Unbalanced));
    assert_eq!(
        decode(&[0x03, 1, 0x6A, 0, 0x01]),
        Err(WbxmlError::Unbalanced)
    );
    assert_eq!(
        decode(&[0x03, 1, 0x6A, 0, 0xC5, 0x01]),
        Err(WbxmlError::Unsupported(0xC5))
    );
    assert_eq!(
        decode(&[0x03, 1, 0x6A, 0, 0x45, 0x03, 0xFF, 0x00, 0x01]),
        Err(WbxmlError::BadText)
    );
    assert_eq!(
        decode(&[0x03, 1, 0x6A, 0, 0x45, 0xC3, 0x9F, 0xFF, 0xFF, 0xFF, 0x7F]),
        Err(WbxmlError::Overflow)
    );
    assert_eq!(
        decode(&[0x03, 1, 0x6A, 0, 0x45, 0xC3, 0x90, 0x00, 0x01]),
        Err(WbxmlError::Truncated),
        "an opaque length past the end"
    );
    let mut deep = vec![0x03, 1, 0x6A, 0];
    deep.extend(std::iter::repeat_n(0x45, MAX_DEPTH + 1));
    assert_eq!(decode(&deep), Err(WbxmlError::TooDeep));
}

/// Every tag of every code page, decoded by libwbxml (Debian's `wbxml2xml -l ACTIVESYNC`,
/// installed by `make test`), comes back with the name our table gives it.
#[test]
fn the_code_pages_agree_with_libwbxml() {
    let dir = tempfile::tempdir().unwrap();
    for page in codepages::PAGES {
        let (first, rest) = page.tags.split_first().unwrap();
        let mut root = Element {
            page: page.number,
            token: first.0,
            children: Vec::new(),
        };
        for (token, _) in rest {
            root.children.push(Node::Element(Element {
                page: page.number,
                token: *token,
                children: Vec::new(),
            }));
        }
        let input = dir.path().join(format!("{}.wbxml", page.name));
        let output = dir.path().join(format!("{}.xml", page.name));
        std::fs::write(&input, encode(&root)).unwrap();
        let run = std::process::Command::new("wbxml2xml")
            .args(["-l", "ACTIVESYNC", "-o"])
            .arg(&output)
            .arg(&input)
            .output()
            .expect("wbxml2xml (Debian package libwbxml2-utils; `make test` installs it)");
        assert!(
            run.status.success(),
            "{}: {}",
            page.name,
            String::from_utf8_lossy(&run.stderr)
        );
        let xml = std::fs::read_to_string(&output).unwrap();
        let names: Vec<&str> = xml
            .lines()
            .filter(|l| {
                l.starts_with('<')
                    && !l.starts_with("<?")
                    && !l.starts_with("<!")
                    && !l.starts_with("</")
            })
            .map(|l| l[1..].split([' ', '>', '/']).next().unwrap())
            .collect();
        // libwbxml keeps the AirSync 2.5 names of a few contact fields; MS-ASWBXML renamed them.
        let spec_name = |n: &str| -> String {
            // …and writes some calendar tags with their parent's name in front.
            if let Some((parent, own)) = n.split_once('_') {
                return match (parent, own) {
                    ("Organizer", _)
                    | ("Exception", "StartTime")
                    | ("Attendee", "Status" | "Type") => {
                        format!("{parent}{own}")
                    }
                    _ => own.to_string(),
                };
            }
            match n {
                "DTStamp" => "DtStamp".into(),
                // 0x10 was renamed in EAS 14.0.
                "DeviceEncryptionEnabled" => "RequireStorageCardEncryption".into(),
                "AssistantTelephoneNumber" => "AssistantPhoneNumber".into(),
                // libwbxml's spellings where MS-ASWBXML differs (a letter O for a zero, a
                // typo, names from older drafts).
                "AttOId" => "Att0Id".into(),
                "Reply-To" => "ReplyTo".into(),
                "FlagStatus" => "Status".into(),
                "UTCDueDate" => "UtcDueDate".into(),
                "UTCStartDate" => "UtcStartDate".into(),
                "MIME" => "Mime".into(),
                "ForwardeeName" => "Name".into(),
                "ForwardeeEmail" => "Email".into(),
                "RMOwner" => "Owner".into(),
                "RemoveRightsManagementDistribution" => "RemoveRightsManagementProtection".into(),
                "ihsManagementInformation" => "RightsManagementInformation".into(),
                _ => ["Business", "Home", "Other"]
                    .iter()
                    .find_map(|p| {
                        let rest = n.strip_prefix(p)?;
                        ["City", "Country", "PostalCode", "State", "Street"]
                            .contains(&rest)
                            .then(|| format!("{p}Address{rest}"))
                    })
                    .unwrap_or_else(|| n.to_string()),
            }
        };
        // Tags newer than libwbxml: it decodes them as "unknown".
        const UNKNOWN_TO_LIBWBXML: &[(u8, u8)] = &[(8, 0x10), (8, 0x11), (14, 0x3B)];
        let names: Vec<String> = names
            .into_iter()
            .zip(page.tags)
            .map(|(n, (token, ours))| {
                let newer = page.number == codepages::FIND
                    || UNKNOWN_TO_LIBWBXML.contains(&(page.number, *token));
                if n == "unknown" && newer {
                    ours.to_string()
                } else {
                    spec_name(n)
                }
            })
            .collect();
        let ours: Vec<&str> = page.tags.iter().map(|(_, n)| *n).collect();
        assert_eq!(names, ours, "code page {} ({})", page.number, page.name);
    }
}

/// What a decoded tree holds: its text and opaque bytes, one per element.
fn weight(e: &Element) -> usize {
    1 + e
        .children
        .iter()
        .map(|c| match c {
            Node::Element(e) => weight(e),
            Node::Text(t) => t.len(),
            Node::Opaque(d) => d.len(),
        })
        .sum::<usize>()
}

/// A body whose string table is `table` (NUL added) and whose root (FolderSync) holds a
/// reference to `offsets`, one after the other.
fn with_string_table(table: &[u8], offsets: &[u32]) -> Vec<u8> {
    let mut body = vec![0x03, 0x01, 0x6A];
    write_mb_u32(&mut body, u32::try_from(table.len() + 1).unwrap());
    body.extend_from_slice(table);
    body.push(0);
    body.extend_from_slice(&[SWITCH_PAGE, 7, 0x16 | CONTENT]);
    for o in offsets {
        body.push(STR_T);
        write_mb_u32(&mut body, *o);
    }
    body.push(END);
    body
}

#[test]
fn a_string_table_bomb_is_refused_at_once() {
    // 512 KiB of table, then ~256 Ki references to all of it: 128 GiB if copied.
    let table = vec![b'A'; 512 * 1024];
    let body = with_string_table(&table, &vec![0; 256 * 1024]);
    assert!(body.len() <= 1024 * 1024 + 16);
    assert_eq!(decode(&body), Err(WbxmlError::TooLarge));
    // An honest reference or two still decodes.
    let small = decode(&with_string_table(b"Contacts", &[0, 0])).unwrap();
    assert_eq!(small.children.len(), 2);
    assert_eq!(small.text_content(), Some("Contacts"));
}

mod fuzz {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    fn tree() -> impl Strategy<Value = Element> {
        let tag = (0..codepages::PAGES.len(), any::<prop::sample::Index>()).prop_map(|(p, i)| {
            let page = &codepages::PAGES[p];
            (page.number, page.tags[i.index(page.tags.len())].0)
        });
        let leaf = (tag.clone(), prop::option::of("[a-zA-Z0-9 àè]{0,12}")).prop_map(
            |((page, token), text)| Element {
                page,
                token,
                children: text
                    .into_iter()
                    .filter(|t| !t.is_empty())
                    .map(Node::Text)
                    .collect(),
            },
        );
        leaf.prop_recursive(6, 64, 6, move |inner| {
            (tag.clone(), vec(inner, 1..6)).prop_map(|((page, token), kids)| Element {
                page,
                token,
                children: kids.into_iter().map(Node::Element).collect(),
            })
        })
    }

    proptest! {
        #[test]
        fn any_tree_round_trips(doc in tree()) {
            prop_assert_eq!(decode(&encode(&doc)).unwrap(), doc);
        }

        #[test]
        fn random_bytes_never_panic_nor_grow_past_their_size(bytes in vec(any::<u8>(), 0..600)) {
            if let Ok(doc) = decode(&bytes) {
                prop_assert!(weight(&doc) <= bytes.len());
            }
        }

        #[test]
        fn string_table_references_never_grow_past_the_input(
            table in vec(1u8..=255, 0..300),
            offsets in vec(0u32..320, 0..400),
        ) {
            let body = with_string_table(&table, &offsets);
            if let Ok(doc) = decode(&body) {
                prop_assert!(weight(&doc) <= body.len());
            }
        }

        #[test]
        fn damaged_documents_never_panic(doc in tree(), at in any::<prop::sample::Index>(), value in any::<u8>(), cut in any::<bool>()) {
            let mut bytes = encode(&doc);
            let i = at.index(bytes.len());
            if cut { bytes.truncate(i) } else { bytes[i] = value }
            if let Ok(back) = decode(&bytes) {
                // Whatever decodes is no bigger than its input.
                prop_assert!(encode(&back).len() <= bytes.len() + 8);
                prop_assert!(weight(&back) <= bytes.len());
            }
        }
    }
}
