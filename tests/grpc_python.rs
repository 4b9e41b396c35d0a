//! gRPC health's `List` and `Watch` through a client of another implementation: Python's
//! grpcio-health-checking (`tests/grpc_python/client.py`, a child process), against the
//! crate's service on a real socket, with checks added and removed while it serves and
//! `RESOURCE_EXHAUSTED` past 100 names.
//!
//! The Python packages come from `tests/grpc_python/requirements.txt`, installed by
//! `./scripts/test` into `target/grpc-python` (or any python named by
//! `TOWER_HEALTH_TEST_PYTHON`). Without them the test fails, saying how to get them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::NO_HANG;
use common::serve::serve_tonic;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::time::Instant;
use tower_health::{Group, Health, NamedCheck};

/// How to get the client's packages.
const HOW: &str = "Run the suite with ./scripts/test, which installs them, or install them \
    yourself: python3 -m venv target/grpc-python && target/grpc-python/bin/pip install -r \
    tests/grpc_python/requirements.txt (TOWER_HEALTH_TEST_PYTHON may name another python that \
    has grpcio-health-checking with List)";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The python with grpcio-health-checking.
fn python() -> PathBuf {
    std::env::var_os("TOWER_HEALTH_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/grpc-python/bin/python"))
}

/// `tests/grpc_python/client.py` running against a server, one command a line in, one JSON
/// object a line out.
struct PythonClient {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    /// Lines read while looking for another.
    unclaimed: Vec<Value>,
}

impl PythonClient {
    fn start(addr: std::net::SocketAddr) -> PythonClient {
        let python = python();
        let mut child = Command::new(&python)
            .arg("-u")
            .arg(root().join("tests/grpc_python/client.py"))
            .arg(addr.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}. {HOW}", python.display()));
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        PythonClient {
            child,
            stdin,
            stdout,
            unclaimed: Vec::new(),
        }
    }

    async fn send(&mut self, command: &str) {
        let line = format!("{command}\n");
        if self.stdin.write_all(line.as_bytes()).await.is_err() {
            self.died(command).await;
        }
    }

