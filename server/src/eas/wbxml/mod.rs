//! WBXML 1.3 as EAS uses it (MS-ASWBXML): tags from code pages, page switches, inline strings
//! and opaque data; no attributes, no extensions. The decoder never trusts the input: it is
//! iterative with a depth limit, every length is checked against what is left, and the tree
//! it builds is never larger than the input.

use super::codepages;

mod decode;
mod encode;
#[cfg(test)]
mod tests;

pub use decode::decode;
pub use encode::encode;
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

    pub fn elements_mut(&mut self) -> impl Iterator<Item = &mut Element> {
        self.children.iter_mut().filter_map(|n| match n {
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
