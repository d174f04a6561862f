//! Autodiscover: a phone given only an email address finds the door.

mod common;

use common::door::{anna, LOGIN};
use common::TestServer;
use reqwest::StatusCode;

async fn autodiscover(
    server: &TestServer,
    auth: Option<(&str, &str)>,
    body: &str,
) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(format!("{}/Autodiscover/Autodiscover.xml", server.base))
        .header("Content-Type", "text/xml")
        .body(body.to_string());
    if let Some((u, p)) = auth {
        r = r.basic_auth(u, Some(p));
    }
    r.send().await.unwrap()
}

fn autodiscover_request(email: &str, schema: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006\">\
         <Request><EMailAddress>{email}</EMailAddress>\
         <AcceptableResponseSchema>{schema}</AcceptableResponseSchema></Request></Autodiscover>"
    )
}

#[tokio::test]
async fn autodiscover_answers_the_door_url_from_the_public_url() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    let good = autodiscover_request(
        "anna@example.it",
        server::eas::autodiscover::RESPONSE_SCHEMA,
    );
    assert_eq!(
        autodiscover(&server, None, &good).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let r = autodiscover(&server, Some(("anna@example.it", LOGIN)), &good).await;
    assert_eq!(r.status(), StatusCode::OK);
    let xml = r.text().await.unwrap();
    assert!(xml.contains("<Type>MobileSync</Type>"), "{xml}");
    assert!(
        xml.contains("<Url>https://crm.example.it/Microsoft-Server-ActiveSync</Url>"),
        "{xml}"
    );

    let no_email = autodiscover_request("", server::eas::autodiscover::RESPONSE_SCHEMA);
    let xml = autodiscover(&server, Some(("anna", LOGIN)), &no_email)
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<ErrorCode>600</ErrorCode>"), "{xml}");
    let xml = autodiscover(&server, Some(("anna", LOGIN)), "not xml")
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<ErrorCode>600</ErrorCode>"), "{xml}");
    let outlook = autodiscover_request(
        "anna@example.it",
        "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a",
    );
    let xml = autodiscover(&server, Some(("anna", LOGIN)), &outlook)
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<ErrorCode>601</ErrorCode>"), "{xml}");
}
