//! What the fetcher trusts, against real servers on loopback: redirects (each hop checked and
//! logged, no https→http downgrade, a private page's key never follows a redirect to another
//! host), the API key's transport, SOCKS proxies it cannot use, TLS certificates (a test CA,
//! with and without `ca_file`), the API key file (a FIFO, a byte-order mark) and credentials in
//! URLs.
//!
//! "Another host" here is another origin: a different host name or a different port. The
//! tests use a second server on another port of 127.0.0.1, and `localhost` on the same port.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::fetch_faults::fast;
use crate::server::{ConnectProxy, Reply, Server};
use crate::tls_server::{TestCa, TlsServer};
use crate::util::{Done, Run, real, tempdir, write_config};

const SUMMARY: &str = "discord-summary-groups-unresolved-incident.json";
const INCIDENTS: &str = "discord-incidents-mixed-resolved-unresolved.json";
const KEY: &str = "trust-key-0123456789";
const PAGE: &str = "pg1abc2def3g";

/// Checks a one-line error with exit `code`, and returns the line.
fn one_error(d: &Done, code: i32) -> String {
    let err = d.stderr();
    println!("{:>6}ms {}", d.took.as_millis(), err.trim_end());
    assert_eq!(d.code(), code, "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("motd-status-fetch: error: "), "{err}");
    err
}

fn redirect(to: &str) -> Reply {
    Reply::status(302).header("Location", to)
}

/// A minimal manage-API (v1) page: its own row and empty lists.
fn serve_v1(server: &Server) {
    let base = format!("/v1/pages/{PAGE}");
    server.route(
        &base,
        Reply::json(
            json!({"id": PAGE, "name": "Private HPC", "url": "https://status.hpc.example.org",
                   "time_zone": "Etc/UTC"})
            .to_string(),
        ),
    );
    for list in [
        "components?page=1&per_page=100",
        "component-groups?page=1&per_page=100",
        "incidents/unresolved?page=1&per_page=100",
        "incidents/active_maintenance?page=1&per_page=100",
        "incidents/upcoming?page=1&per_page=100",
        "incidents?page=1&limit=100",
    ] {
        server.route(&format!("{base}/{list}"), Reply::json("[]"));
    }
}

fn write_key(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("api-key");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// A private page's config: `api_key_file = key`, `api_base = base`, plus `extra`.
fn private_config(dir: &Path, key: &Path, base: &str, extra: &str) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "page_id = {PAGE:?}\napi_key_file = {:?}\napi_base = {base:?}\ncache = {:?}\n\
             api_interval = \"10ms\"\n{}",
            key.display().to_string(),
            dir.join("status.json").display().to_string(),
            fast(extra),
        ),
    )
    .unwrap();
    path
}

#[test]
fn every_redirect_hop_is_followed_checked_and_logged() {
    let dir = tempdir();
    let first = Server::start();
    let second = Server::start();
    second.serve_fixtures(&real(SUMMARY), Some(&real(INCIDENTS)));
    let moved = format!("{}/api/v2/summary.json", second.url());
    first.route(
        "/api/v2/summary.json",
        Reply::status(301).header("Location", &moved),
    );
    // A relative Location on the same server, then one to the other server.
    first.route("/api/v2/incidents.json", redirect("../old/incidents.json"));
    first.route(
        "/api/old/incidents.json",
        Reply::status(307).header(
            "Location",
            &format!("{}/api/v2/incidents.json", second.url()),
        ),
    );
    let cfg = write_config(dir.path(), &first.url(), &fast(""));
    let d = Run::fetch().arg("--config").arg(&cfg).arg("-v").output();
    let err = d.stderr();
    assert_eq!(d.code(), 0, "{err}");
    let summary = format!("{}/api/v2/summary.json", first.url());
    let hops = [
        format!("GET {summary}: HTTP 301, redirected to {moved}"),
        format!("GET {moved}: 200"),
        format!(
            "GET {}/api/v2/incidents.json: HTTP 302, redirected to {}/api/old/incidents.json",
            first.url(),
            first.url()
        ),
        format!(
            "GET {}/api/old/incidents.json: HTTP 307, redirected to {}/api/v2/incidents.json",
            first.url(),
            second.url()
        ),
        format!("GET {}/api/v2/incidents.json: 200", second.url()),
    ];
    for hop in &hops {
        assert!(
            err.lines()
                .any(|l| l.starts_with("motd-status-fetch: info: ") && l.contains(hop)),
            "no info line with {hop:?}:\n{err}"
        );
    }
    assert_eq!(second.requests().len(), 2);
}

