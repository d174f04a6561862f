//! What a phone asks for, from the request line (MS-ASHTTP 2.2.1.1): the plain query form
//! (`?Cmd=Sync&User=anna&DeviceId=…&DeviceType=…`) or the base64-encoded binary form.

use std::collections::HashMap;

/// The commands of MS-ASHTTP, with their codes in the base64 form.
pub const COMMANDS: &[(u8, &str)] = &[
    (0, "Sync"),
    (1, "SendMail"),
    (2, "SmartForward"),
    (3, "SmartReply"),
    (4, "GetAttachment"),
    (9, "FolderSync"),
    (10, "FolderCreate"),
    (11, "FolderDelete"),
    (12, "FolderUpdate"),
    (13, "MoveItems"),
    (14, "GetItemEstimate"),
    (15, "MeetingResponse"),
    (16, "Search"),
    (17, "Settings"),
    (18, "Ping"),
    (19, "ItemOperations"),
    (20, "Provision"),
    (21, "ResolveRecipients"),
    (22, "ValidateCert"),
    (23, "Find"),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EasRequest {
    pub command: String,
    pub user: Option<String>,
    pub device_id: String,
    pub device_type: String,
    /// From the base64 form (e.g. "14.0"); the plain form sends it as a header.
    pub protocol_version: Option<String>,
    /// From the base64 form; the plain form sends it as `X-MS-PolicyKey`.
    pub policy_key: Option<String>,
    /// Other parameters (`SaveInSent`, `ItemId`, …) by name.
    pub params: HashMap<String, String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the request has no command")]
    NoCommand,
    #[error("the request has no device id")]
    NoDeviceId,
    #[error("the request has no device type")]
    NoDeviceType,
    #[error("the encoded request line is damaged")]
    BadEncoding,
}

/// Device ids are alphanumeric up to 32 characters (MS-ASHTTP); anything else is refused so it
/// never reaches a log or a page unchecked.
fn valid_device_field(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

pub fn parse(query: Option<&str>) -> Result<EasRequest, RequestError> {
    let query = query.unwrap_or_default();
    if !query.is_empty() && !query.contains('=') {
        return parse_base64(query);
    }
    let mut params: HashMap<String, String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect();
    let command = params
        .remove("Cmd")
        .filter(|c| !c.is_empty())
        .ok_or(RequestError::NoCommand)?;
    let device_id = params
        .remove("DeviceId")
        .filter(|d| valid_device_field(d))
        .ok_or(RequestError::NoDeviceId)?;
    let device_type = params
        .remove("DeviceType")
        .filter(|d| valid_device_field(d))
        .ok_or(RequestError::NoDeviceType)?;
    let user = params.remove("User").filter(|u| !u.is_empty());
    Ok(EasRequest {
        command,
        user,
        device_id,
        device_type,
        protocol_version: None,
        policy_key: None,
        params,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Base64 parameter tags of MS-ASHTTP 2.2.1.1.1.1.2.
fn param_name(tag: u8) -> Option<&'static str> {
    Some(match tag {
        0 => "AttachmentName",
        1 => "CollectionId",
        3 => "ItemId",
        4 => "LongId",
        6 => "Occurrence",
        7 => "Options",
        8 => "User",
        _ => return None,
    })
}

fn parse_base64(encoded: &str) -> Result<EasRequest, RequestError> {
    let decoded = percent_decode(encoded).ok_or(RequestError::BadEncoding)?;
    let bytes = super::base64::decode(&decoded).ok_or(RequestError::BadEncoding)?;
    let mut r = bytes.iter().copied();
    let mut next = || r.next().ok_or(RequestError::BadEncoding);
    let version = next()?;
    let code = next()?;
    let _locale = u16::from_le_bytes([next()?, next()?]);
    let field = |next: &mut dyn FnMut() -> Result<u8, RequestError>| {
        let len = next()? as usize;
        (0..len).map(|_| next()).collect::<Result<Vec<u8>, _>>()
    };
    let device_id = field(&mut next)?;
    let policy_key = field(&mut next)?;
    let device_type = field(&mut next)?;
    let mut params = HashMap::new();
    while let Ok(tag) = next() {
        let value = field(&mut next)?;
        if let Some(name) = param_name(tag) {
            params.insert(
                name.to_string(),
                String::from_utf8_lossy(&value).into_owned(),
            );
        }
    }
    let command = COMMANDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| n.to_string())
        .ok_or(RequestError::NoCommand)?;
    // The device id is bytes in this form; printable ids stay as they are, others become hex.
    let device_id = match String::from_utf8(device_id.clone()) {
        Ok(s) if valid_device_field(&s) => s,
        _ if !device_id.is_empty() => device_id.iter().map(|b| format!("{b:02X}")).collect(),
        _ => return Err(RequestError::NoDeviceId),
    };
    let device_type = String::from_utf8(device_type)
        .ok()
        .filter(|d| valid_device_field(d))
        .ok_or(RequestError::NoDeviceType)?;
    let policy_key = match policy_key.as_slice() {
        [a, b, c, d] => Some(u32::from_le_bytes([*a, *b, *c, *d]).to_string()),
        _ => None,
    };
    Ok(EasRequest {
        command,
        user: params.remove("User"),
        device_id,
        device_type,
        protocol_version: Some(format!("{}.{}", version / 10, version % 10)),
        policy_key,
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_form() {
        let r = parse(Some(
            "Cmd=FolderSync&User=CORP%5Canna&DeviceId=ABC123&DeviceType=iPhone&SaveInSent=T",
        ))
        .unwrap();
        assert_eq!(r.command, "FolderSync");
        assert_eq!(r.user.as_deref(), Some("CORP\\anna"));
        assert_eq!(
            (r.device_id.as_str(), r.device_type.as_str()),
            ("ABC123", "iPhone")
        );
        assert_eq!(r.params.get("SaveInSent").map(String::as_str), Some("T"));
        assert_eq!(r.protocol_version, None);
    }

    #[test]
    fn missing_fields_are_named() {
        assert_eq!(parse(None), Err(RequestError::NoCommand));
        assert_eq!(
            parse(Some("Cmd=Sync&DeviceType=x")),
            Err(RequestError::NoDeviceId)
        );
        assert_eq!(
            parse(Some("Cmd=Sync&DeviceId=abc")),
            Err(RequestError::NoDeviceType)
        );
        assert_eq!(
            parse(Some("Cmd=Sync&DeviceId=a<script>&DeviceType=x")),
            Err(RequestError::NoDeviceId)
        );
    }

    /// MS-ASHTTP 2.2.1.1.1.1's example.
    #[test]
    fn the_base64_form_of_the_spec() {
        let r = parse(Some("jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l")).unwrap();
        assert_eq!(r.protocol_version.as_deref(), Some("14.0"));
        assert_eq!(r.command, "Sync");
        assert_eq!(r.device_id, "v140Device");
        assert_eq!(r.device_type, "SmartPhone");
        assert_eq!(r.policy_key, None);
    }

    #[test]
    fn the_base64_form_with_a_policy_key_and_a_user() {
        let mut b = vec![161, 9, 0x10, 0x04, 3];
        b.extend(b"dev");
        b.push(4);
        b.extend(7u32.to_le_bytes());
        b.push(5);
        b.extend(b"Phone");
        b.push(8);
        b.push(4);
        b.extend(b"anna");
        let encoded = base64(&b);
        let r = parse(Some(&encoded)).unwrap();
        assert_eq!(r.command, "FolderSync");
        assert_eq!(r.protocol_version.as_deref(), Some("16.1"));
        assert_eq!(r.policy_key.as_deref(), Some("7"));
        assert_eq!(r.user.as_deref(), Some("anna"));
    }

    #[test]
    fn damaged_base64_is_refused() {
        assert_eq!(parse(Some("jAAJ")), Err(RequestError::BadEncoding));
        assert_eq!(parse(Some("!!!!")), Err(RequestError::BadEncoding));
        // Unknown command code 99.
        assert_eq!(
            parse(Some(&base64(&[140, 99, 9, 4, 1, b'd', 0, 1, b't']))),
            Err(RequestError::NoCommand)
        );
    }

    fn base64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }
}
