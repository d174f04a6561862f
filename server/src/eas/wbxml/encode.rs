//! Writing a tree as WBXML.

use super::*;

pub(super) fn write_mb_u32(out: &mut Vec<u8>, mut n: u32) {
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
