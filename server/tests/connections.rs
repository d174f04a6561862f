//! Issue 26, against the real binary: the connection layer lets go of requests that never
//! finish, bounds what one request and one address may hold, answers 503 near its connection
//! limit, and drains on SIGTERM within its grace period.

mod binary;

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

fn connect_from(local: Ipv4Addr, port: u16) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&SocketAddr::from((local, 0)).into())
        .expect("bind a loopback source address");
    socket
        .connect(&SocketAddr::from(([127, 0, 0, 1], port)).into())
        .expect("connect");
    let stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    stream
}

/// Reads until the server closes; returns what it said and whether it closed (not a timeout).
fn read_to_close(stream: &mut TcpStream) -> (String, bool) {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&all).into_owned(), true),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&all).into_owned(), true)
            }
            Err(_) => return (String::from_utf8_lossy(&all).into_owned(), false),
        }
    }
}

fn healthz(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    read_to_close(stream).0
}

#[test]
fn half_a_head_is_let_go_within_the_timeout_and_a_huge_head_gets_431() {
    let dir = tempfile::tempdir().unwrap();
    let port = binary::free_port();
    let (child, _) = binary::start_with(dir.path(), port, &[("SYNCGATE_HEADER_TIMEOUT_SECS", "2")]);

    let mut half = connect_from(Ipv4Addr::LOCALHOST, port);
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x").unwrap();
    let started = Instant::now();
    let (_, closed) = read_to_close(&mut half);
    assert!(closed, "closed by the server, not left open");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(8), "closed after {took:?}");

    let mut huge = connect_from(Ipv4Addr::LOCALHOST, port);
    let header = format!("X-Big: {}\r\n", "a".repeat(100 * 1024));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: x\r\n{header}\r\n");
    let _ = huge.write_all(request.as_bytes());
    let (answer, _) = read_to_close(&mut huge);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:.80}");

    // The server still serves.
    let mut fine = connect_from(Ipv4Addr::LOCALHOST, port);
    assert!(healthz(&mut fine).starts_with("HTTP/1.1 200"));
    binary::stop(child);
}

#[test]
fn one_address_holds_its_share_of_unfinished_connections_and_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let port = binary::free_port();
    let (child, _) = binary::start_with(
        dir.path(),
        port,
        &[("SYNCGATE_UNFINISHED_PER_ADDRESS", "3")],
    );
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = connect_from(Ipv4Addr::LOCALHOST, port);
            s.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // The newest from the same address is closed without an answer.
    let mut fourth = connect_from(Ipv4Addr::LOCALHOST, port);
    let (answer, closed) = {
        let _ = fourth.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        read_to_close(&mut fourth)
    };
    assert!(closed && answer.is_empty(), "refused: {answer:.80}");
    // Another address is served meanwhile.
    let mut other = connect_from(Ipv4Addr::new(127, 0, 0, 2), port);
    assert!(healthz(&mut other).starts_with("HTTP/1.1 200"));
    // One of the three finishes its request and is closed: the address has room again (once
    // the server has let go of the connection, just after the client sees it close).
    held[0]
        .write_all(b"Host: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(read_to_close(&mut held[0]).0.starts_with("HTTP/1.1 200"));
    std::thread::sleep(Duration::from_millis(200));
    let mut again = connect_from(Ipv4Addr::LOCALHOST, port);
    assert!(healthz(&mut again).starts_with("HTTP/1.1 200"));
    binary::stop(child);
}

