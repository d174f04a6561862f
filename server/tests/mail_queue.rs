//! Mail survives a crash (issue 12): a message is in the database before anything is tried,
//! so a `kill -9` between "queued" and "sent" loses nothing — the restarted server sends it.

mod binary;
#[path = "common/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use binary::*;
use std::time::Duration;

#[tokio::test]
async fn a_message_queued_before_a_kill_9_is_sent_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    create_user(dir.path(), None, "ugo");

    // A mail server that accepts connections and never answers: delivery hangs mid-send.
    let mail_port = free_port();
    let stalled = tokio::net::TcpListener::bind(("127.0.0.1", mail_port))
        .await
        .unwrap();
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((s, _)) = stalled.accept().await {
            sockets.push(s);
        }
    });
    let smtp_url = format!("smtp://127.0.0.1:{mail_port}");
    let env = [("SYNCGATE_SMTP_URL", smtp_url.as_str())];
    let port = free_port();
    let (running, _) = start_with(dir.path(), port, &env);
    let ugo = reauthed_client(port, "ugo", "ugo-password-1").await;
    // Turning 2FA on mails a code; the request waits for the stalled server.
    let asking = tokio::spawn(async move {
        let _ = ugo
            .post(format!("http://127.0.0.1:{port}/api/two-factor/enrol"))
            .header("Accept", "application/json")
            .form(&[("resend", "false")])
            .send()
            .await;
    });
    let pool = open_db(dir.path()).await;
    let mut queued = 0;
    for _ in 0..100 {
        queued = app::backend::store::mail_queue::waiting(&pool)
            .await
            .unwrap();
        if queued > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(queued, 1, "the code's mail is in the queue");
    stop(running); // SIGKILL: no chance to finish or clean up
    let _ = asking.await;
    held.abort();
    let _ = held.await;

    // The mail server works again; so does syncgate after its restart.
    let sink = smtp::SmtpSink::start_on(mail_port).await;
    let (running, _) = start_with(dir.path(), port, &env);
    let mut inbox = Vec::new();
    for _ in 0..100 {
        inbox = sink.messages();
        if !inbox.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop(running);
    assert_eq!(inbox.len(), 1, "sent once after the restart");
    assert_eq!(inbox[0].to, ["ugo@example.it"]);
    assert_eq!(
        app::backend::store::mail_queue::waiting(&pool)
            .await
            .unwrap(),
        0,
        "and gone from the queue"
    );
}
