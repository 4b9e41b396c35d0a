//! A real HAProxy, started as a child process on a configuration written into a temporary
//! directory, with its admin socket read through `show stat`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use super::NO_HANG;

/// Where Debian's package puts it; `PATH` is tried next.
const HAPROXY: &str = "/usr/sbin/haproxy";

/// A running HAProxy; killed, and its directory removed, on drop.
pub struct HaProxy {
    child: Child,
    dir: PathBuf,
    /// The frontend's address.
    pub addr: SocketAddr,
}

/// One row of `show stat`: column name to value.
pub type Row = HashMap<String, String>;

/// A free port on 127.0.0.1, for a process that binds it itself.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().unwrap().port()
}

/// The HAProxy binary; panics with how to install it when there is none.
fn binary() -> PathBuf {
    if Path::new(HAPROXY).exists() {
        return HAPROXY.into();
    }
    let found = Command::new("haproxy").arg("-v").output();
    match found {
        Ok(output) if output.status.success() => "haproxy".into(),
        _ => panic!("haproxy is missing (not at {HAPROXY}, not on PATH): apt-get install haproxy"),
    }
}

impl HaProxy {
    /// Start HAProxy on a configuration of `global`, `defaults` and an HTTP frontend on a
    /// free port of 127.0.0.1 to the backend `be`, with `backend` the backend's lines
    /// (servers and options); waits until its admin socket answers.
    pub async fn start(backend: &str) -> HaProxy {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tower-health-haproxy-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("make HAProxy's directory");
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let config = format!(
            "global\n\
             \x20   stats socket {socket} level admin\n\
             \x20   maxconn 512\n\
             defaults\n\
             \x20   mode http\n\
             \x20   timeout connect 1s\n\
             \x20   timeout client 10s\n\
             \x20   timeout server 10s\n\
             \x20   timeout check 1s\n\
             frontend fe\n\
             \x20   bind {addr}\n\
             \x20   default_backend be\n\
             backend be\n\
             {backend}\n",
            socket = dir.join("admin.sock").display(),
        );
        let config_path = dir.join("haproxy.cfg");
        std::fs::write(&config_path, config).expect("write haproxy.cfg");
        let log = std::fs::File::create(dir.join("haproxy.log")).unwrap();
        let child = Command::new(binary())
            .arg("-f")
            .arg(&config_path)
            .arg("-db")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start haproxy");
        let mut haproxy = HaProxy { child, dir, addr };
        let deadline = Instant::now() + NO_HANG;
        loop {
            if let Some(status) = haproxy.child.try_wait().unwrap() {
                panic!("haproxy exited with {status}: {}", haproxy.log());
            }
            if haproxy.try_command("show info\n").await.is_ok() {
                return haproxy;
            }
            assert!(
                Instant::now() < deadline,
                "haproxy never answered: {}",
                haproxy.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What HAProxy wrote on its standard output and error.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("haproxy.log")).unwrap_or_default()
    }

    /// Send one command on the admin socket and read the whole answer.
    async fn try_command(&self, command: &str) -> std::io::Result<String> {
        let talk = async {
            let mut socket = UnixStream::connect(self.dir.join("admin.sock")).await?;
            socket.write_all(command.as_bytes()).await?;
            let mut answer = String::new();
            socket.read_to_string(&mut answer).await?;
            Ok(answer)
        };
        tokio::time::timeout(NO_HANG, talk)
            .await
            .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
    }

    /// `show stat`, one row per proxy and server, by column name.
    pub async fn stat(&self) -> Vec<Row> {
        let csv = self
            .try_command("show stat\n")
            .await
            .unwrap_or_else(|error| panic!("show stat: {error}; {}", self.log()));
        let mut lines = csv.lines();
        let header = lines.next().and_then(|line| line.strip_prefix("# "));
        let columns: Vec<&str> = header
            .unwrap_or_else(|| panic!("no CSV header in {csv:?}"))
            .split(',')
            .collect();
        lines
            .filter(|line| !line.is_empty())
            .map(|line| {
                let values = line.split(',').map(str::to_owned);
                columns
                    .iter()
                    .map(|c| (*c).to_owned())
                    .zip(values)
                    .collect()
            })
            .collect()
    }

    /// The `show stat` row of `server` in the backend `be`.
    pub async fn server(&self, server: &str) -> Row {
        let rows = self.stat().await;
        rows.into_iter()
            .find(|row| row["pxname"] == "be" && row["svname"] == server)
            .unwrap_or_else(|| panic!("no server {server} in backend be"))
    }

    /// Poll `server`'s row until `wanted` holds, for at most [`NO_HANG`]; returns it.
    pub async fn wait_for(&self, server: &str, what: &str, wanted: impl Fn(&Row) -> bool) -> Row {
        let deadline = Instant::now() + NO_HANG;
        loop {
            let row = self.server(server).await;
            if wanted(&row) {
                return row;
            }
            assert!(
                Instant::now() < deadline,
                "{server} never became {what}: status {}, weight {}, agent {} {}",
                row["status"],
                row["weight"],
                row["agent_status"],
                row["agent_desc"]
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for HaProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
