//! Content lines, shared by vCard and iCalendar: the text cut into components by their
//! `BEGIN`/`END` lines (so each keeps the physical line of its `BEGIN`, and a broken one
//! does not take the next with it), the check that every line is a property, the raw text
//! of the few values the parser re-types, and folding and escaping for writing.

/// Components that only stand at the top (of the file, or of a `VCALENDAR`): meeting one
/// inside another means the first was never closed.
const TOP_LEVEL: [&str; 8] = [
    "VCARD",
    "VCALENDAR",
    "VEVENT",
    "VTODO",
    "VJOURNAL",
    "VFREEBUSY",
    "VTIMEZONE",
    "VAVAILABILITY",
];

/// What the text holds, in order.
pub(crate) enum Found<'a> {
    Block(Block<'a>),
    /// Text outside any component (one report per run of such lines).
    Stray(usize),
}

pub(crate) struct Block<'a> {
    /// Upper case: `VCARD`, `VEVENT`, ...
    pub kind: String,
    /// The physical line of its `BEGIN`, 1-based.
    pub line: usize,
    /// From its `BEGIN` line to its `END` line, as written (folded).
    pub text: &'a str,
    /// Its unfolded lines; `Err(line)`: the first one that is not a property, or the
    /// `BEGIN` line when the component is never closed.
    pub lines: Result<Vec<Logical>, usize>,
}

/// An unfolded line and the physical line it starts on.
pub(crate) struct Logical {
    pub line: usize,
    pub text: String,
}

impl Logical {
    /// The property name as written, without a vCard group (`item1.TEL` → `TEL`).
    pub fn name(&self) -> &str {
        let end = self.text.find([';', ':']).unwrap_or(self.text.len());
        let name = &self.text[..end];
        name.rsplit('.').next().unwrap_or(name)
    }

    /// Whether it is a `name` property (names are case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name)
    }

    /// The parameters as written (between the name and the value's colon).
    pub fn params(&self) -> &str {
        let (head, _) = split_value(&self.text);
        head.find(';').map_or("", |i| &head[i + 1..])
    }

    /// The value as written (not unescaped).
    pub fn value(&self) -> &str {
        split_value(&self.text).1
    }
}

/// `(name and parameters, value)`: split at the first colon outside a quoted parameter.
fn split_value(text: &str) -> (&str, &str) {
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return (&text[..i], &text[i + 1..]),
            _ => {}
        }
    }
    (text, "")
}

/// The component's own `name` lines, not those of the components inside it (a VALARM's
/// ATTENDEE is not the event's). Read raw where the parser would lose what was written.
pub(crate) fn own<'a>(lines: &'a [Logical], name: &'a str) -> impl Iterator<Item = &'a Logical> {
    let mut depth = 0usize;
    lines.iter().filter(move |l| {
        let before = depth;
        if l.is("BEGIN") {
            depth += 1;
        } else if l.is("END") {
            depth = depth.saturating_sub(1);
        }
        before == 1 && l.is(name)
    })
}

/// The first of the component's own `name` lines.
pub(crate) fn raw<'a>(lines: &'a [Logical], name: &'a str) -> Option<&'a Logical> {
    own(lines, name).next()
}

/// Whether the value is encoded (quoted-printable, base64, vCard 3.0 and older): then only
/// the parser's decoded value is right.
pub(crate) fn encoded(l: &Logical) -> bool {
    let p = l.params().to_ascii_uppercase();
    p.contains("ENCODING") || p.contains("QUOTED-PRINTABLE") || p.contains("BASE64")
}

/// A text list as written (`a\,b,c` → `a,b` and `c`), unescaped. The parser trims and
/// collapses the spaces of list items, which a category or nickname may hold.
pub(crate) fn text_list(value: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, out.last_mut()) {
            (',', _) => out.push(String::new()),
            ('\\', Some(item)) => match chars.next() {
                Some('n' | 'N') => item.push('\n'),
                Some(other) => item.push(other),
                None => {}
            },
            (c, Some(item)) => item.push(c),
            (_, None) => {}
        }
    }
    out
}

/// The parameters of a line as `(NAME, value)`: names upper case, values unquoted and with
/// RFC 6868's escapes undone (the parser takes a backslash in a quoted value for an escape).
pub(crate) fn params(l: &Logical) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = l.params();
    while !rest.is_empty() {
        let mut quoted = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                quoted ^= c == '"';
                c == ';' && !quoted
            })
            .map_or(rest.len(), |(i, _)| i);
        let (name, value) = rest[..end].split_once('=').unwrap_or((&rest[..end], ""));
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        out.push((name.trim().to_ascii_uppercase(), unparam(value)));
        rest = rest.get(end + 1..).unwrap_or("");
    }
    out
}

/// `BEGIN`/`END` and the component's name, if the line is one.
fn begin_end(line: &str) -> Option<(bool, String)> {
    let line = line.trim_start_matches('\u{feff}').trim_end();
    let (head, name) = line.split_once(':')?;
    let begin = head.eq_ignore_ascii_case("BEGIN");
    (begin || head.eq_ignore_ascii_case("END")).then(|| (begin, name.trim().to_ascii_uppercase()))
}

