//! A real forward proxy on loopback: tinyproxy (Debian's `tinyproxy-bin`,
//! which `cargo xtask ci` installs when it is missing), with its log kept so
//! a test can see the `CONNECT`s it carried, and optionally asking for
//! credentials.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running tinyproxy, stopped when dropped.
#[derive(Debug)]
pub struct Tinyproxy {
    /// `http://127.0.0.1:PORT`, without credentials.
    pub url: String,
    /// Its port.
    pub port: u16,
    log: PathBuf,
    dir: PathBuf,
    child: Child,
}

impl Tinyproxy {
    /// Starts a proxy; with `credentials`, one that answers 407 without them.
    pub fn start(credentials: Option<(&str, &str)>) -> Self {
        // A free port, released for tinyproxy to take.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir =
            std::env::temp_dir().join(format!("progress-tinyproxy-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("tinyproxy.log");
        let mut config = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nLogLevel Connect\nLogFile \"{}\"\n",
            log.display()
        );
        if let Some((user, password)) = credentials {
            config.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        let config_path = dir.join("tinyproxy.conf");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start tinyproxy ({error}): install it (`apt-get install \
                     tinyproxy-bin`; `cargo xtask ci` does so when it is missing)"
                )
            });
        let proxy = Self {
            url: format!("http://127.0.0.1:{port}"),
            port,
            log,
            dir,
            child,
        };
        proxy.wait_until_listening();
        proxy
    }

    /// Waits (a bounded number of tries) until the proxy accepts connections:
    /// it is a separate process, with no other sign of being ready.
    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tinyproxy did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the proxy logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many `CONNECT`s to `authority` the proxy was asked for.
    pub fn connects_to(&self, authority: &str) -> usize {
        let wanted = format!("CONNECT {authority} ");
        self.log()
            .lines()
            .filter(|line| line.contains(&wanted))
            .count()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
