//! Reading an uploaded file from a multipart form without holding more than the route allows,
//! and without resetting the connection: past the limit the rest of the body is read and
//! dropped, so the browser receives the answer ("too large") instead of a reset connection
//! (a server that stops reading mid-upload makes the kernel reset it). Beyond `HARD_CAP` the
//! body is not read any further.

use axum::extract::Multipart;

/// The most a request body may carry at all (what is dropped unread beyond a route's limit).
pub const HARD_CAP: usize = 256 * 1024 * 1024;

pub enum Upload {
    /// The field's file name and bytes.
    File(String, Vec<u8>),
    /// The field was larger than the limit (its bytes were dropped).
    TooLarge,
    /// No such field, or an empty one.
    Missing,
}

/// The first field called `name`, at most `limit` bytes, and what else the form held (the
/// names of its other fields), read to its end.
pub async fn read(form: &mut Multipart, name: &str, limit: usize) -> (Upload, Vec<String>) {
    let mut found = Upload::Missing;
    let mut others = Vec::new();
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // Past the hard cap, or a broken body: what was read decides.
            Err(_) => return (found_or_too_large(found), others),
        };
        let field_name = field.name().unwrap_or("").to_string();
        if field_name != name || !matches!(found, Upload::Missing) {
            others.push(field_name);
            while let Ok(Some(_)) = field.chunk().await {}
            continue;
        }
        let file_name = field.file_name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        let mut too_large = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if !too_large && bytes.len() + chunk.len() <= limit => {
                    bytes.extend_from_slice(&chunk)
                }
                Ok(Some(_)) => {
                    too_large = true;
                    bytes = Vec::new();
                }
                Ok(None) => break,
                Err(_) => return (Upload::TooLarge, others),
            }
        }
        found = match (too_large, bytes.is_empty()) {
            (true, _) => Upload::TooLarge,
            (false, true) => Upload::Missing,
            (false, false) => Upload::File(file_name, bytes),
        };
    }
    (found, others)
}

fn found_or_too_large(found: Upload) -> Upload {
    match found {
        Upload::Missing => Upload::TooLarge,
        other => other,
    }
}