#[test]
fn a_redirect_loop_ends_after_five_hops() {
    let dir = tempdir();
    let server = Server::start();
    server.route("/api/v2/summary.json", redirect("/a"));
    server.route("/a", redirect("/b"));
    server.route("/b", redirect("/a"));
    let cfg = write_config(dir.path(), &server.url(), &fast(""));
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    let err = one_error(&d, 1);
    assert!(err.contains("more than 5 redirects"), "{err}");
    assert_eq!(server.requests().len(), 6, "the first request and 5 hops");
}

#[test]
fn a_private_page_redirected_to_another_host_is_a_redirect_error() {
    let dir = tempdir();
    let first = Server::start();
    let second = Server::start();
    serve_v1(&second);
    let page = format!("/v1/pages/{PAGE}");
    let key = write_key(dir.path(), &format!("{KEY}\n"));
    let cfg = private_config(dir.path(), &key, &format!("{}/v1", first.url()), "");
    let port = first.addr().port();
    // Another port of 127.0.0.1, then the same port under another name.
    for to in [
        format!("{}{page}", second.url()),
        format!("http://localhost:{port}{page}"),
    ] {
        first.route(&page, redirect(&to));
        let d = Run::fetch().arg("--config").arg(&cfg).output();
        let err = one_error(&d, 1);
        assert!(
            err.contains("redirect to another host") && err.contains(&to),
            "{err}"
        );
        assert!(!err.contains("API key was refused"), "{err}");
        assert!(!err.contains(KEY), "{err}");
        assert!(
            second.requests().is_empty(),
            "nothing reached the other host"
        );
    }
    assert_eq!(first.requests().len(), 2);
    // A redirect on the same host and port keeps the key, and works.
    serve_v1(&first);
    let moved = format!("/v1/pages/{PAGE}/components?page=1&per_page=100");
    first.route(&moved, redirect("/v1/components-moved"));
    first.route("/v1/components-moved", Reply::json("[]"));
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!((d.code(), d.stderr()), (0, String::new()));
    let last = first.requests();
    let hop = last
        .iter()
        .find(|r| r.path == "/v1/components-moved")
        .expect("the redirect was followed");
    assert_eq!(hop.header("authorization"), Some(&*format!("OAuth {KEY}")));
}

#[test]
fn a_redirect_from_https_to_http_is_refused() {
    let dir = tempdir();
    let ca = TestCa::new("motd-status test CA");
    let ca_file = ca.write(dir.path(), "ca.pem");
    let tls = TlsServer::start(&ca);
    let plain = Server::start();
    plain.serve_fixtures(&real(SUMMARY), Some(&real(INCIDENTS)));
    let to = format!("{}/api/v2/summary.json", plain.url());
    tls.route(
        "/api/v2/summary.json",
        Reply::status(301).header("Location", &to),
    );
    let cfg = write_config(
        dir.path(),
        &tls.url(),
        &fast(&format!("ca_file = {:?}\n", ca_file.display().to_string())),
    );
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    let err = one_error(&d, 1);
    let from = format!("{}/api/v2/summary.json", tls.url());
    assert!(err.contains(&from) && err.contains(&to), "{err}");
    assert!(err.contains("from https to plain http"), "{err}");
    assert!(
        plain.requests().is_empty(),
        "the http address was not asked"
    );
    assert_eq!(tls.requests().len(), 1);
}

#[test]
fn the_api_key_is_not_sent_in_clear_to_a_remote_host() {
    let dir = tempdir();
    // Were the key sent anyway, it would go to this recording proxy on loopback, which
    // tunnels to nothing but loopback.
    let proxy = ConnectProxy::start();
    let key = write_key(dir.path(), &format!("{KEY}\n"));
    let base = "http://status-api.example.org/v1";
    let cfg = private_config(
        dir.path(),
        &key,
        base,
        &format!("proxy = {:?}\n", proxy.url()),
    );
    for check in [false, true] {
        let mut run = Run::fetch().arg("--config").arg(&cfg);
        if check {
            run = run.arg("--check");
        }
        let d = run.output();
        let err = one_error(&d, 2);
        assert!(err.contains(&format!("api_base {base:?}")), "{err}");
        assert!(err.contains("https://"), "{err}");
        assert!(!err.contains(KEY), "{err}");
        assert!(proxy.targets().is_empty(), "nothing was sent");
    }
}

