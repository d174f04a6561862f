//! Mail delivery to a real SMTP server on loopback.

mod common;

use app::backend::mail::{smtp_transport, Email, Mailer, SmtpUrl, Transport};
use common::smtp::SmtpSink;

#[tokio::test]
async fn a_message_reaches_the_smtp_server_with_both_bodies() {
    let sink = SmtpSink::start().await;
    let transport = Transport::Smtp(smtp_transport(&SmtpUrl::new(sink.url())).unwrap());
    let mailer = Mailer::start(transport, "syncgate <noreply@example.it>").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = app::backend::store::connect(&common::fresh_database(dir.path()).await)
        .await
        .unwrap();
    app::backend::store::migrate(&db).await.unwrap();
    let ring = app::backend::secrets::keyring::KeyRing::single([5u8; 32]);
    mailer.attach(
        &db,
        std::sync::Arc::new(app::backend::secrets::SecretBox::new(&ring)),
    );
    mailer
        .send(Email {
            to: "anna@example.it".into(),
            subject: "Your security code".into(),
            text: "Your code is 493021. It expires in 10 minutes.".into(),
            html: "<p>Your code is <strong>493021</strong>.</p>".into(),
            outbox_hint: Some("code 493021".into()),
        })
        .await
        .unwrap();
    let inbox = sink.messages();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].to, ["anna@example.it"]);
    let data = &inbox[0].data;
    assert!(data.contains("Subject: Your security code"), "{data}");
    assert!(data.contains("text/plain") && data.contains("text/html"));
    assert!(data.contains("493021"));
}
