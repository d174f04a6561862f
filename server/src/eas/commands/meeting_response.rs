//! MeetingResponse (MS-ASCMD 2.2.1.11): the user accepts, tentatively accepts or declines an
//! event of their Calendar they are invited to. Their own entry among the attendees takes the
//! answer (the whole series: occurrences keep no attendees of their own), and their other
//! devices hear of it. Invitations in the Inbox do not exist here (the mail folders are
//! empty), so a request naming another folder is invalid.

use super::Context;
use crate::eas::wbxml::Element;
use app::backend::pim::calendar;
use app::backend::Error;
use app::domain::model::calendar::Response;

/// Status 2: not a meeting the user is invited to (or no such item).
const INVALID: &str = "2";

fn leaf(tag: &str, text: impl Into<String>) -> Element {
    Element::leaf("MeetingResponse", tag, text)
}

fn response_of(code: &str) -> Option<Response> {
    match code.trim() {
        "1" => Some(Response::Accepted),
        "2" => Some(Response::Tentative),
        "3" => Some(Response::Declined),
        _ => None,
    }
}

pub async fn handle(cx: &Context<'_, '_>, request: &Element) -> Result<Element, Error> {
    let mut answer = Element::new("MeetingResponse", "MeetingResponse");
    for r in request
        .elements()
        .filter(|r| r.is("MeetingResponse", "Request"))
    {
        let request_id = r
            .get_text("MeetingResponse", "RequestId")
            .unwrap_or_default()
            .to_string();
        let collection = r
            .get_text("MeetingResponse", "CollectionId")
            .unwrap_or_default();
        let response = r
            .get_text("MeetingResponse", "UserResponse")
            .and_then(response_of);
        let id = request_id.trim().parse::<i64>().ok();
        let status = match (response, id, collection == "calendar") {
            (Some(response), Some(id), true) => {
                match calendar::respond(cx.state, cx.user.id, id, &cx.user.email, response).await {
                    Ok(()) => Ok(response),
                    Err(Error::NotFound) => Err(INVALID),
                    Err(e) => return Err(e),
                }
            }
            _ => Err(INVALID),
        };
        let mut result =
            Element::new("MeetingResponse", "Result").child(leaf("RequestId", request_id.as_str()));
        match status {
            Ok(response) => {
                result = result.child(leaf("Status", "1"));
                // A declined meeting has no calendar item to name (MS-ASCMD 2.2.3.18).
                if response != Response::Declined {
                    result = result.child(leaf("CalendarId", request_id.as_str()));
                }
            }
            Err(status) => result = result.child(leaf("Status", status)),
        }
        answer = answer.child(result);
    }
    Ok(answer)
}
