//! Real dependencies for the tests: Redis processes, PostgreSQL, a cuttable TCP proxy and a
//! blackhole listener.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sqlx::postgres::PgConnectOptions;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The PostgreSQL URL the test script exports; a test that needs it fails loudly without it.
pub fn database_url() -> String {
    std::env::var("TOWER_HEALTH_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "TOWER_HEALTH_TEST_DATABASE_URL is not set. Run the suite with ./scripts/test, which \
             starts a throwaway PostgreSQL, or point it at one: \
             postgres://USER:PASSWORD@127.0.0.1:PORT/DB"
        )
    })
}

/// The MariaDB URL the test script exports (a user with a password, on 127.0.0.1); a test
/// that needs it fails loudly without it.
pub fn mysql_url() -> String {
    std::env::var("TOWER_HEALTH_TEST_MYSQL_URL").unwrap_or_else(|_| {
        panic!(
            "TOWER_HEALTH_TEST_MYSQL_URL is not set. Run the suite with ./scripts/test, which \
             starts a throwaway MariaDB (apt-get install mariadb-server), or point it at one: \
             mysql://USER:PASSWORD@127.0.0.1:PORT/DB"
        )
    })
}

/// [`database_url`], parsed.
pub fn database_options() -> PgConnectOptions {
    database_url()
        .parse()
        .expect("TOWER_HEALTH_TEST_DATABASE_URL is not a PostgreSQL URL")
}

/// The address of the test database, to put a [`Proxy`] in front of it.
pub fn pg_addr() -> SocketAddr {
    let options = database_options();
    format!("{}:{}", options.get_host(), options.get_port())
        .parse()
        .expect("the test database must be on an IP address")
}

/// [`database_url`] with `proxy` in place of the database's address.
pub fn database_url_through(proxy: &Proxy) -> String {
    url_through(&database_url(), proxy)
}

/// `url` (`scheme://user:password@host:port/path`) with `proxy` in place of its address.
pub fn url_through(url: &str, proxy: &Proxy) -> String {
    let (scheme_and_user, rest) = url.rsplit_once('@').expect("a URL with a user");
    let path = rest.split_once('/').map_or("", |(_, path)| path);
    format!("{scheme_and_user}@{}/{path}", proxy.addr)
}

/// The address of the server `url` (`scheme://user:password@host:port/path`) names.
pub fn url_addr(url: &str) -> SocketAddr {
    let (_, rest) = url.rsplit_once('@').expect("a URL with a user");
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    authority
        .parse()
        .expect("the server must be on an IP address and port")
}

/// A free port on 127.0.0.1 (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A lazy redis-rs connection manager for `url`: each connection attempt and response
/// waits at most `timeout`, with `retries` retries, so a stopped server fails a check fast.
pub fn redis_manager(url: &str, timeout: Duration, retries: usize) -> ConnectionManager {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(retries);
    ConnectionManager::new_lazy_with_config(redis::Client::open(url).unwrap(), config).unwrap()
}

/// A redis-server process of the test's own, on a port it can stop and start again.
pub struct Redis {
    pub port: u16,
    child: Option<Child>,
}

impl Redis {
    pub fn start() -> Redis {
        let mut redis = Redis {
            port: free_port(),
            child: None,
        };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Start it (again) on the same port and wait until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "redis already running");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start redis-server ({error}). Install it (apt-get install \
                     redis-server) or run the suite with ./scripts/test, which does"
                )
            });
        self.child = Some(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("redis-server on port {} did not come up", self.port);
    }

    /// Kill it; connections to it break.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A TCP proxy in front of a real server, which the test can cut (refusing and breaking
/// every connection) and restore on the same address.
pub struct Proxy {
    pub addr: SocketAddr,
    target: SocketAddr,
    task: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            target,
            task: None,
            connections: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let target = self.target;
        let connections = self.connections.clone();
        self.task = Some(tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                connections.lock().unwrap().push(pipe);
            }
        }));
    }

    /// Stop listening and break every open connection.
    pub fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    /// Listen again on the same address.
    pub async fn restore(&mut self) {
        let mut attempts = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(error) if attempts < 100 => {
                    attempts += 1;
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(error) => panic!("cannot listen on {} again: {error}", self.addr),
            }
        };
        self.serve(listener);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

/// A listener that accepts connections and never says a word: a hung dependency. It reads
/// what the client sends (and drops it), so it sees each connection the client closes.
pub struct Blackhole {
    pub addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Blackhole {
    pub async fn start() -> Blackhole {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (accepted, closed) = (Arc::<AtomicUsize>::default(), Arc::<AtomicUsize>::default());
        let (accepting, closing) = (accepted.clone(), closed.clone());
        let task = tokio::spawn(async move {
            // Dropped with the task: every connection still open closes with it.
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut stream, _)) = listener.accept().await {
                accepting.fetch_add(1, Ordering::SeqCst);
                let closing = closing.clone();
                connections.spawn(async move {
                    let mut buffer = [0u8; 1024];
                    while let Ok(1..) = stream.read(&mut buffer).await {}
                    closing.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        Blackhole {
            addr,
            accepted,
            closed,
            task,
        }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Connections the client has closed (or reset) so far.
    pub fn closed(&self) -> usize {
        self.closed.load(Ordering::SeqCst)
    }
}

impl Drop for Blackhole {
    fn drop(&mut self) {
        self.task.abort();
    }
}
