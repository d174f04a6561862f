//! SendMail (MS-ASCMD 2.2.1.17). A 14.x phone sends the invitations (and updates and
//! cancellations) of the meetings its user organises itself, as a MIME message with a
//! `text/calendar` part: those go out through the mail queue, to every `To`, `Cc` and `Bcc`
//! recipient. Any other mail stays on the phone with status 120: syncgate is not a mail server.

use super::{harmless, Context};
use crate::eas::wbxml::{Element, Node};
use app::backend::mail::{split_head, unfolded};
use app::backend::Error;

/// Status 107: the MIME message cannot be read (or names no recipient).
const INVALID_MIME: &str = "107";
/// More recipients than a meeting has attendees.
const MAX_RECIPIENTS: usize = 100;

fn mime_of(request: &Element) -> Option<Vec<u8>> {
    let mime = request.get("ComposeMail", "Mime")?;
    let mut bytes = Vec::new();
    for n in &mime.children {
        match n {
            Node::Text(t) => bytes.extend_from_slice(t.as_bytes()),
            Node::Opaque(d) => bytes.extend_from_slice(d),
            Node::Element(_) => {}
        }
    }
    Some(bytes)
}

/// Whether the message carries a calendar (an invitation, an update, a cancellation).
fn is_invitation(message: &str) -> bool {
    message.to_ascii_lowercase().contains("text/calendar")
}

/// The addresses of the `To`, `Cc` and `Bcc` fields (`"Name" <a@b>` or bare), each once.
pub fn recipients(message: &str) -> Vec<String> {
    let (head, _) = split_head(message);
    let mut out: Vec<String> = Vec::new();
    for field in unfolded(head) {
        let Some((name, value)) = field.split_once(':') else {
            continue;
        };
        if !matches!(
            name.trim().to_ascii_lowercase().as_str(),
            "to" | "cc" | "bcc"
        ) {
            continue;
        }
        for part in value.split(',') {
            let address = match (part.rfind('<'), part.rfind('>')) {
                (Some(a), Some(b)) if a < b => &part[a + 1..b],
                _ => part,
            };
            let address = address.trim().trim_matches('"').to_string();
            if app::domain::validation::email(&address).is_ok()
                && !out.iter().any(|o| o.eq_ignore_ascii_case(&address))
            {
                out.push(address);
            }
        }
    }
    out
}

fn status(value: &str) -> Element {
    Element::new("ComposeMail", "SendMail").child(Element::leaf("ComposeMail", "Status", value))
}

/// `None`: sent (an empty 200).
pub async fn handle(cx: &Context<'_, '_>, request: &Element) -> Result<Option<Element>, Error> {
    let Some(message) = mime_of(request).and_then(|b| String::from_utf8(b).ok()) else {
        return Ok(Some(status(INVALID_MIME)));
    };
    if !is_invitation(&message) || cx.user.email.is_empty() {
        return Ok(Some(harmless::compose("SendMail")));
    }
    let to = recipients(&message);
    if to.is_empty() || to.len() > MAX_RECIPIENTS {
        return Ok(Some(status(INVALID_MIME)));
    }
    match cx
        .state
        .mailer
        .queue_from_phone(&to, &cx.user.email, &message)
        .await
    {
        Ok(()) => Ok(None),
        Err(e) => {
            tracing::warn!("SendMail: not queued: {e}");
            Ok(Some(harmless::compose("SendMail")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_come_from_to_cc_and_bcc_once_each() {
        let message = "From: anna@example.it\r\nTo: \"Bruno B\" <bruno@example.org>,\r\n carla@example.org\r\nCc: Bruno@Example.org\r\nBcc: <dario@example.org>\r\nSubject: x\r\n\r\nTo: not@a.header\r\n";
        assert_eq!(
            recipients(message),
            vec![
                "bruno@example.org",
                "carla@example.org",
                "dario@example.org"
            ]
        );
        assert!(recipients("Subject: nobody\n\nbody").is_empty());
    }
}
