//! WBXML 1.3 as EAS uses it (MS-ASWBXML): tags from code pages, page switches, inline strings
//! and opaque data; no attributes, no extensions. The decoder never trusts the input: it is
//! iterative with a depth limit, every length is checked against what is left, and the tree
//! it builds is never larger than the input.

use super::codepages;
use std::fmt::Write as _;

const SWITCH_PAGE: u8 = 0x00;
const END: u8 = 0x01;
const ENTITY: u8 = 0x02;
const STR_I: u8 = 0x03;
const STR_T: u8 = 0x83;
const OPAQUE: u8 = 0xC3;
const CONTENT: u8 = 0x40;
const ATTRIBUTES: u8 = 0x80;
/// UTF-8 (IANA MIBenum 106), the only charset EAS uses.
const UTF8: u32 = 106;
/// Deeper than anything EAS sends; refuses "billion nested tags" bodies early.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub page: u8,
    pub token: u8,
    pub children: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
    Opaque(Vec<u8>),
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WbxmlError {
    #[error("the body ends in the middle of the document")]
    Truncated,
    #[error("not a WBXML 1.x document in UTF-8")]
    BadHeader,
    #[error("the body has no root element")]
    NoRoot,
    #[error("elements are nested deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("a string is not valid UTF-8")]
    BadText,
    #[error("token 0x{0:02x} is not used by ActiveSync")]
    Unsupported(u8),
    #[error("an END without an open element, or data after the root element")]
    Unbalanced,
    #[error("a number in the document is too large")]
    Overflow,
    #[error("the document expands to more than its own size")]
    TooLarge,
}

impl Element {
    /// A tag named in this program; an unknown name is a programming error caught by tests.
    pub fn new(page: &str, tag: &str) -> Element {
        let (page, token) = codepages::token(page, tag)
            .unwrap_or_else(|| panic!("{page}:{tag} is not in the code pages"));
        Element {
            page,
            token,
            children: Vec::new(),
        }
    }

    pub fn leaf(page: &str, tag: &str, text: impl Into<String>) -> Element {
        Element::new(page, tag).text(text)
    }

    pub fn child(mut self, child: Element) -> Element {
        self.children.push(Node::Element(child));
        self
    }

    pub fn text(mut self, text: impl Into<String>) -> Element {
        self.children.push(Node::Text(text.into()));
        self
    }

    pub fn opaque(mut self, data: Vec<u8>) -> Element {
        self.children.push(Node::Opaque(data));
        self
    }

    pub fn is(&self, page: &str, tag: &str) -> bool {
        codepages::token(page, tag) == Some((self.page, self.token))
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first direct child with this name.
    pub fn get(&self, page: &str, tag: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(page, tag))
    }

    /// The first element with this name at any depth below.
    pub fn find(&self, page: &str, tag: &str) -> Option<&Element> {
        let mut stack: Vec<&Element> = self.elements().collect();
        stack.reverse();
        while let Some(e) = stack.pop() {
            if e.is(page, tag) {
                return Some(e);
            }
            let mut kids: Vec<&Element> = e.elements().collect();
            kids.reverse();
            stack.extend(kids);
        }
        None
    }

    /// The element's text (its first text child).
    pub fn text_content(&self) -> Option<&str> {
        self.children.iter().find_map(|n| match n {
            Node::Text(t) => Some(t.as_str()),
            _ => None,
        })
    }

    pub fn get_text(&self, page: &str, tag: &str) -> Option<&str> {
        self.get(page, tag).and_then(Element::text_content)
    }

    pub fn name(&self) -> String {
        match codepages::name(self.page, self.token) {
            Some((p, t)) => format!("{p}:{t}"),
            None => format!("page{}:0x{:02x}", self.page, self.token),
        }
    }
}

fn write_mb_u32(out: &mut Vec<u8>, mut n: u32) {
    let mut bytes = [0u8; 5];
    let mut i = bytes.len();
    loop {
        i -= 1;
        bytes[i] = (n & 0x7F) as u8 | if i == bytes.len() - 1 { 0 } else { 0x80 };
        n >>= 7;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&bytes[i..]);
}

