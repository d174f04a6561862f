//! Phones' connections, served without hyper (issue 26, point 6). A phone waiting in Ping holds
//! its connection for up to an hour; under hyper that connection keeps an 8 KB read buffer
//! (to notice a hang-up) and an 8 KB write buffer for the whole wait, most of what a waiting
//! phone costs. Here a plain request to the door is read, answered and written by hand, and
//! while it is answered the connection holds nothing but its socket: the hang-up is noticed by
//! peeking one byte.
//!
//! Only the plainest requests are served here: HTTP/1.1, POST or OPTIONS to the door, a
//! `Content-Length` body within the door's limit, no `Transfer-Encoding`, `Expect` or
//! `Upgrade`. Anything else (every browser's request, a head too long, a body too big) hands
//! the connection, with what was read of it, to hyper for the rest of its life, so every
//! answer outside this narrow path is hyper's own.

use crate::eas::door;
use crate::http::Share;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, Uri};
use axum::response::Response;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

/// Header lines a request served here may have (a phone sends about ten).
const MAX_HEADERS: usize = 48;
/// A phone's request head is a few hundred bytes: the buffer starts small.
const FIRST_READ: usize = 1024;
/// A body's buffer grows by at most this much a read.
const BODY_STEP: usize = 64 * 1024;
/// How long writing an answer may make no progress: longer than for a request, as a phone on a
/// poor link (or changing cells) may take nothing for a while in the middle of a large Sync.
const ANSWER_STALL: Duration = Duration::from_secs(120);

/// How a connection's turn here ended.
pub enum Ended {
    /// The connection is closed (hang-up, timeout, shutdown, or the client asked).
    Closed,
    /// A request not served here: the rest of the connection, its unread bytes first.
    Handoff(Rewind),
}

/// What the connection needs from the server.
pub struct Served<'a> {
    pub door: &'a door::Door,
    pub peer: SocketAddr,
    pub share: &'a Share,
    /// For a request head (also the idle time before it), and between two pieces of a body.
    pub timeout: Duration,
    /// Turns true when the server stops: an idle connection closes, a busy one after its answer.
    pub stopping: &'a mut watch::Receiver<bool>,
}

/// Serves the connection's requests while they are plain requests to the door.
pub async fn serve(mut stream: TcpStream, mut served: Served<'_>) -> Ended {
    // Bytes read and not yet used: the start of the next request.
    let mut unread: Vec<u8> = Vec::new();
    // Reading and writing are boxed while they run: the connection's task keeps room only for
    // what a waiting Ping needs, not for their timers and buffers.
    loop {
        let (plain, head_len) =
            match Box::pin(read_head(&mut stream, &mut unread, &mut served)).await {
                Head::Plain(plain, n) => (plain, n),
                Head::Other => return Ended::Handoff(Rewind::new(unread, stream)),
                Head::Gone => return Ended::Closed,
            };
        let reading = read_body(&mut stream, &mut unread, head_len, plain.length, &served);
        let Ok(body) = Box::pin(reading).await else {
            return Ended::Closed;
        };
        let Plain {
            method,
            uri,
            headers,
            close,
            ..
        } = plain;
        // Gone, blank lines after a request do not keep the hang-up from being watched.
        drop_blank_lines(&mut unread);
        // Nothing of the request's bytes is kept while it is answered (a Ping waits long).
        if unread.is_empty() {
            unread = Vec::new();
        }
        let (door, share) = (served.door, served.share);
        // Boxed: the task is as large as its largest state, for every connection, idle or not.
        let answering = Box::pin(door::answer(
            door,
            served.peer.ip(),
            Some(share),
            method,
            uri,
            headers,
            body,
        ));
        let answer = tokio::select! {
            answer = answering => answer,
            () = hung_up(&stream), if unread.is_empty() => return Ended::Closed,
        };
        let close = close || *served.stopping.borrow();
        if Box::pin(write_answer(&mut stream, answer, close))
            .await
            .is_err()
            || close
        {
            let _ = stream.shutdown().await;
            return Ended::Closed;
        }
    }
}