    /// The first line, read or still to come within [`NO_HANG`], that `wanted` accepts.
    async fn expect(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.unclaimed.iter().position(&wanted) {
            return self.unclaimed.remove(at);
        }
        let deadline = Instant::now() + NO_HANG;
        loop {
            let line = tokio::time::timeout_at(deadline, self.stdout.next_line())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "the Python client said no {what}; it said {:?}",
                        self.unclaimed
                    )
                });
            let Ok(Some(line)) = line else {
                self.died(what).await;
            };
            let value: Value = serde_json::from_str(&line).expect("a JSON line");
            if wanted(&value) {
                return value;
            }
            self.unclaimed.push(value);
        }
    }

    /// The client is gone: why, from its exit status and standard error.
    async fn died(&mut self, what: &str) -> ! {
        let status = tokio::time::timeout(NO_HANG, self.child.wait()).await;
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr).await;
        }
        if stderr.contains("MISSING") {
            panic!(
                "{} has no grpcio-health-checking with List: {}. {HOW}",
                python().display(),
                stderr.trim()
            );
        }
        panic!("the Python client ended before {what} ({status:?}): {stderr}");
    }

    /// `List`: every name with its status, or the error code.
    async fn list(&mut self) -> Value {
        self.send("list").await;
        let answer = self
            .expect("a List answer", |v| {
                v.get("list").is_some() || v.get("list_error").is_some()
            })
            .await;
        let list = answer.get("list").or_else(|| answer.get("list_error"));
        list.unwrap().clone()
    }

    /// `List` until it answers `expected`.
    async fn wait_for_list(&mut self, expected: Value) {
        let deadline = Instant::now() + NO_HANG;
        loop {
            let seen = self.list().await;
            if seen == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "List never answered {expected}; last: {seen}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `Check`: the status, or the error code.
    async fn check(&mut self, name: &str) -> String {
        self.send(&format!("check {name}")).await;
        let answer = self.expect("a Check answer", |v| v["check"] == name).await;
        let status = answer.get("status").or_else(|| answer.get("error"));
        status.unwrap().as_str().unwrap().to_owned()
    }

    /// Open a `Watch` stream on `name`.
    async fn watch(&mut self, name: &str) {
        self.send(&format!("watch {name}")).await;
        self.expect("a Watch started", |v| v["watching"] == name)
            .await;
    }

    /// The next message (or the end) of the `Watch` stream on `name`.
    async fn next(&mut self, name: &str) -> String {
        let message = self.expect("a Watch message", |v| v["watch"] == name).await;
        let status = message.get("status").or_else(|| message.get("ended"));
        status.unwrap().as_str().unwrap().to_owned()
    }

    /// The next status on `name`'s stream once it is not `NOT_SERVING`: a check just added
    /// has a snapshot before its first result.
    async fn next_after_first_result(&mut self, name: &str) -> String {
        let status = self.next(name).await;
        if status == "NOT_SERVING" {
            return self.next(name).await;
        }
        status
    }
}

/// A check that always passes; non-critical, so that the server's own status (`""`) stays
/// `SERVING` while it waits for its first result.
fn passing(name: &str) -> NamedCheck {
    NamedCheck::new(name, || async { Ok::<(), String>(()) }).non_critical()
}

#[tokio::test]
async fn python_grpcio_health_checking_lists_and_watches_checks_added_and_removed() {
    let health = Health::builder()
        .component("queue")
        .group(Group::new("lb", "/lbz").members(["queue"]))
        .interval(Duration::from_millis(100))
        .initial_jitter(Duration::ZERO)
        .build();
    health.mark_started();
    health.mark_up("queue");
    health.start_checks();
    let addr = serve_tonic(&health, tower_health::grpc::health_service(&health).await).await;
    let mut python = PythonClient::start(addr);

    let before = json!({"": "SERVING", "queue": "SERVING", "lb": "SERVING"});
    assert_eq!(python.list().await, before);
    python.watch("").await;
    assert_eq!(python.next("").await, "SERVING");

    // Not there yet: Check NOT_FOUND, Watch SERVICE_UNKNOWN and the stream stays open.
    assert_eq!(python.check("cache").await, "NOT_FOUND");
    python.watch("cache").await;
    assert_eq!(python.next("cache").await, "SERVICE_UNKNOWN");

    // Added while serving: List, Check and the open Watch have it.
    health.add_check(passing("cache")).unwrap();
    assert_eq!(python.next_after_first_result("cache").await, "SERVING");
    let with_cache =
        json!({"": "SERVING", "queue": "SERVING", "lb": "SERVING", "cache": "SERVING"});
    python.wait_for_list(with_cache).await;
    assert_eq!(python.check("cache").await, "SERVING");

    // Removed: the watcher is told NOT_SERVING then SERVICE_UNKNOWN; List and Check forget it.
    health.remove("cache").unwrap();
    assert_eq!(python.next("cache").await, "NOT_SERVING");
    assert_eq!(python.next("cache").await, "SERVICE_UNKNOWN");
    python.wait_for_list(before.clone()).await;
    assert_eq!(python.check("cache").await, "NOT_FOUND");

    // Past 100 names (3 + 98) List refuses, as A90 says; one fewer and it answers again.
    for n in 0..98 {
        health.add_check(passing(&format!("c{n:02}"))).unwrap();
    }
    python.wait_for_list(json!("RESOURCE_EXHAUSTED")).await;
    health.remove("c97").unwrap();
    let deadline = Instant::now() + NO_HANG;
    loop {
        let list = python.list().await;
        if list.as_object().is_some_and(|all| all.len() == 100) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "List never answered again: {list}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Draining: the server's own Watch, SERVING all along, turns NOT_SERVING.
    assert!(
        !python.unclaimed.iter().any(|v| v["watch"] == ""),
        "{:?}",
        python.unclaimed
    );
    health.mark_draining();
    assert_eq!(python.next("").await, "NOT_SERVING");
    python.send("quit").await;
    let exited = tokio::time::timeout(NO_HANG, python.child.wait()).await;
    assert!(
        exited.unwrap().unwrap().success(),
        "the Python client failed"
    );
}
