//! The graceful drain every example program promises, checked on a process: on a signal,
//! readiness turns 503 at once, requests keep being served through the drain delay,
//! in-flight requests complete, and the process exits cleanly.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use http::{Method, StatusCode};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::NO_HANG;
use super::client::{fetch, send, wait_for_status};
use super::examples::Example;

/// Generous: long enough that the load can stop well before the drain ends.
pub const DELAY: Duration = Duration::from_millis(3000);

/// Requests looping on `path` from several clients until stopped; counts and failures.
struct Load {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicUsize>,
    failed: Arc<std::sync::Mutex<Vec<String>>>,
    workers: Vec<JoinHandle<()>>,
}

impl Load {
    fn start(
        addr: SocketAddr,
        path: &'static str,
        headers: &'static [(&'static str, &'static str)],
    ) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicUsize::new(0));
        let failed: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
        let workers = (0..4)
            .map(|_| {
                let (stop, ok, failed) = (stop.clone(), ok.clone(), failed.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        let reply = send(addr, Method::GET, path, headers).await;
                        if reply.status == StatusCode::OK {
                            ok.fetch_add(1, Ordering::SeqCst);
                        } else {
                            failed.lock().unwrap().push(format!(
                                "{} {}",
                                reply.status,
                                reply.text()
                            ));
                        }
                    }
                })
            })
            .collect();
        Load {
            stop,
            ok,
            failed,
            workers,
        }
    }

    /// Stop, and return how many requests succeeded; panics on any failure.
    async fn finish(self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        for worker in self.workers {
            worker.await.expect("a load request failed");
        }
        let failed = self.failed.lock().unwrap();
        assert!(
            failed.is_empty(),
            "requests failed during the drain: {failed:?}"
        );
        self.ok.load(Ordering::SeqCst)
    }
}

/// Run the drain sequence against an example process and check every promise.
pub async fn drains_on_signal(
    name: &str,
    signal: &str,
    load_path: &'static str,
    slow_path: Option<&'static str>,
    headers: &'static [(&'static str, &'static str)],
) {
    let delay_ms = DELAY.as_millis().to_string();
    let mut server = Example::start(name, &[("SHUTDOWN_DELAY_MS", &delay_ms)]);
    let addr = server.addr;
    wait_for_status(addr, "/readyz", StatusCode::OK).await;

    let load = Load::start(addr, load_path, headers);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let signalled = Instant::now();
    server.signal(signal);

    let ready = wait_for_status(addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(ready.json()["reason"], "shutting down");
    assert!(
        signalled.elapsed() < DELAY,
        "readiness did not turn 503 during the drain"
    );
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);

    // Halfway through the drain: a request that will still be in flight when it ends.
    tokio::time::sleep_until(signalled + DELAY / 2).await;
    let slow = slow_path
        .map(|path| tokio::spawn(async move { send(addr, Method::GET, path, headers).await }));
    let served = load.finish().await;
    assert!(served > 0, "the load sent nothing");

    if let Some(slow) = slow {
        let reply = tokio::time::timeout(NO_HANG, slow)
            .await
            .expect("slow request hung")
            .unwrap();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert!(
            signalled.elapsed() >= DELAY,
            "the slow request ended before the drain did"
        );
    }
    assert_eq!(
        server.exit_code().await,
        Some(0),
        "{name} did not exit cleanly"
    );
    assert!(
        signalled.elapsed() >= DELAY,
        "{name} stopped before its drain delay"
    );
    assert!(server.output().contains("stopped"), "{}", server.output());
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "{name} still accepts connections after exiting"
    );
}