// Returned once a request and taken apart at once: boxing `Plain` would only add an allocation.
#[expect(clippy::large_enum_variant)]
enum Head {
    /// A request served here, its head the first `n` bytes of `unread`.
    Plain(Plain, usize),
    /// Any other request, or a head past the size allowed (hyper answers 431): hyper's.
    Other,
    /// Closed, timed out, or the server is stopping while the connection is idle.
    Gone,
}

/// Reads until the parser finds the head's end (the parser alone frames the request, so no
/// two readings of the bytes can differ).
async fn read_head(stream: &mut TcpStream, unread: &mut Vec<u8>, served: &mut Served<'_>) -> Head {
    let deadline = Instant::now() + served.timeout;
    // Bytes the parser has seen: a head arriving a byte at a time is parsed again only when a
    // line ends, not for every byte.
    let mut parsed: usize = 0;
    loop {
        // Dropped as they come, blank lines are not parsed again with every line that follows.
        parsed = parsed.saturating_sub(drop_blank_lines(unread));
        if unread[parsed..].contains(&b'\n') {
            match parse_head(unread) {
                Parsed::Partial => {}
                Parsed::Plain(plain, n) => return Head::Plain(plain, n),
                Parsed::Other => return Head::Other,
            }
        }
        parsed = unread.len();
        if unread.len() > crate::http::MAX_HEAD_BYTES {
            return Head::Other;
        }
        if unread.capacity() - unread.len() < FIRST_READ / 2 {
            unread.reserve(FIRST_READ.max(unread.len()));
        }
        let idle = unread.is_empty();
        let read = tokio::select! {
            read = tokio::time::timeout_at(deadline, stream.read_buf(unread)) => read,
            _ = served.stopping.wait_for(|s| *s), if idle => return Head::Gone,
        };
        match read {
            Ok(Ok(n)) if n > 0 => {}
            _ => return Head::Gone,
        }
    }
}

#[expect(clippy::large_enum_variant)]
enum Parsed {
    /// The head has not ended yet.
    Partial,
    /// A request served here, and its head's length.
    Plain(Plain, usize),
    /// Not one served here (or not HTTP at all: hyper answers it).
    Other,
}

/// Blank lines before a request are allowed and ignored (RFC 9112 2.2): drops those at the
/// start of `unread`; how many bytes.
fn drop_blank_lines(unread: &mut Vec<u8>) -> usize {
    let blank = unread
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    unread.drain(..blank);
    blank
}

fn parse_head(bytes: &[u8]) -> Parsed {
    let mut lines = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut lines);
    match request.parse(bytes) {
        Ok(httparse::Status::Partial) => Parsed::Partial,
        // Past the size allowed: hyper answers 431, as it would had the head come in pieces.
        Ok(httparse::Status::Complete(n)) if n > crate::http::MAX_HEAD_BYTES => Parsed::Other,
        Ok(httparse::Status::Complete(n)) => {
            plain_request(&request).map_or(Parsed::Other, |plain| Parsed::Plain(plain, n))
        }
        Err(_) => Parsed::Other,
    }
}

/// A request this module serves, parsed from its head.
#[derive(Debug)]
struct Plain {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    length: usize,
    /// `Connection: close`: the answer is the last.
    close: bool,
}

