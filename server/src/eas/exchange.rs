//! One request to the door, read once: the command (typed), the protocol version, the policy
//! key, the device and the command's parameters, from the request line or its headers.

use super::request::{self, EasRequest};
use axum::http::HeaderMap;
use std::collections::HashMap;

/// The commands the door answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Provision,
    FolderSync,
    Settings,
    Sync,
    GetItemEstimate,
    Ping,
    ItemOperations,
    Search,
    ResolveRecipients,
    MoveItems,
    ValidateCert,
    SendMail,
    SmartReply,
    SmartForward,
    MeetingResponse,
}

/// A command the door does not answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Unsupported {
    /// Known to MS-ASHTTP, not available yet (501).
    NotYet(String),
    /// Not an ActiveSync command (400).
    Unknown,
}

impl Command {
    pub const ALL: [Command; 15] = [
        Command::Sync,
        Command::SendMail,
        Command::SmartForward,
        Command::SmartReply,
        Command::FolderSync,
        Command::MoveItems,
        Command::GetItemEstimate,
        Command::Search,
        Command::Settings,
        Command::Ping,
        Command::ItemOperations,
        Command::Provision,
        Command::ResolveRecipients,
        Command::ValidateCert,
        Command::MeetingResponse,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Command::Provision => "Provision",
            Command::FolderSync => "FolderSync",
            Command::Settings => "Settings",
            Command::Sync => "Sync",
            Command::GetItemEstimate => "GetItemEstimate",
            Command::Ping => "Ping",
            Command::ItemOperations => "ItemOperations",
            Command::Search => "Search",
            Command::ResolveRecipients => "ResolveRecipients",
            Command::MoveItems => "MoveItems",
            Command::ValidateCert => "ValidateCert",
            Command::SendMail => "SendMail",
            Command::SmartReply => "SmartReply",
            Command::SmartForward => "SmartForward",
            Command::MeetingResponse => "MeetingResponse",
        }
    }

    /// Commands a device may send without a body (they repeat or reuse what it sent before).
    pub fn body_optional(self) -> bool {
        matches!(self, Command::Sync | Command::Ping)
    }

    pub fn parse(name: &str) -> Result<Command, Unsupported> {
        if let Some(c) = Command::ALL.into_iter().find(|c| c.name() == name) {
            return Ok(c);
        }
        if request::COMMANDS.iter().any(|(_, c)| *c == name) {
            Err(Unsupported::NotYet(name.to_string()))
        } else {
            Err(Unsupported::Unknown)
        }
    }
}

/// The protocol version when a phone names none.
const DEFAULT_VERSION: &str = "14.1";

pub struct Exchange {
    pub command: Result<Command, Unsupported>,
    /// `MS-ASProtocolVersion` (or the base64 form's).
    pub version: String,
    /// `X-MS-PolicyKey` (or the base64 form's).
    pub policy_key: Option<String>,
    pub device_id: String,
    pub device_type: String,
    /// At most 200 characters.
    pub user_agent: String,
    /// The command's other parameters (`CollectionId`, `ItemId`, …).
    pub params: HashMap<String, String>,
}

impl Exchange {
    pub fn new(request: EasRequest, headers: &HeaderMap) -> Exchange {
        let version = request
            .protocol_version
            .or_else(|| header_text(headers, "ms-asprotocolversion"))
            .unwrap_or_else(|| DEFAULT_VERSION.to_string());
        let policy_key = request
            .policy_key
            .or_else(|| header_text(headers, "x-ms-policykey"));
        let user_agent = header_text(headers, "user-agent")
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        Exchange {
            command: Command::parse(&request.command),
            version,
            policy_key,
            device_id: request.device_id,
            device_type: request.device_type,
            user_agent,
            params: request.params,
        }
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_typed_once() {
        assert_eq!(Command::parse("FolderSync"), Ok(Command::FolderSync));
        assert_eq!(
            Command::parse("GetAttachment"),
            Err(Unsupported::NotYet("GetAttachment".into()))
        );
        assert_eq!(Command::parse("Format"), Err(Unsupported::Unknown));
        for c in Command::ALL {
            assert_eq!(Command::parse(c.name()), Ok(c));
        }
    }

    #[test]
    fn the_base64_form_wins_over_headers_and_defaults_fill_in() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ms-policykey", "123".parse().unwrap());
        headers.insert("ms-asprotocolversion", "16.1".parse().unwrap());
        let plain = request::parse(Some("Cmd=Settings&DeviceId=abc&DeviceType=iPhone")).unwrap();
        let x = Exchange::new(plain.clone(), &headers);
        assert_eq!(
            (x.version.as_str(), x.policy_key.as_deref()),
            ("16.1", Some("123"))
        );
        let mut coded = plain;
        coded.protocol_version = Some("14.0".into());
        coded.policy_key = Some("9".into());
        let x = Exchange::new(coded, &headers);
        assert_eq!(
            (x.version.as_str(), x.policy_key.as_deref()),
            ("14.0", Some("9"))
        );
        let x = Exchange::new(
            request::parse(Some("Cmd=Settings&DeviceId=abc&DeviceType=iPhone")).unwrap(),
            &HeaderMap::new(),
        );
        assert_eq!((x.version.as_str(), x.policy_key), (DEFAULT_VERSION, None));
    }
}
