//! Load on a server: requests looping on one path from several clients, each on a new
//! connection, until stopped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use http::{Method, StatusCode};
use tokio::task::JoinHandle;

use super::client::send;

/// Requests looping on `path` from `clients` clients until [`finish`](Load::finish)ed; counts
/// the answers and keeps the failures.
pub struct Load {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicUsize>,
    failed: Arc<std::sync::Mutex<Vec<String>>>,
    workers: Vec<JoinHandle<()>>,
}

impl Load {
    /// Start `clients` clients, each sending `GET path` with `headers`, one request at a time,
    /// each on a new connection.
    pub fn start(
        addr: SocketAddr,
        clients: usize,
        path: &'static str,
        headers: &'static [(&'static str, &'static str)],
    ) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicUsize::new(0));
        let failed: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
        let workers = (0..clients)
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

    /// How many requests have been answered `200` so far.
    pub fn answered(&self) -> usize {
        self.ok.load(Ordering::SeqCst)
    }

    /// Stop, let the requests in flight finish, and return how many were answered `200`;
    /// panics on any other answer.
    pub async fn finish(self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        for worker in self.workers {
            worker.await.expect("a load request failed");
        }
        let failed = self.failed.lock().unwrap();
        assert!(failed.is_empty(), "requests failed under load: {failed:?}");
        self.ok.load(Ordering::SeqCst)
    }
}