/// The parsed request, if it is one served here.
fn plain_request(parsed: &httparse::Request<'_, '_>) -> Option<Plain> {
    if parsed.version != Some(1) {
        return None;
    }
    let method = match parsed.method? {
        "POST" => Method::POST,
        "OPTIONS" => Method::OPTIONS,
        _ => return None,
    };
    let target = parsed.path?;
    if target.split('?').next() != Some(door::PATH) {
        return None;
    }
    let uri: Uri = target.parse().ok()?;
    let mut headers = HeaderMap::with_capacity(parsed.headers.len());
    for line in parsed.headers.iter() {
        let name = HeaderName::from_bytes(line.name.as_bytes()).ok()?;
        let value = HeaderValue::from_bytes(line.value).ok()?;
        headers.append(name, value);
    }
    if [header::TRANSFER_ENCODING, header::EXPECT, header::UPGRADE]
        .iter()
        .any(|h| headers.contains_key(h))
    {
        return None;
    }
    let mut lengths = headers.get_all(header::CONTENT_LENGTH).iter();
    let length = match (lengths.next(), lengths.next()) {
        (None, _) => 0,
        (Some(one), None) => {
            let digits = one.to_str().ok()?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse().ok()?
        }
        (Some(_), Some(_)) => return None,
    };
    if length > door::MAX_BODY {
        return None;
    }
    let close = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("close"));
    Some(Plain {
        method,
        uri,
        headers,
        length,
        close,
    })
}

/// The body: what follows the head in `unread`, then the rest from the socket (each piece
/// within the timeout). `unread` keeps what comes after the body.
async fn read_body(
    stream: &mut TcpStream,
    unread: &mut Vec<u8>,
    head_len: usize,
    length: usize,
    served: &Served<'_>,
) -> io::Result<Bytes> {
    let after_head = unread.split_off(head_len);
    unread.clear();
    let mut body = after_head;
    if body.len() > length {
        *unread = body.split_off(length);
    }
    while body.len() < length {
        // Room as the body arrives: a head alone does not get its whole length allocated.
        body.reserve((length - body.len()).min(BODY_STEP));
        let missing = (length - body.len()) as u64;
        let read = tokio::time::timeout(
            served.timeout,
            (&mut *stream).take(missing).read_buf(&mut body),
        )
        .await;
        match read {
            Ok(Ok(n)) if n > 0 => {}
            Ok(Err(e)) => return Err(e),
            _ => return Err(io::ErrorKind::UnexpectedEof.into()),
        }
    }
    Ok(Bytes::from(body))
}

/// Resolves when the client hangs up (or the socket fails); never if it sends something, the
/// next request, early.
async fn hung_up(stream: &TcpStream) {
    let mut one = [0u8; 1];
    match stream.peek(&mut one).await {
        Ok(0) | Err(_) => {}
        Ok(_) => std::future::pending().await,
    }
}

/// Writes the answer: its head, with its length and the date, then its body; each piece
/// within `ANSWER_STALL`.
async fn write_answer(stream: &mut TcpStream, answer: Response, close: bool) -> io::Result<()> {
    let (parts, body) = answer.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(io::Error::other)?;
    let mut out = answer_head(&parts, body.len(), close, std::time::SystemTime::now());
    out.extend_from_slice(&body);
    let mut rest = &out[..];
    while !rest.is_empty() {
        match tokio::time::timeout(ANSWER_STALL, stream.write(rest)).await {
            Ok(Ok(n)) if n > 0 => rest = &rest[n..],
            Ok(Err(e)) => return Err(e),
            _ => return Err(io::ErrorKind::WriteZero.into()),
        }
    }
    Ok(())
}