/// Sends one request and reads its answer, keeping the connection open.
fn ask(stream: &mut TcpStream, request: &str) -> String {
    stream.write_all(request.as_bytes()).unwrap();
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    // The answers here are small: read until the head is in and its body's length with it.
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
        let text = String::from_utf8_lossy(&all);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if body.len() >= length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

fn door_options(user: &str, password: &str) -> String {
    use base64::Engine;
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!(
        "OPTIONS /Microsoft-Server-ActiveSync HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {credentials}\r\n\r\n"
    )
}

/// Refused: closed without an answer.
fn refused(mut stream: TcpStream) -> bool {
    let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    let (answer, closed) = read_to_close(&mut stream);
    closed && answer.is_empty()
}

#[test]
fn unauthenticated_connections_count_against_their_address_and_accepted_ones_do_not() {
    let dir = tempfile::tempdir().unwrap();
    binary::create_user(dir.path(), None, "anna");
    binary::run_ok(dir.path(), &["activesync", "on", "anna"]);
    let port = binary::free_port();
    let (child, _) = binary::start_with(
        dir.path(),
        port,
        &[("SYNCGATE_UNFINISHED_PER_ADDRESS", "3")],
    );
    let healthz_kept = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    // Three connections that finished their requests but never signed in stay counted...
    let mut idle: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = connect_from(Ipv4Addr::LOCALHOST, port);
            assert!(ask(&mut s, healthz_kept).starts_with("HTTP/1.1 200"));
            s
        })
        .collect();
    // ...and so do refused sign-ins kept alive: the fourth from the address is closed.
    let mut wrong = connect_from(Ipv4Addr::new(127, 0, 0, 2), port);
    assert!(ask(&mut wrong, &door_options("anna", "wrong")).starts_with("HTTP/1.1 401"));
    assert!(refused(connect_from(Ipv4Addr::LOCALHOST, port)));
    // A phone the door accepts leaves the count: many from one address (a carrier's NAT).
    let phones: Vec<TcpStream> = (0..5)
        .map(|_| {
            let mut s = connect_from(Ipv4Addr::new(127, 0, 0, 3), port);
            let answer = ask(&mut s, &door_options("anna", "anna-password-1"));
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer:.80}");
            s
        })
        .collect();
    let mut fresh: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = connect_from(Ipv4Addr::new(127, 0, 0, 3), port);
            assert!(ask(&mut s, healthz_kept).starts_with("HTTP/1.1 200"));
            s
        })
        .collect();
    assert!(
        refused(connect_from(Ipv4Addr::new(127, 0, 0, 3), port)),
        "the phones did not count; three unauthenticated ones do"
    );
    // One of the first address's connections signs in to the door: room again there.
    assert!(ask(&mut idle[0], &door_options("anna", "anna-password-1")).starts_with("HTTP/1.1 200"));
    let mut again = connect_from(Ipv4Addr::LOCALHOST, port);
    assert!(healthz(&mut again).starts_with("HTTP/1.1 200"));
    // A browser that signs in on the console leaves the count too, at its next request.
    let mut browser = connect_from(Ipv4Addr::new(127, 0, 0, 4), port);
    let form = "username=anna&password=anna-password-1";
    let login = ask(
        &mut browser,
        &format!(
            "POST /api/login HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        ),
    );
    assert!(login.starts_with("HTTP/1.1 200"), "{login:.200}");
    let cookie = login
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let signed_in = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n");
    assert!(ask(&mut browser, &signed_in).starts_with("HTTP/1.1 200"));
    let others: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = connect_from(Ipv4Addr::new(127, 0, 0, 4), port);
            assert!(ask(&mut s, healthz_kept).starts_with("HTTP/1.1 200"));
            s
        })
        .collect();
    assert!(refused(connect_from(Ipv4Addr::new(127, 0, 0, 4), port)));
    drop((phones, fresh.pop(), others));
    binary::stop(child);
}

#[test]
fn past_its_connection_limit_the_server_answers_503_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let port = binary::free_port();
    let (child, _) = binary::start_with(dir.path(), port, &[("SYNCGATE_MAX_CONNECTIONS", "2")]);
    let _a = connect_from(Ipv4Addr::LOCALHOST, port);
    let _b = connect_from(Ipv4Addr::new(127, 0, 0, 2), port);
    std::thread::sleep(Duration::from_millis(300));
    let mut third = connect_from(Ipv4Addr::new(127, 0, 0, 3), port);
    let (answer, closed) = read_to_close(&mut third);
    assert!(closed);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 5"), "{answer}");
    binary::stop(child);
}

