//! A message's text: built from an `Email`, its header block read, its sender replaced.

use super::{Email, MailError};
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::Message;

/// The message of an `Email` (plain text and HTML) from `from`.
pub(crate) fn build(from: &Mailbox, email: &Email) -> Result<Message, MailError> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|_| MailError::Address(email.to.clone()))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(email.text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(email.html.clone()),
                ),
        )
        .map_err(|e| MailError::Delivery(e.to_string()))
}

/// A message's header block and body (CRLF or LF line ends).
pub fn split_head(message: &str) -> (&str, &str) {
    for sep in ["\r\n\r\n", "\n\n"] {
        if let Some(at) = message.find(sep) {
            return (&message[..at], &message[at + sep.len()..]);
        }
    }
    (message, "")
}

/// The header fields of a header block, each on one line (RFC 5322 unfolding).
pub fn unfolded(head: &str) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for line in head.lines() {
        let line = line.trim_end_matches('\r');
        match fields.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push(' ');
                last.push_str(line.trim_start());
            }
            _ => fields.push(line.to_string()),
        }
    }
    fields
}

/// The message with its `From` replaced by the sender in effect now (it may have changed
/// since the message was queued); every other line is kept as it was.
pub fn with_sender(message: &str, from: &Mailbox) -> String {
    let mut header = lettre::message::header::Headers::new();
    header.set(lettre::message::header::From::from(
        lettre::message::Mailboxes::from(from.clone()),
    ));
    let from_line = header.to_string();
    let (head, body) = split_head(message);
    let mut out = String::with_capacity(message.len() + from_line.len());
    let mut skipping = false;
    let mut replaced = false;
    for line in head.split_inclusive('\n') {
        let folded = line.starts_with([' ', '\t']);
        if folded && skipping {
            continue;
        }
        // By bytes: a header may hold any UTF-8 (a phone's `To: Émile`), never split it.
        skipping = line
            .as_bytes()
            .get(..5)
            .is_some_and(|b| b.eq_ignore_ascii_case(b"from:"));
        if skipping {
            if !replaced {
                out.push_str(&from_line);
                replaced = true;
            }
            continue;
        }
        out.push_str(line);
    }
    if !replaced {
        out.insert_str(0, &from_line);
    }
    if !out.ends_with('\n') {
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender() -> Mailbox {
        "CRM Contoso <noreply@contoso.it>".parse().unwrap()
    }

    #[test]
    fn the_sender_is_replaced_and_the_rest_kept() {
        let raw = "From: old <old@example.it>\r\nTo: Émile <e@example.it>\r\nSubject: =?utf-8?b?w4k=?=\r\n\r\nbody\r\n";
        let out = with_sender(raw, &sender());
        assert!(
            out.starts_with("From: \"CRM Contoso\" <noreply@contoso.it>\r\n"),
            "{out}"
        );
        assert!(out.contains("To: Émile <e@example.it>\r\n"));
        assert!(!out.contains("old@example.it"));
        assert!(out.ends_with("\r\n\r\nbody\r\n"), "{out:?}");
    }

    #[test]
    fn folded_and_missing_senders_and_multibyte_heads() {
        let folded = "To: a@b.it\nFrom: x\n <x@y.it>\nSubject: s\n\nb";
        let out = with_sender(folded, &sender());
        assert!(!out.contains("x@y.it"), "{out}");
        assert!(out.contains("Subject: s"));
        let none = "To: a@b.it\r\n\r\nb";
        assert!(with_sender(none, &sender()).starts_with("From: "));
        // Byte 5 inside a multi-byte character must not be split.
        for head in ["Fromé: x\r\n\r\nb", "“Anna”\r\n\r\nb", "é\r\n\r\n"] {
            let _ = with_sender(head, &sender());
        }
    }
}
