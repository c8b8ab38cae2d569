//! A real HTTP/1.1 server on 127.0.0.1 for the fetcher's tests: it serves captured Statuspage
//! responses and misbehaves on purpose when told to (errors, truncation, silence, dripping).
//! It never listens anywhere but loopback.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Mode {
    /// Send the reply as it is.
    Normal,
    /// Announce the full length, send this many bytes of the body, close.
    Truncate(usize),
    /// Read the request and never answer.
    Hang,
    /// Send the reply one byte per interval.
    Drip(Duration),
    /// Wait this long, then send the reply as it is.
    Delay(Duration),
}

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub mode: Mode,
}

impl Reply {
    pub fn json(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
            mode: Mode::Normal,
        }
    }

    pub fn file(path: &Path) -> Reply {
        Reply::json(std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: format!("{{\"error\": \"status {status}\"}}").into_bytes(),
            mode: Mode::Normal,
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn mode(mut self, mode: Mode) -> Reply {
        self.mode = mode;
        self
    }

    pub fn with_status(mut self, status: u16) -> Reply {
        self.status = status;
        self
    }
}

#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    /// Replies by path (query string included). The last reply of a queue repeats.
    routes: HashMap<String, Vec<Reply>>,
    requests: Vec<Request>,
}

pub struct Server {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start() -> Server {
        Server::start_at("127.0.0.1:0")
    }

    /// A server on another loopback address (`127.0.0.2:0`, `[::1]:0`).
    pub fn start_at(addr: &str) -> Server {
        let listener = TcpListener::bind(addr).unwrap_or_else(|e| panic!("bind {addr}: {e}"));
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (st, sp) = (st.clone(), sp.clone());
                std::thread::spawn(move || handle(conn, &st, &sp));
            }
        });
        Server {
            addr,
            state,
            stop,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves `reply` at `path` from now on.
    pub fn route(&self, path: &str, reply: Reply) {
        self.replies(path, vec![reply]);
    }

    /// Serves `replies` at `path` in turn; the last one repeats.
    pub fn replies(&self, path: &str, replies: Vec<Reply>) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.into(), replies);
    }

    /// Serves a page directory's `api/v2/*.json` files under `/api/v2/`.
    pub fn serve_page(&self, dir: &Path) {
        let api = dir.join("api/v2");
        for entry in std::fs::read_dir(&api).unwrap() {
            let p = entry.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            self.route(&format!("/api/v2/{name}"), Reply::file(&p));
        }
    }

    /// Serves a real fixture as `summary.json` and another (or an empty list) as `incidents.json`.
    pub fn serve_fixtures(&self, summary: &Path, incidents: Option<&Path>) {
        self.route("/api/v2/summary.json", Reply::file(summary));
        match incidents {
            Some(p) => self.route("/api/v2/incidents.json", Reply::file(p)),
            None => self.route(
                "/api/v2/incidents.json",
                Reply::json(r#"{"incidents": []}"#),
            ),
        }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// A request's reader (at the body), method, target and headers (names lower-cased).
type Head = (BufReader<TcpStream>, String, String, Headers);

/// Header names (lower-cased) and values.
pub type Headers = Vec<(String, String)>;

/// Reads a request's first line and headers from a plain connection.
fn read_head(conn: &TcpStream) -> Option<Head> {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(conn.try_clone().ok()?);
    let (method, target, headers) = parse_head(&mut reader)?;
    Some((reader, method, target, headers))
}

/// A request's method, target and headers (names lower-cased), read from `reader` up to the
/// blank line: the one request parser of the test servers, plain and TLS.
pub fn parse_head(reader: &mut impl BufRead) -> Option<(String, String, Headers)> {
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    Some((method, target, headers))
}

/// The status line and headers of `reply`, with its length, closing the connection after it.
pub fn reply_head(reply: &Reply) -> String {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    head
}

fn handle(conn: TcpStream, state: &Mutex<State>, stop: &AtomicBool) {
    let Some((mut reader, method, path, headers)) = read_head(&conn) else {
        return;
    };
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if length > 0 {
        let mut body = vec![0; length.min(1 << 20)];
        let _ = reader.read_exact(&mut body);
    }
    let reply = {
        let mut st = state.lock().unwrap();
        st.requests.push(Request {
            method,
            path: path.clone(),
            headers,
        });
        match st.routes.get_mut(&path) {
            Some(queue) if queue.len() > 1 => queue.remove(0),
            Some(queue) => queue[0].clone(),
            None => Reply::status(404),
        }
    };
    let mut conn = conn;
    let head = reply_head(&reply);
    match reply.mode {
        Mode::Normal => {
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&reply.body);
        }
        Mode::Truncate(n) => {
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&reply.body[..n.min(reply.body.len())]);
        }
        Mode::Hang => {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Mode::Delay(wait) => {
            std::thread::sleep(wait);
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&reply.body);
        }
        Mode::Drip(every) => {
            let all: Vec<u8> = head.into_bytes().into_iter().chain(reply.body).collect();
            for b in all {
                if stop.load(Ordering::SeqCst) || conn.write_all(&[b]).is_err() {
                    break;
                }
                std::thread::sleep(every);
            }
        }
    }
    let _ = conn.flush();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        304 => "Not Modified",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        420 => "Enhance Your Calm",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// An HTTP CONNECT proxy on 127.0.0.1 that records each CONNECT target and tunnels it, but only
/// to another loopback address: a test can never make it reach anything else.
pub struct ConnectProxy {
    addr: SocketAddr,
    targets: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl ConnectProxy {
    pub fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (t, sp) = (targets.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let t = t.clone();
                std::thread::spawn(move || tunnel(conn, &t));
            }
        });
        ConnectProxy {
            addr,
            targets,
            stop,
        }
    }

    /// `http://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `host:port` of every CONNECT received.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn tunnel(conn: TcpStream, targets: &Mutex<Vec<String>>) {
    let Some((reader, method, target, _)) = read_head(&conn) else {
        return;
    };
    targets.lock().unwrap().push(target.to_owned());
    let mut conn = conn;
    let loopback = target
        .rsplit_once(':')
        .and_then(|(h, _)| h.parse::<std::net::IpAddr>().ok())
        .is_some_and(|ip| ip.is_loopback());
    if method != "CONNECT" || !loopback {
        let _ = conn.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    let Ok(upstream) = TcpStream::connect_timeout(&target.parse().unwrap(), Duration::from_secs(2))
    else {
        let _ = conn.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let _ = conn.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let (mut up_r, mut up_w) = (upstream.try_clone().unwrap(), upstream);
    let mut down_w = conn;
    let pump = std::thread::spawn(move || {
        let _ = std::io::copy(&mut up_r, &mut down_w);
    });
    // Whatever the client sends after the CONNECT (buffered or not) goes upstream.
    let buffered = reader.buffer().to_vec();
    let _ = up_w.write_all(&buffered);
    let mut rest = reader.into_inner();
    let _ = std::io::copy(&mut rest, &mut up_w);
    let _ = up_w.shutdown(std::net::Shutdown::Write);
    let _ = pump.join();
}