/// The status line and header lines of an answer (framing headers are this module's own).
fn answer_head(
    parts: &axum::http::response::Parts,
    length: usize,
    close: bool,
    now: std::time::SystemTime,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + length);
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(parts.status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(
        parts
            .status
            .canonical_reason()
            .unwrap_or("Unknown")
            .as_bytes(),
    );
    out.extend_from_slice(b"\r\n");
    for (name, value) in &parts.headers {
        if [
            header::CONTENT_LENGTH,
            header::TRANSFER_ENCODING,
            header::CONNECTION,
            header::DATE,
        ]
        .contains(name)
        {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {length}\r\n").as_bytes());
    out.extend_from_slice(format!("date: {}\r\n", httpdate::fmt_http_date(now)).as_bytes());
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// A connection handed to hyper: the bytes already read come first.
pub struct Rewind {
    unread: Vec<u8>,
    at: usize,
    stream: TcpStream,
}

impl Rewind {
    pub fn new(unread: Vec<u8>, stream: TcpStream) -> Rewind {
        Rewind {
            unread,
            at: 0,
            stream,
        }
    }
}

impl AsyncRead for Rewind {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.at < self.unread.len() {
            let n = buf.remaining().min(self.unread.len() - self.at);
            let at = self.at;
            buf.put_slice(&self.unread[at..at + n]);
            self.at += n;
            if self.at == self.unread.len() {
                self.unread = Vec::new();
                self.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ping_head(extra: &str) -> String {
        format!(
            "POST {}?Cmd=Ping&User=anna&DeviceId=D1&DeviceType=iPhone HTTP/1.1\r\n\
             Host: crm.example.it\r\nAuthorization: Basic YW5uYTpw\r\n\
             MS-ASProtocolVersion: 16.1\r\nContent-Type: application/vnd.ms-sync.wbxml\r\n\
             {extra}\r\n",
            door::PATH
        )
    }

    /// The request, if `head` is exactly the head of one served here.
    fn served_here(head: &[u8]) -> Option<Plain> {
        match parse_head(head) {
            Parsed::Plain(plain, n) => {
                assert_eq!(n, head.len(), "the head's end");
                Some(plain)
            }
            Parsed::Partial => panic!("not a whole head: {head:?}"),
            Parsed::Other => None,
        }
    }

    #[test]
    fn a_phone_s_plain_request_is_served_here() {
        let head = ping_head("Content-Length: 14\r\n");
        let plain = served_here(head.as_bytes()).expect("plain");
        assert_eq!(plain.method, Method::POST);
        assert_eq!(plain.length, 14);
        assert!(!plain.close);
        assert_eq!(plain.uri.path(), door::PATH);
        assert_eq!(
            plain.uri.query(),
            Some("Cmd=Ping&User=anna&DeviceId=D1&DeviceType=iPhone")
        );
        assert_eq!(plain.headers["ms-asprotocolversion"], "16.1");
        let options = format!("OPTIONS {} HTTP/1.1\r\nHost: x\r\n\r\n", door::PATH);
        assert_eq!(served_here(options.as_bytes()).unwrap().length, 0);
        let closing = ping_head("Content-Length: 0\r\nConnection: keep-alive, Close\r\n");
        assert!(served_here(closing.as_bytes()).unwrap().close);
    }

    #[test]
    fn anything_else_goes_to_hyper() {
        let others = [
            // Not the door, or not a method the door takes here.
            "GET /login HTTP/1.1\r\nHost: x\r\n\r\n".to_string(),
            "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n".to_string(),
            format!("GET {} HTTP/1.1\r\nHost: x\r\n\r\n", door::PATH),
            format!("POST {}x HTTP/1.1\r\nHost: x\r\n\r\n", door::PATH),
            // HTTP/1.0, framing this module does not do, ambiguous or oversized lengths.
            format!("POST {} HTTP/1.0\r\nHost: x\r\n\r\n", door::PATH),
            ping_head("Transfer-Encoding: chunked\r\n"),
            ping_head("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
            ping_head("Expect: 100-continue\r\nContent-Length: 5\r\n"),
            ping_head("Upgrade: websocket\r\n"),
            ping_head("Content-Length: 5\r\nContent-Length: 6\r\n"),
            ping_head("Content-Length: +5\r\n"),
            ping_head("Content-Length: \r\n"),
            ping_head(&format!("Content-Length: {}\r\n", door::MAX_BODY + 1)),
            // Not HTTP, or a header value that is not one.
            "HELLO\r\n\r\n".to_string(),
            ping_head("X-Bad: a\u{1}b\r\n"),
        ];
        for head in others {
            assert!(served_here(head.as_bytes()).is_none(), "{head:?}");
        }
        let too_many: String = (0..MAX_HEADERS + 1)
            .map(|i| format!("X-{i}: y\r\n"))
            .collect();
        assert!(served_here(ping_head(&too_many).as_bytes()).is_none());
    }

    #[test]
    fn the_parser_alone_says_where_a_head_ends() {
        let head = ping_head("Content-Length: 4\r\n");
        let whole = format!("{head}bodyPOST");
        match parse_head(whole.as_bytes()) {
            Parsed::Plain(plain, n) => assert_eq!((plain.length, n), (4, head.len())),
            _ => panic!("a whole head"),
        }
        // Cut anywhere before its blank line, a head is not yet one.
        for cut in [1, 20, head.len() - 2, head.len() - 1] {
            assert!(
                matches!(parse_head(&whole.as_bytes()[..cut]), Parsed::Partial),
                "{cut}"
            );
        }
        // Bare line feeds end lines and the head as the parser reads them, and a later blank
        // line does not: what follows is the next request.
        let sneaky = format!(
            "POST {} HTTP/1.1\r\nContent-Length: 0\r\n\nGET /x HTTP/1.1\r\nHost: y\r\n\r\n",
            door::PATH
        );
        match parse_head(sneaky.as_bytes()) {
            Parsed::Plain(_, n) => assert!(sneaky[n..].starts_with("GET /x"), "{n}"),
            _ => panic!("a whole head"),
        }
    }

    #[test]
    fn blank_lines_before_a_request_go_and_a_head_past_the_cap_is_hyper_s() {
        let mut unread = b"\r\n\n\r\nPOST / HTTP/1.1\r\n".to_vec();
        assert_eq!(drop_blank_lines(&mut unread), 5);
        assert_eq!(unread, b"POST / HTTP/1.1\r\n");
        assert_eq!(drop_blank_lines(&mut unread), 0);
        let mut only_blank = b"\r\n\r\n\r".to_vec();
        assert_eq!(drop_blank_lines(&mut only_blank), 5);
        assert!(only_blank.is_empty());
        // A whole head just past 64 KB, read in one go.
        let long = ping_head(&format!(
            "Content-Length: 0\r\nX-Pad: {}\r\n",
            "a".repeat(crate::http::MAX_HEAD_BYTES)
        ));
        assert!(served_here(long.as_bytes()).is_none());
    }

    #[test]
    fn an_answer_carries_its_length_and_the_date_and_no_framing_of_its_own() {
        let answer = axum::http::Response::builder()
            .status(200)
            .header("content-type", "application/vnd.ms-sync.wbxml")
            .header("content-length", "999")
            .header("transfer-encoding", "chunked")
            .body(())
            .unwrap();
        let (parts, ()) = answer.into_parts();
        let when = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let head = String::from_utf8(answer_head(&parts, 12, false, when)).unwrap();
        assert_eq!(
            head,
            "HTTP/1.1 200 OK\r\ncontent-type: application/vnd.ms-sync.wbxml\r\n\
             content-length: 12\r\ndate: Tue, 14 Nov 2023 22:13:20 GMT\r\n\r\n"
        );
        let (parts, ()) = axum::http::Response::builder()
            .status(503)
            .header("retry-after", "60")
            .body(())
            .unwrap()
            .into_parts();
        let head = String::from_utf8(answer_head(&parts, 0, true, when)).unwrap();
        assert!(head.starts_with("HTTP/1.1 503 Service Unavailable\r\nretry-after: 60\r\n"));
        assert!(head.ends_with("connection: close\r\n\r\n"), "{head}");
    }

    #[tokio::test]
    async fn a_handed_over_connection_reads_what_was_read_first() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let client = tokio::spawn(async move {
            let mut c = TcpStream::connect(address).await.unwrap();
            c.write_all(b"the rest").await.unwrap();
            let mut back = String::new();
            c.read_to_string(&mut back).await.unwrap();
            back
        });
        let (stream, _) = listener.accept().await.unwrap();
        let mut rewound = Rewind::new(b"first, ".to_vec(), stream);
        let mut got = vec![0u8; 15];
        rewound.read_exact(&mut got).await.unwrap();
        assert_eq!(got, b"first, the rest");
        rewound.write_all(b"answer").await.unwrap();
        rewound.shutdown().await.unwrap();
        drop(rewound);
        assert_eq!(client.await.unwrap(), "answer");
    }
}
