//! What the benches share: the cheapest inner service and calling a service once (in
//! process); server processes, pinning and settings from the environment (loopback).
#![allow(dead_code)]

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use http::{Request, Response};
use tower::Service;

/// The cheapest inner service: answers at once with an empty body.
#[derive(Clone, Copy)]
pub(crate) struct Noop;

impl Service<Request<()>> for Noop {
    type Response = Response<http_body_util::Empty<bytes::Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        ready(Ok(Response::new(http_body_util::Empty::new())))
    }
}

/// Call `service` once and poll the answer (always ready at once for these services).
pub(crate) fn call<S>(service: &mut S, request: Request<()>) -> S::Response
where
    S: Service<Request<()>>,
    S::Error: std::fmt::Debug,
{
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(service.call(request)).poll(&mut cx) {
        Poll::Ready(response) => response.unwrap(),
        Poll::Pending => unreachable!("the benchmarked services answer at once"),
    }
}

/// `program`, pinned to `core` when `taskset` is there.
pub(crate) fn pinned(core: &str, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    use std::process::Command;
    if Command::new("taskset").arg("-V").output().is_ok() {
        let mut command = Command::new("taskset");
        command.args(["-c", core]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// The environment variable `name` as a number, or `default`.
pub(crate) fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A server process: this bench binary again, run through a command (`env`, `taskset`,
/// `valgrind`) with the server's own arguments. It prints the addresses it serves on its
/// first stdout line, separated by spaces, and serves until its stdin closes; dropping it
/// closes its stdin and waits for it to exit.
pub(crate) struct Server {
    pub(crate) child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    pub(crate) addrs: Vec<std::net::SocketAddr>,
}

impl Server {
    /// Start this binary through `command` with `args`, and read the addresses it prints.
    pub(crate) fn start(mut command: std::process::Command, args: &[&str]) -> Server {
        use std::io::{BufRead, BufReader, Read};
        use std::process::Stdio;
        let mut child = command
            .arg(std::env::current_exe().unwrap())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start a server process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addrs: Vec<std::net::SocketAddr> = line
            .split_whitespace()
            .map_while(|addr| addr.parse().ok())
            .collect();
        if addrs.is_empty() {
            let mut error = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut error);
            panic!("the server printed no address: {error}")
        }
        let stdin = child.stdin.take();
        Server {
            child,
            stdin,
            addrs,
        }
    }

    /// Close stdin, wait for the exit, and return what the server wrote to stderr.
    pub(crate) fn stop(mut self) -> String {
        use std::io::Read;
        self.stdin.take();
        let mut error = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut error);
        }
        let _ = self.child.wait();
        error
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stdin.take();
        let _ = self.child.wait();
    }
}

/// A keep-alive HTTP/1.1 client connection to `addr`, its driver spawned on the current
/// tokio runtime.
pub(crate) async fn connect(
    addr: std::net::SocketAddr,
) -> hyper::client::conn::http1::SendRequest<http_body_util::Empty<bytes::Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    sender
}

/// `GET path` to `addr` on `sender`, the answer checked for 2xx and read to its end; an
/// error when the connection is gone.
pub(crate) async fn get_ok(
    sender: &mut hyper::client::conn::http1::SendRequest<http_body_util::Empty<bytes::Bytes>>,
    addr: std::net::SocketAddr,
    path: &str,
) -> Result<(), hyper::Error> {
    use http_body_util::BodyExt;
    let request = Request::get(path)
        .header(http::header::HOST, addr.to_string())
        .body(http_body_util::Empty::new())
        .unwrap();
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.into_body().collect().await?;
    Ok(())
}
