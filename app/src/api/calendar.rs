//! The signed-in user's own calendar. No function takes a user or a folder: the backend works
//! on the caller's own Calendar folder only (admins see none of a user's events). Times go
//! both ways as local dates and times in a named zone; the server converts them.

use super::error::AppError;
use crate::domain::model::calendar_view::{AgendaView, EventView, MonthView};
use crate::domain::model::event_form::EventForm;
use leptos::prelude::*;

/// A month (`YYYY-MM`; empty: this one) as whole weeks, in the user's zone.
#[server(endpoint = "calendar/month")]
pub async fn calendar_month(month: String) -> Result<MonthView, AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::calendar_views;
    use crate::domain::messages::Msg;
    use crate::domain::model::calendar_view::parse_month;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    let month = match month.trim() {
        "" => None,
        m => Some(parse_month(m).ok_or_else(|| AppError::invalid("month", Msg::DateInvalid))?),
    };
    Ok(calendar_views::month(&rq.state, me.id, month).await?)
}

/// The 30 days from `from` (`YYYY-MM-DD`; empty: today) that have something.
#[server(endpoint = "calendar/agenda")]
pub async fn calendar_agenda(from: String) -> Result<AgendaView, AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::calendar_views;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    let from = optional_date(&from, "from")?;
    Ok(calendar_views::agenda(&rq.state, me.id, from).await?)
}

/// An event, or (`at`) one occurrence of a series.
#[server(endpoint = "calendar/event")]
pub async fn get_event(id: i64, at: Option<i64>) -> Result<EventView, AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::calendar_views;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    Ok(calendar_views::event(&rq.state, me.id, id, at).await?)
}

/// A new event's form on `date` (empty: today), in the user's zone.
#[server(endpoint = "calendar/blank")]
pub async fn blank_event(date: String) -> Result<EventForm, AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::calendar_views;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    let date = optional_date(&date, "date")?;
    Ok(calendar_views::blank(&rq.state, me.id, date).await?)
}

/// Creates (`id` none), changes the whole event or series, or (`at`) one occurrence; returns
/// the event's id. JSON: a form has lists.
#[server(endpoint = "calendar/save", input = server_fn::codec::Json)]
pub async fn save_event(
    id: Option<i64>,
    at: Option<i64>,
    form: EventForm,
) -> Result<i64, AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::calendar_views;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    Ok(calendar_views::save(&rq.state, me.id, id, at, form).await?)
}

/// Deletes the event (a whole series), or (`at`) one occurrence.
#[server(endpoint = "calendar/delete")]
pub async fn delete_event(id: i64, at: Option<i64>) -> Result<(), AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::calendar_views;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    Ok(calendar_views::remove(&rq.state, me.id, id, at).await?)
}

/// The zone the user's calendar is shown in; returns its canonical name.
#[server(endpoint = "me/time-zone")]
pub async fn set_time_zone(time_zone: String) -> Result<String, AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::calendar;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    Ok(calendar::set_time_zone(&rq.state, me.id, &time_zone).await?)
}

#[cfg(feature = "ssr")]
fn optional_date(
    s: &str,
    field: &'static str,
) -> Result<Option<crate::domain::date::Date>, AppError> {
    use crate::domain::date::Date;
    use crate::domain::messages::Msg;
    match s.trim() {
        "" => Ok(None),
        d => Date::parse(d)
            .map(Some)
            .ok_or_else(|| AppError::invalid(field, Msg::DateInvalid)),
    }
}