#[test]
fn a_socks_proxy_is_a_clear_error() {
    let dir = tempdir();
    let server = Server::start();
    server.serve_fixtures(&real(SUMMARY), Some(&real(INCIDENTS)));
    let cfg = write_config(
        dir.path(),
        &server.url(),
        &fast("proxy = \"socks5://user:socks-pw@127.0.0.1:9\"\n"),
    );
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    // A config error, named by its key, before anything is asked of anyone.
    let err = one_error(&d, 2);
    assert!(err.contains("key `proxy`"), "{err}");
    assert!(err.contains("SOCKS") && err.contains("proxy"), "{err}");
    assert!(!err.contains("socks-pw"), "{err}");

    let cfg = write_config(dir.path(), &server.url(), &fast(""));
    for var in ["ALL_PROXY", "all_proxy", "HTTP_PROXY"] {
        let d = Run::fetch()
            .arg("--config")
            .arg(&cfg)
            .env(var, "socks5h://127.0.0.1:9")
            .output();
        let err = one_error(&d, 1);
        assert!(
            err.contains(&format!("{var}=socks5h://127.0.0.1:9")) && err.contains("SOCKS"),
            "{err}"
        );
    }
    assert!(server.requests().is_empty());
}

#[test]
fn an_untrusted_certificate_fails_at_once_and_points_at_ca_file() {
    let dir = tempdir();
    let ca = TestCa::new("motd-status test CA");
    // The "system" store: another CA, so the run does not depend on this machine's.
    let system = TestCa::new("some public CA").write(dir.path(), "system.pem");
    let tls = TlsServer::start(&ca);
    tls.route("/api/v2/summary.json", Reply::file(&real(SUMMARY)));
    tls.route("/api/v2/incidents.json", Reply::file(&real(INCIDENTS)));
    let cfg = write_config(dir.path(), &tls.url(), &fast("retries = 2\n"));
    let d = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .env("SSL_CERT_FILE", &system)
        .env_remove("SSL_CERT_DIR")
        .output();
    let err = one_error(&d, 1);
    assert!(
        err.contains(&format!("{}/api/v2/summary.json", tls.url())),
        "{err}"
    );
    assert!(
        err.contains("certificate") && err.contains("ca_file"),
        "{err}"
    );
    assert!(err.contains("unknown certificate authority"), "{err}");
    assert!(!err.contains("attempts"), "{err}");
    assert_eq!(tls.connections(), 1, "one handshake, no retry");
    assert!(tls.requests().is_empty());

    let ca_file = ca.write(dir.path(), "site-ca.pem");
    let cfg = write_config(
        dir.path(),
        &tls.url(),
        &fast(&format!("ca_file = {:?}\n", ca_file.display().to_string())),
    );
    Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .env("SSL_CERT_FILE", &system)
        .env_remove("SSL_CERT_DIR")
        .success();
    assert_eq!(tls.requests().len(), 2);
    assert!(dir.path().join("status.json").exists());
}

#[test]
fn a_fifo_as_the_key_file_is_refused_at_once() {
    let dir = tempdir();
    let server = Server::start();
    serve_v1(&server);
    let fifo = dir.path().join("api-key");
    let made = std::process::Command::new("mkfifo")
        .args(["-m", "600"])
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let cfg = private_config(dir.path(), &fifo, &format!("{}/v1", server.url()), "");
    for check in [false, true] {
        let mut run = Run::fetch().arg("--config").arg(&cfg);
        if check {
            run = run.arg("--check");
        }
        let d = run.output_within(Duration::from_secs(5), || {
            // A reader stuck in open(2) gets its writer, and then end of file.
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&fifo);
        });
        let err = one_error(&d, 2);
        assert!(
            err.contains(&format!(
                "api_key_file {}: not a regular file",
                fifo.display()
            )),
            "{err}"
        );
    }
    assert!(server.requests().is_empty());
}

#[test]
fn a_byte_order_mark_before_the_key_is_ignored() {
    let dir = tempdir();
    let server = Server::start();
    serve_v1(&server);
    let key = write_key(dir.path(), &format!("\u{feff}{KEY}\r\n"));
    let cfg = private_config(dir.path(), &key, &format!("{}/v1", server.url()), "");
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!((d.code(), d.stderr()), (0, String::new()));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 7);
    for r in &reqs {
        assert_eq!(r.header("authorization"), Some(&*format!("OAuth {KEY}")));
    }
}

