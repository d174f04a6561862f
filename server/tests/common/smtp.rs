//! A real, minimal SMTP server on 127.0.0.1 that keeps every message it receives, so tests
//! read the codes a user would read in their inbox. Plain SMTP (loopback only); no auth, or
//! `AUTH XOAUTH2` with a bearer token the test's token endpoint issued (as Office 365 does).

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::start_on(0).await
    }

    /// On a given loopback port (0: any free one).
    pub async fn start_on(port: u16) -> SmtpSink {
        Self::listen(port, None).await
    }

    /// A server that takes mail only after `AUTH XOAUTH2` with one of the `issued` tokens
    /// (535 for any other, 530 for mail without sign-in).
    pub async fn start_xoauth2(issued: Arc<Mutex<Vec<String>>>) -> SmtpSink {
        Self::listen(0, Some(issued)).await
    }

    async fn listen(port: u16, issued: Option<Arc<Mutex<Vec<String>>>>) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let store = inbox.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                let issued = issued.clone();
                tokio::spawn(async move {
                    let mut signed_in = issued.is_none();
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                    let mut to = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            if issued.is_some() {
                                b"250-sink\r\n250-AUTH XOAUTH2\r\n250 8BITMIME\r\n"
                            } else {
                                b"250-sink\r\n250 8BITMIME\r\n"
                            }
                        } else if upper.starts_with("AUTH XOAUTH2 ") {
                            let token = bearer(&line[13..]);
                            let known = issued.as_ref().is_some_and(|i| {
                                token.is_some_and(|t| i.lock().expect("tokens").contains(&t))
                            });
                            signed_in = known;
                            if known {
                                b"235 2.7.0 Authentication successful\r\n"
                            } else {
                                b"535 5.7.3 Authentication unsuccessful\r\n"
                            }
                        } else if upper.starts_with("MAIL FROM:") && !signed_in {
                            b"530 5.7.57 Client not authenticated to send mail\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                            b"250 OK\r\n"
                        } else if upper.starts_with("DATA") {
                            let _ = write.write_all(b"354 go on\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                                data.push('\n');
                            }
                            store.lock().expect("inbox").push(Received {
                                to: std::mem::take(&mut to),
                                data,
                            });
                            b"250 queued\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 OK\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpSink { port, inbox }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().expect("inbox").clone()
    }
}

/// The token of an XOAUTH2 initial response (`user=…^Aauth=Bearer …^A^A`, base64).
fn bearer(encoded: &str) -> Option<String> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.split('\x01')
        .find_map(|part| part.strip_prefix("auth=Bearer "))
        .map(str::to_string)
}
