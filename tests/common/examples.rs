//! The crate's example programs (`examples/*.rs`), built once per test process and run as
//! child processes on a free port.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::StatusCode;

use super::NO_HANG;
use super::client::{Reply, fetch, wait_for_status};

/// A process started from one of the crate's examples, killed when dropped.
pub struct Example {
    child: Child,
    pub addr: SocketAddr,
    lines: Arc<std::sync::Mutex<Vec<String>>>,
    /// Reads its stderr, echoed to the test's; what it read, once the process is gone.
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Example {
    /// Build (if needed) and start `examples/<name>.rs` with `env`, waiting for its
    /// "listening on" line.
    pub fn start(name: &str, env: &[(&str, &str)]) -> Example {
        let mut command = Command::new(example_binary(name));
        command
            .env("LISTEN_ADDR", "127.0.0.1:0")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start example");
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut read = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                read.push_str(&line);
                read.push('\n');
            }
            read
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let lines: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
        let seen = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("[{line}]");
                seen.lock().unwrap().push(line.clone());
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.parse::<SocketAddr>().unwrap());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("example {name} did not print 'listening on'"));
        Example {
            child,
            addr,
            lines,
            stderr: Some(stderr),
        }
    }

    /// Stop the process (killed) and return everything it wrote on stderr.
    pub fn stop_and_read_stderr(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let reader = self.stderr.take().expect("stderr read once");
        reader.join().expect("read stderr")
    }

    /// The address of its probe server, from its `probes listening on <addr>` line (waited
    /// for at most [`NO_HANG`]); an example that prints none fails the test.
    pub fn probe_addr(&self) -> SocketAddr {
        self.printed_addr("probes listening on ")
    }

    /// The address of its agent check, from its `agent check listening on <addr>` line.
    pub fn agent_addr(&self) -> SocketAddr {
        self.printed_addr("agent check listening on ")
    }

    /// The address printed on a line starting with `prefix` (waited for at most
    /// [`NO_HANG`]); an example that prints none fails the test.
    fn printed_addr(&self, prefix: &str) -> SocketAddr {
        let deadline = std::time::Instant::now() + NO_HANG;
        loop {
            let printed = self.lines.lock().unwrap().iter().find_map(|line| {
                let addr = line.strip_prefix(prefix)?;
                Some(addr.parse::<SocketAddr>().expect("an address"))
            });
            if let Some(addr) = printed {
                return addr;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no '{prefix}' line in: {}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Everything it printed on stdout so far (its configuration and its logs).
    pub fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Send a signal (`TERM`, `INT`, …) to the process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Wait for the process to exit, for at most [`NO_HANG`]; its exit code.
    pub async fn exit_code(&mut self) -> Option<i32> {
        let deadline = tokio::time::Instant::now() + NO_HANG;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the process did not exit"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run example `name` with `env` (and `LISTEN_ADDR=127.0.0.1:0` unless `env` says
/// otherwise) until it exits by itself, for at most [`NO_HANG`]: for a start-up that must
/// fail. Its exit status and everything it printed.
pub fn run_to_exit(name: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(example_binary(name))
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start example");
    let deadline = std::time::Instant::now() + NO_HANG;
    while child.try_wait().expect("try_wait").is_none() {
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("read its output");
            panic!(
                "example {name} did not exit: {}",
                String::from_utf8_lossy(&output.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("read its output")
}

/// The path of an example binary, building it first (once per test process).
pub fn example_binary(name: &str) -> PathBuf {
    static BUILD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--all-features", "--example", name])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build --example {name} failed");
    // The test binary lives in target/<profile>/deps; examples in target/<profile>/examples.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    profile_dir.join("examples").join(name)
}

/// Start example `name` with its defaults and check its probes: liveness 200 with
/// `no-store`, readiness 200 once it has started.
pub async fn answers_probes(name: &str) {
    let example = Example::start(name, &[]);
    let live = fetch(example.addr, "/healthz").await;
    assert_eq!(live.status, StatusCode::OK, "{name}");
    assert_eq!(live.header("cache-control"), "no-store");
    wait_for_status(example.addr, "/readyz", StatusCode::OK).await;
}

/// Ask `/readyz` on `addr` until `done` holds, for at most [`NO_HANG`], liveness 200 at
/// every step; the reply that did.
pub async fn readiness_until(addr: SocketAddr, what: &str, done: impl Fn(&Reply) -> bool) -> Reply {
    let deadline = Instant::now() + NO_HANG;
    loop {
        assert_eq!(
            fetch(addr, "/healthz").await.status,
            StatusCode::OK,
            "liveness flapped"
        );
        let ready = fetch(addr, "/readyz").await;
        if done(&ready) {
            return ready;
        }
        assert!(
            Instant::now() < deadline,
            "never {what}; last: {} {}",
            ready.status,
            ready.text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The status of check `name` in a JSON reply, or `missing`.
pub fn check_status(reply: &Reply, name: &str) -> String {
    reply.json()["checks"][name]["status"]
        .as_str()
        .unwrap_or("missing")
        .to_owned()
}