#[test]
fn sigterm_lets_the_process_finish_within_its_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let port = binary::free_port();
    let (mut child, _) = binary::start_with(dir.path(), port, &[("SYNCGATE_DRAIN_SECS", "3")]);
    // A connection that is mid-head does not hold the exit back past the grace period.
    let mut idle = connect_from(Ipv4Addr::LOCALHOST, port);
    idle.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(6));
    // No longer accepting.
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn a_body_longer_than_its_route_allows_is_refused_before_it_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let port = binary::free_port();
    let (child, _) = binary::start(dir.path(), port);
    let mut big = connect_from(Ipv4Addr::LOCALHOST, port);
    // The head says 50 MB; not a byte of it follows.
    big.write_all(
        b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
Content-Length: 50000000\r\n\r\n",
    )
    .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 512];
    let n = big.read(&mut buf).expect("an answer without the body");
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));
    binary::stop(child);
}

/// Reads until `answers` complete answers (small ones, each with its length) have come.
fn read_answers(stream: &mut TcpStream, answers: usize) -> String {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    while String::from_utf8_lossy(&all).matches("HTTP/1.1 ").count() < answers
        || !String::from_utf8_lossy(&all).ends_with("\r\n\r\n")
    {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

/// A phone's plain requests are answered by the connection layer itself (a waiting Ping holds
/// no HTTP buffers): several on one connection, two sent at once, a refusal; then a browser's
/// request on the same connection is hyper's, and so is a door request framed in chunks.
#[test]
fn a_phone_s_connection_carries_its_requests_and_hands_the_rest_to_hyper() {
    let dir = tempfile::tempdir().unwrap();
    binary::create_user(dir.path(), None, "anna");
    binary::run_ok(dir.path(), &["activesync", "on", "anna"]);
    let port = binary::free_port();
    let (child, _) = binary::start(dir.path(), port);
    let mut phone = connect_from(Ipv4Addr::LOCALHOST, port);
    let first = ask(&mut phone, &door_options("anna", "anna-password-1"));
    assert!(first.starts_with("HTTP/1.1 200 OK\r\n"), "{first}");
    let lower = first.to_ascii_lowercase();
    assert!(
        lower.contains("ms-asprotocolversions: 14.0,14.1,16.0,16.1\r\n"),
        "{first}"
    );
    assert!(lower.contains("content-length: 0\r\n"), "{first}");
    assert!(lower.contains("\r\ndate: "), "{first}");
    assert!(!lower.contains("connection: close"), "{first}");
    // Two sent at once: two answers, in order.
    let twice = door_options("anna", "anna-password-1").repeat(2);
    phone.write_all(twice.as_bytes()).unwrap();
    let both = read_answers(&mut phone, 2);
    assert_eq!(both.matches("HTTP/1.1 200 OK").count(), 2, "{both}");
    // A wrong password: 401 asking for Basic, and the connection stays.
    let wrong = ask(&mut phone, &door_options("anna", "wrong"));
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
    assert!(
        wrong
            .to_ascii_lowercase()
            .contains("www-authenticate: basic"),
        "{wrong}"
    );
    // A browser's request on the same connection: hyper's from now on.
    let health = ask(&mut phone, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok"),
        "{health}"
    );
    assert!(ask(&mut phone, &door_options("anna", "anna-password-1")).starts_with("HTTP/1.1 200"));

    // A door request in chunks is hyper's, answered as the door answers it.
    let mut chunked = connect_from(Ipv4Addr::LOCALHOST, port);
    let answer = ask(
        &mut chunked,
        "POST /Microsoft-Server-ActiveSync?Cmd=Ping&User=anna&DeviceId=D1&DeviceType=T HTTP/1.1\r\n\
Host: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    // `Connection: close`: the answer says so, and the connection ends.
    let mut closing = connect_from(Ipv4Addr::LOCALHOST, port);
    let last = door_options("anna", "anna-password-1")
        .replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
    closing.write_all(last.as_bytes()).unwrap();
    let (answer, closed) = read_to_close(&mut closing);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("connection: close\r\n"),
        "{answer}"
    );
    assert!(closed);
    binary::stop(child);
}
