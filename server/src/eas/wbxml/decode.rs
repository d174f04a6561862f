//! Reading WBXML into a tree, paying every byte and element from a budget the size of the
//! input.

use super::*;

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