/// Cuts `text` into its components. With a `container` (`VCALENDAR`) its own lines are
/// passed through and the components inside it are the blocks.
pub(crate) fn blocks<'a>(text: &'a str, container: Option<&str>) -> Vec<Found<'a>> {
    struct Open {
        kind: String,
        line: usize,
        start: usize,
        nested: Vec<(String, usize)>,
        bad_end: Option<usize>,
    }
    let mut found = Vec::new();
    let mut open: Option<Open> = None;
    let mut in_container = false;
    let mut stray_run = false;
    let mut offset = 0;
    for (index, physical) in text.split_inclusive('\n').enumerate() {
        let line_no = index + 1;
        let start = offset;
        offset += physical.len();
        let content = physical.trim_end_matches(['\r', '\n']);
        let marker = (!content.starts_with([' ', '\t']))
            .then(|| begin_end(content))
            .flatten();
        if let Some(o) = open.as_mut() {
            match marker {
                Some((true, kind)) if TOP_LEVEL.contains(&kind.as_str()) => {
                    // Never closed: report it and start again with this one.
                    found.push(unterminated(text, o.kind.clone(), o.line, o.start, start));
                    in_container |= container == Some(kind.as_str());
                    open = (container != Some(kind.as_str())).then(|| Open {
                        kind,
                        line: line_no,
                        start,
                        nested: Vec::new(),
                        bad_end: None,
                    });
                }
                Some((true, kind)) => o.nested.push((kind, line_no)),
                Some((false, kind)) if o.nested.last().is_some_and(|(k, _)| *k == kind) => {
                    o.nested.pop();
                }
                Some((false, kind)) if kind == o.kind => {
                    // An inner component left open spoils its parent.
                    let problem = o.bad_end.or(o.nested.first().map(|(_, l)| *l));
                    let body = &text[o.start..offset];
                    let lines = match problem {
                        Some(l) => Err(l),
                        None => logical_lines(body, o.line),
                    };
                    found.push(Found::Block(Block {
                        kind: o.kind.clone(),
                        line: o.line,
                        text: body,
                        lines,
                    }));
                    open = None;
                }
                Some((false, kind)) if container == Some(kind.as_str()) => {
                    found.push(unterminated(text, o.kind.clone(), o.line, o.start, start));
                    open = None;
                    in_container = false;
                }
                Some((false, _)) => {
                    o.bad_end.get_or_insert(line_no);
                }
                None => {}
            }
            continue;
        }
        match marker {
            Some((true, kind)) if container == Some(kind.as_str()) => in_container = true,
            Some((false, kind)) if container == Some(kind.as_str()) => in_container = false,
            Some((true, kind)) => {
                open = Some(Open {
                    kind,
                    line: line_no,
                    start,
                    nested: Vec::new(),
                    bad_end: None,
                });
            }
            _ if in_container || content.trim().is_empty() => {}
            _ => {
                if !stray_run {
                    found.push(Found::Stray(line_no));
                }
                stray_run = true;
                continue;
            }
        }
        stray_run = false;
    }
    if let Some(o) = open {
        found.push(unterminated(text, o.kind, o.line, o.start, text.len()));
    }
    found
}

fn unterminated(text: &str, kind: String, line: usize, start: usize, end: usize) -> Found<'_> {
    Found::Block(Block {
        kind,
        line,
        text: &text[start..end],
        lines: Err(line),
    })
}

/// Unfolds a component's lines and checks that each is `NAME[;PARAMS]:VALUE`. Quoted-
/// printable values (vCard 3.0 and older) continue on lines after a trailing `=`.
fn logical_lines(body: &str, first_line: usize) -> Result<Vec<Logical>, usize> {
    let mut out: Vec<Logical> = Vec::new();
    let mut soft_break = false;
    for (i, physical) in body.split('\n').enumerate() {
        let content = physical.strip_suffix('\r').unwrap_or(physical);
        let content = content.trim_start_matches('\u{feff}');
        if let (Some(last), Some(rest)) = (out.last_mut(), content.strip_prefix([' ', '\t'])) {
            last.text.push_str(rest);
            continue;
        }
        if soft_break {
            if let Some(last) = out.last_mut() {
                last.text.push_str(content);
            }
            soft_break = content.ends_with('=');
            continue;
        }
        if content.trim().is_empty() {
            continue;
        }
        out.push(Logical {
            line: first_line + i,
            text: content.to_string(),
        });
        let l = &out[out.len() - 1];
        soft_break =
            l.text.ends_with('=') && l.params().to_ascii_uppercase().contains("QUOTED-PRINTABLE");
    }
    match out.iter().find(|l| !is_property(&l.text)) {
        Some(bad) => Err(bad.line),
        None => Ok(out),
    }
}

fn is_property(text: &str) -> bool {
    let name_end = text.find([';', ':']).unwrap_or(text.len());
    let name = &text[..name_end];
    let (head, _) = split_value(text);
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        && head.len() < text.len()
}

/// Text escaped as RFC 6350/5545 values need it (`\\`, `\,`, `\;`, `\n`); a CR is dropped,
/// since a value cannot hold one.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value, always quoted, with RFC 6868's `^` escapes for what quotes cannot hold.
pub(crate) fn param(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '^' => out.push_str("^^"),
            '"' => out.push_str("^'"),
            '\n' => out.push_str("^n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Undoes RFC 6868 (the parser leaves `^'`, `^n` and `^^` as they are).
pub(crate) fn unparam(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        let decoded = match (c, chars.peek()) {
            ('^', Some('^')) => Some('^'),
            ('^', Some('\'')) => Some('"'),
            ('^', Some('n' | 'N')) => Some('\n'),
            _ => None,
        };
        match decoded {
            Some(d) => {
                out.push(d);
                chars.next();
            }
            None => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded at 75 octets (never inside a character) and ended by CRLF.
pub(crate) fn push_line(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = 75;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // The leading space of a continuation counts towards its 75 octets.
        limit = 74;
    }
}
