//! A phone at the WBXML level: provisioned once, then Sync, GetItemEstimate, Ping and the
//! rest as raw requests, so tests can send what real clients send (and what they should not).

use super::door::{post, wbxml_of};
use super::TestServer;
use reqwest::StatusCode;
use server::eas::wbxml::{self, Element};

pub struct Phone<'a> {
    pub server: &'a TestServer,
    pub device: String,
    pub auth: (String, String),
    pub policy_key: String,
    pub version: &'static str,
}

/// An answer: `None` for an empty 200.
pub type Answer = Option<Element>;

impl<'a> Phone<'a> {
    /// Provisions the device and syncs its folder list.
    pub async fn new(
        server: &'a TestServer,
        user: &str,
        password: &str,
        device: &str,
    ) -> Phone<'a> {
        let mut phone = Phone {
            server,
            device: device.to_string(),
            auth: (user.to_string(), password.to_string()),
            policy_key: String::new(),
            version: "16.1",
        };
        let provision = |key: Option<&str>| {
            let mut policy = Element::new("Provision", "Policy").child(Element::leaf(
                "Provision",
                "PolicyType",
                "MS-EAS-Provisioning-WBXML",
            ));
            if let Some(k) = key {
                policy = policy
                    .child(Element::leaf("Provision", "PolicyKey", k))
                    .child(Element::leaf("Provision", "Status", "1"));
            }
            Element::new("Provision", "Provision")
                .child(Element::new("Provision", "Policies").child(policy))
        };
        let step1 = phone.command("Provision", &provision(None)).await.unwrap();
        let temp = step1
            .find("Provision", "PolicyKey")
            .and_then(Element::text_content)
            .unwrap()
            .to_string();
        phone.policy_key = temp.clone();
        let step2 = phone
            .command("Provision", &provision(Some(&temp)))
            .await
            .unwrap();
        phone.policy_key = step2
            .find("Provision", "PolicyKey")
            .and_then(Element::text_content)
            .unwrap()
            .to_string();
        phone.folder_sync().await;
        phone
    }

    pub fn query(&self, command: &str) -> String {
        format!(
            "Cmd={command}&User={}&DeviceId={}&DeviceType=TestPhone",
            self.auth.0, self.device
        )
    }

    /// Sends a command's body; the answer's tree (`None`: an empty 200).
    pub async fn raw(&self, command: &str, body: Vec<u8>) -> reqwest::Response {
        let r = reqwest::Client::new()
            .post(format!(
                "{}{}?{}",
                self.server.base,
                super::door::DOOR,
                self.query(command)
            ))
            .basic_auth(&self.auth.0, Some(&self.auth.1))
            .header("MS-ASProtocolVersion", self.version)
            .header("Content-Type", "application/vnd.ms-sync.wbxml")
            .header("X-MS-PolicyKey", &self.policy_key)
            .body(body);
        r.send().await.unwrap()
    }

    pub async fn command(&self, command: &str, body: &Element) -> Answer {
        let r = self.raw(command, wbxml::encode(body)).await;
        assert_eq!(r.status(), StatusCode::OK, "{command}");
        let bytes = r.bytes().await.unwrap();
        if bytes.is_empty() {
            None
        } else {
            Some(wbxml::decode(&bytes).expect("a WBXML answer"))
        }
    }

    pub async fn folder_sync(&self) -> Element {
        let body = Element::new("FolderHierarchy", "FolderSync").child(Element::leaf(
            "FolderHierarchy",
            "SyncKey",
            "0",
        ));
        let q = self.query("FolderSync");
        let a = wbxml_of(
            post(
                self.server,
                &q,
                (&self.auth.0, &self.auth.1),
                Some(&self.policy_key),
                wbxml::encode(&body),
            )
            .await,
        )
        .await;
        assert_eq!(a.get_text("FolderHierarchy", "Status"), Some("1"));
        a
    }
}

/// `Sync` of one collection: key, window and commands (children of `Commands`).
pub fn sync_body(
    collection: &str,
    key: &str,
    window: Option<usize>,
    commands: Vec<Element>,
) -> Element {
    let mut c = Element::new("AirSync", "Collection")
        .child(Element::leaf("AirSync", "SyncKey", key))
        .child(Element::leaf("AirSync", "CollectionId", collection));
    if let Some(w) = window {
        c = c.child(Element::leaf("AirSync", "WindowSize", w.to_string()));
    }
    if !commands.is_empty() {
        c = c.child(
            commands
                .into_iter()
                .fold(Element::new("AirSync", "Commands"), Element::child),
        );
    }
    Element::new("AirSync", "Sync").child(Element::new("AirSync", "Collections").child(c))
}

/// The one collection of a Sync answer.
pub fn collection(answer: &Element) -> &Element {
    answer
        .get("AirSync", "Collections")
        .and_then(|c| c.get("AirSync", "Collection"))
        .unwrap_or_else(|| panic!("no collection in {}", wbxml::to_xml(answer)))
}

pub fn text<'e>(e: &'e Element, page: &str, tag: &str) -> &'e str {
    e.get_text(page, tag)
        .unwrap_or_else(|| panic!("no {page}:{tag} in {}", wbxml::to_xml(e)))
}

/// The `Commands` of a collection answer by kind: (Add ids, Change ids, Delete ids).
pub fn commands(c: &Element) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    if let Some(list) = c.get("AirSync", "Commands") {
        for e in list.elements() {
            let id = text(e, "AirSync", "ServerId").to_string();
            if e.is("AirSync", "Add") {
                out.0.push(id);
            } else if e.is("AirSync", "Change") {
                out.1.push(id);
            } else if e.is("AirSync", "Delete") {
                out.2.push(id);
            }
        }
    }
    out
}

/// An `ApplicationData` of contact fields: (page, tag, text).
pub fn contact_data(fields: &[(&str, &str, &str)]) -> Element {
    fields.iter().fold(
        Element::new("AirSync", "ApplicationData"),
        |d, (page, tag, text)| d.child(Element::leaf(page, tag, *text)),
    )
}

pub fn add(client_id: &str, data: Element) -> Element {
    Element::new("AirSync", "Add")
        .child(Element::leaf("AirSync", "ClientId", client_id))
        .child(data)
}

pub fn change(server_id: &str, data: Element) -> Element {
    Element::new("AirSync", "Change")
        .child(Element::leaf("AirSync", "ServerId", server_id))
        .child(data)
}

pub fn delete(server_id: &str) -> Element {
    Element::new("AirSync", "Delete").child(Element::leaf("AirSync", "ServerId", server_id))
}