/// The document for `root`: WBXML 1.3, unknown public id, UTF-8, no string table.
pub fn encode(root: &Element) -> Vec<u8> {
    let mut out = vec![0x03, 0x01, 0x6A, 0x00];
    let mut page = 0u8;
    // (element, index of the next child to write)
    let mut stack: Vec<(&Element, usize)> = vec![(root, usize::MAX)];
    while let Some((e, next)) = stack.pop() {
        if next == usize::MAX {
            if e.page != page {
                out.extend_from_slice(&[SWITCH_PAGE, e.page]);
                page = e.page;
            }
            let content = if e.children.is_empty() { 0 } else { CONTENT };
            out.push(e.token | content);
            if e.children.is_empty() {
                continue;
            }
            stack.push((e, 0));
            continue;
        }
        match e.children.get(next) {
            None => out.push(END),
            Some(child) => {
                stack.push((e, next + 1));
                match child {
                    Node::Element(c) => stack.push((c, usize::MAX)),
                    Node::Text(t) => {
                        out.push(STR_I);
                        // A NUL would end the string early: EAS text never holds one.
                        out.extend(t.bytes().filter(|b| *b != 0));
                        out.push(0);
                    }
                    Node::Opaque(d) => {
                        out.push(OPAQUE);
                        write_mb_u32(&mut out, u32::try_from(d.len()).unwrap_or(u32::MAX));
                        out.extend_from_slice(d);
                    }
                }
            }
        }
    }
    out
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, WbxmlError> {
        let b = *self.data.get(self.pos).ok_or(WbxmlError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    fn mb_u32(&mut self) -> Result<u32, WbxmlError> {
        let mut n: u32 = 0;
        for _ in 0..5 {
            let b = self.byte()?;
            n = n
                .checked_mul(128)
                .and_then(|n| n.checked_add(u32::from(b & 0x7F)))
                .ok_or(WbxmlError::Overflow)?;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(WbxmlError::Overflow)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], WbxmlError> {
        let end = self.pos.checked_add(len).ok_or(WbxmlError::Truncated)?;
        let slice = self.data.get(self.pos..end).ok_or(WbxmlError::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn c_string(&mut self) -> Result<String, WbxmlError> {
        let rest = self.data.get(self.pos..).ok_or(WbxmlError::Truncated)?;
        let len = rest
            .iter()
            .position(|b| *b == 0)
            .ok_or(WbxmlError::Truncated)?;
        let s = std::str::from_utf8(&rest[..len]).map_err(|_| WbxmlError::BadText)?;
        self.pos += len + 1;
        Ok(s.to_string())
    }
}

pub fn decode(data: &[u8]) -> Result<Element, WbxmlError> {
    let mut r = Reader { data, pos: 0 };
    let version = r.byte()?;
    if !(0x01..=0x03).contains(&version) {
        return Err(WbxmlError::BadHeader);
    }
    if r.mb_u32()? == 0 {
        r.mb_u32()?; // public id given as a string-table index
    }
    if r.mb_u32()? != UTF8 {
        return Err(WbxmlError::BadHeader);
    }
    let table_len = r.mb_u32()? as usize;
    let table = r.take(table_len)?;

    // What the tree may hold (text and opaque bytes, one per element): string-table
    // references copy text, so everything is paid for from this budget and the tree never
    // outgrows the body (a 1 MiB body of references to a 512 KiB table would otherwise
    // expand to gigabytes).
    let mut budget = data.len();
    let mut spend = |n: usize| -> Result<(), WbxmlError> {
        budget = budget.checked_sub(n).ok_or(WbxmlError::TooLarge)?;
        Ok(())
    };
    let mut page = 0u8;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let Ok(b) = r.byte() else {
            return match (root, stack.is_empty()) {
                (Some(root), true) => Ok(root),
                (None, true) => Err(WbxmlError::NoRoot),
                _ => Err(WbxmlError::Truncated),
            };
        };
        if root.is_some() {
            return Err(WbxmlError::Unbalanced);
        }
        let node = match b {
            SWITCH_PAGE => {
                page = r.byte()?;
                continue;
            }
            END => {
                let done = stack.pop().ok_or(WbxmlError::Unbalanced)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(done)),
                    None => root = Some(done),
                }
                continue;
            }
            STR_I => {
                let text = r.c_string()?;
                spend(text.len())?;
                Node::Text(text)
            }
            STR_T => {
                let offset = r.mb_u32()? as usize;
                let rest = table.get(offset..).ok_or(WbxmlError::Truncated)?;
                let len = rest
                    .iter()
                    .position(|b| *b == 0)
                    .ok_or(WbxmlError::Truncated)?;
                spend(len)?;
                Node::Text(
                    std::str::from_utf8(&rest[..len])
                        .map_err(|_| WbxmlError::BadText)?
                        .to_string(),
                )
            }
            ENTITY => {
                let c = char::from_u32(r.mb_u32()?).ok_or(WbxmlError::BadText)?;
                spend(c.len_utf8())?;
                Node::Text(c.to_string())
            }
            OPAQUE => {
                let len = r.mb_u32()? as usize;
                let bytes = r.take(len)?;
                spend(bytes.len())?;
                Node::Opaque(bytes.to_vec())
            }
            b if b & 0x3F < 0x05 || b & ATTRIBUTES != 0 => return Err(WbxmlError::Unsupported(b)),
            tag => {
                spend(1)?;
                let element = Element {
                    page,
                    token: tag & 0x3F,
                    children: Vec::new(),
                };
                if tag & CONTENT != 0 {
                    if stack.len() >= MAX_DEPTH {
                        return Err(WbxmlError::TooDeep);
                    }
                    stack.push(element);
                    continue;
                }
                Node::Element(element)
            }
        };
        match (stack.last_mut(), node) {
            (Some(parent), node) => parent.children.push(node),
            (None, Node::Element(e)) => root = Some(e),
            // Text outside any element.
            (None, _) => return Err(WbxmlError::Unbalanced),
        }
    }
}

/// Readable XML for logs and test failures (never for the wire).
pub fn to_xml(root: &Element) -> String {
    fn walk(e: &Element, depth: usize, out: &mut String) {
        let pad = "  ".repeat(depth);
        let name = e.name();
        if e.children.is_empty() {
            let _ = writeln!(out, "{pad}<{name}/>");
            return;
        }
        if let [Node::Text(t)] = e.children.as_slice() {
            let _ = writeln!(out, "{pad}<{name}>{t}</{name}>");
            return;
        }
        let _ = writeln!(out, "{pad}<{name}>");
        for c in &e.children {
            match c {
                Node::Element(c) => walk(c, depth + 1, out),
                Node::Text(t) => {
                    let _ = writeln!(out, "{pad}  {t}");
                }
                Node::Opaque(d) => {
                    let _ = writeln!(out, "{pad}  [{} bytes]", d.len());
                }
            }
        }
        let _ = writeln!(out, "{pad}</{name}>");
    }
    let mut out = String::new();
    walk(root, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
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
            let names: Vec<String> = names.into_iter().map(spec_name).collect();
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
            let tag =
                (0..codepages::PAGES.len(), any::<prop::sample::Index>()).prop_map(|(p, i)| {
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
}
