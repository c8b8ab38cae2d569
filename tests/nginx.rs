//! Debian's nginx on loopback, for the tests of a site's own web server: it serves a directory
//! with nginx's own ETag, Last-Modified and Date, as a site's web server would.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Nginx {
    child: Child,
    pub port: u16,
}

impl Nginx {
    /// nginx serving `root` on a free loopback port, everything under `dir`.
    pub fn start(dir: &Path, root: &Path) -> Nginx {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let conf = dir.join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "daemon off;\nmaster_process off;\nuser root;\npid {dir}/nginx.pid;\n\
                 error_log {dir}/error.log;\nevents {{ worker_connections 64; }}\n\
                 http {{\n  access_log {dir}/access.log;\n  client_body_temp_path {dir};\n\
                 proxy_temp_path {dir};\n  fastcgi_temp_path {dir};\n  uwsgi_temp_path {dir};\n\
                 scgi_temp_path {dir};\n  types {{ application/json json; }}\n\
                 server {{ listen 127.0.0.1:{port}; root {root}; }}\n}}\n",
                dir = dir.display(),
                root = root.display()
            ),
        )
        .unwrap();
        let child = Command::new("nginx")
            .args(["-p"])
            .arg(dir)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx is installed (.ci/deps)");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nginx did not listen: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx { child, port }
    }

    /// `http://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The statuses nginx answered, in order.
    pub fn statuses(dir: &Path) -> Vec<String> {
        std::fs::read_to_string(dir.join("access.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                l.split('"')
                    .nth(2)?
                    .split_whitespace()
                    .next()
                    .map(str::to_owned)
            })
            .collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}