#[test]
fn credentials_in_urls_stay_out_of_errors_and_logs() {
    let dir = tempdir();
    let server = Server::start();
    server.route("/status.json", Reply::status(500));
    let host = server.addr().to_string();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "mirror = \"http://mirror-user:mirror-pw@{host}/status.json\"\ncache = {:?}\n{}",
            dir.path().join("status.json").display().to_string(),
            fast("retries = 1\n")
        ),
    )
    .unwrap();
    let d = Run::fetch().arg("--config").arg(&cfg).arg("-v").output();
    let err = d.stderr();
    assert_eq!(d.code(), 1, "{err}");
    assert!(err.contains("HTTP 500"), "{err}");
    assert!(err.contains(&format!("@{host}/status.json")), "{err}");
    assert!(!err.contains("mirror-pw"), "{err}");

    // A page on a port nobody listens on: refused, retried, and logged at every step.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let cfg = write_config(
        dir.path(),
        &format!("http://page-user:page-pw@127.0.0.1:{port}"),
        &fast("retries = 1\n"),
    );
    let d = Run::fetch().arg("--config").arg(&cfg).arg("-v").output();
    let err = d.stderr();
    assert_eq!(d.code(), 1, "{err}");
    assert!(err.contains("connection refused"), "{err}");
    assert!(!err.contains("page-pw"), "{err}");

    // Followed through a redirect whose Location holds credentials too.
    let target = Server::start();
    target.serve_fixtures(&real(SUMMARY), Some(&real(INCIDENTS)));
    server.route(
        "/api/v2/summary.json",
        redirect(&format!(
            "http://hop-user:hop-pw@{}/api/v2/summary.json",
            target.addr()
        )),
    );
    server.route("/api/v2/incidents.json", Reply::file(&real(INCIDENTS)));
    let cfg = write_config(dir.path(), &server.url(), &fast(""));
    let d = Run::fetch().arg("--config").arg(&cfg).arg("-v").output();
    let err = d.stderr();
    assert_eq!(d.code(), 0, "{err}");
    assert!(err.contains("redirected to http://"), "{err}");
    assert!(!err.contains("hop-pw"), "{err}");
}

/// Every file under `dir`, read whole.
fn every_file(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(every_file(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out
}

/// A password in a page's or a mirror's address, however it is spelt (with `/`, `@`, `:` or
/// %-escapes in it, which RFC 3986 parsing would cut short), reaches no line the fetcher prints
/// (`-v` logs, errors, `--check`, `--list-groups`, `--status`) and no file it writes (the cache,
/// its validators, `motd_file`, `metrics_file`).
#[test]
fn a_password_in_any_address_reaches_no_output_and_no_file() {
    let server = Server::start();
    server.serve_page(&crate::util::sample_page());
    server.route("/missing/api/v2/summary.json", Reply::status(404));
    server.route("/status.json", Reply::status(404));
    let host = server.addr().to_string();
    for password in [
        "s3cr/et-pw1",
        "p@ss-pw2",
        "p:w-pw3",
        "p%2Fw%40x-pw4",
        "pw5?x#y",
    ] {
        let decoded = password.replace("%2F", "/").replace("%40", "@");
        let dir = tempdir();
        let files = |name: &str| toml_path(&dir.path().join(name));
        let tail = format!(
            "metrics_file = {}\nmotd_file = {}\n{}\n[[cluster]]\nname = \"Alpha\"\n\
             groups = [\"Alpha Cluster\"]\nhosts = [\"*\"]\n",
            files("metrics.prom"),
            files("motd"),
            fast("retries = 0\n")
        );
        let mut outputs = Vec::new();
        for page in [
            format!("http://reader-user:{password}@{host}"),
            format!("http://reader-user:{password}@{host}/missing"),
        ] {
            let cfg = write_config(dir.path(), &page, &tail);
            for args in [&["-v"][..], &["--check"], &["--list-groups"], &["--status"]] {
                let d = Run::fetch().arg("--config").arg(&cfg).args(args).output();
                outputs.push((format!("{page} {args:?}"), d.stdout() + &d.stderr()));
            }
        }
        let cfg = dir.path().join("mirror.toml");
        std::fs::write(
            &cfg,
            format!(
                "mirror = \"http://reader-user:{password}@{host}/status.json\"\ncache = {}\n{tail}",
                files("mirror.json")
            ),
        )
        .unwrap();
        for args in [&["-v"][..], &["--check"], &["--status"]] {
            let d = Run::fetch().arg("--config").arg(&cfg).args(args).output();
            outputs.push((format!("mirror {args:?}"), d.stdout() + &d.stderr()));
        }
        // An address whose password holds what would end it is refused as it is read;
        // the others reach the server, and the failing page fails.
        let refused = password.contains(['/', '@', '?', '#']);
        let want = if refused {
            "write them as %2F"
        } else {
            "HTTP 404"
        };
        assert!(
            outputs.iter().any(|(_, o)| o.contains(want)),
            "{password}: no {want:?} in {outputs:#?}"
        );
        for (what, text) in outputs.iter().cloned().chain(
            every_file(dir.path())
                .into_iter()
                // The configs are the test's own input.
                .filter(|(p, _)| p.extension().is_none_or(|e| e != "toml"))
                .map(|(p, t)| (p.display().to_string(), t)),
        ) {
            for secret in [password, decoded.as_str()] {
                assert!(!text.contains(secret), "{what} holds {secret:?}:\n{text}");
            }
        }
    }
}

fn toml_path(path: &Path) -> String {
    crate::util::toml_str(&path.display().to_string())
}

/// The check on where the API key may go and the client that then connects read an address
/// the same way: the address is parsed once, by the client's own parser, and whatever that
/// parser would read against its writer's intent is refused. Each tricky `api_base` below
/// either is refused as the config is read (exit 2, no request anywhere) or reaches exactly the
/// loopback server it names, with the key; never the other server it mentions.
#[test]
fn the_key_check_and_the_client_read_an_address_alike() {
    let dir = tempdir();
    let key = write_key(dir.path(), KEY);
    let a = Server::start_at("127.0.0.1:0");
    let b = Server::start_at("127.0.0.2:0");
    let v6 = Server::start_at("[::1]:0");
    for s in [&a, &b, &v6] {
        serve_v1(s);
    }
    let (pa, pb, p6) = (a.addr().port(), b.addr().port(), v6.addr().port());
    // (api_base, the server it must reach: 'A', 'B', '6', or '-' for refused).
    let cases = [
        (format!("http://127.0.0.1:{pa}/v1"), 'A'),
        (format!("HTTP://127.0.0.1:{pa}/v1"), 'A'),
        (format!("http://127.0.0.2:{pb}@127.0.0.1:{pa}/v1"), 'A'),
        (format!("http://user%40x:p%2Fw@127.0.0.2:{pb}/v1"), 'B'),
        (format!("http://[::1]:{p6}/v1"), '6'),
        (format!("http://127.0.0.1:{pa}\\@127.0.0.2:{pb}/v1"), '-'),
        (format!("http://a@b@127.0.0.1:{pa}/v1"), '-'),
        (format!("http://alice:s3cr/et@127.0.0.2:{pb}/v1"), '-'),
        (format!("http://127.0.0.1:{pa}:{pb}/v1"), '-'),
        (format!("http://127.0.0.1:{pa}@evil.example/v1"), '-'),
        (format!("http://0x7f.0.0.1:{pa}/v1"), '-'),
    ];
    for (base, want) in cases {
        let before = [&a, &b, &v6].map(|s| s.requests().len());
        let cfg = private_config(dir.path(), &key, &base, "");
        let d = Run::fetch().arg("--config").arg(&cfg).output();
        let after = [&a, &b, &v6].map(|s| s.requests().len());
        let reached: Vec<char> = ['A', 'B', '6']
            .into_iter()
            .zip(before.iter().zip(&after))
            .filter(|(_, (x, y))| y > x)
            .map(|(c, _)| c)
            .collect();
        match want {
            '-' => {
                assert_eq!(d.code(), 2, "{base}: {}", d.stderr());
                assert!(reached.is_empty(), "{base} reached {reached:?}");
            }
            server => {
                assert_eq!((d.code(), d.stderr()), (0, String::new()), "{base}");
                assert_eq!(reached, [server], "{base}");
                let s = [(&a, 'A'), (&b, 'B'), (&v6, '6')]
                    .into_iter()
                    .find(|(_, c)| *c == server)
                    .unwrap()
                    .0;
                let last = s.requests().pop().unwrap();
                assert_eq!(last.header("authorization"), Some(&*format!("OAuth {KEY}")));
            }
        }
    }
}
