//! Message brokers for the tests: RabbitMQ and NATS server processes of the test's own, each
//! on free ports of 127.0.0.1 with a throwaway directory, stopped and started again on the
//! same ports by the test.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::deps::free_port;

/// How long a broker may take to boot (RabbitMQ takes seconds; more on a busy machine).
const BOOT: Duration = Duration::from_secs(60);

/// A fresh directory under the system's temporary one, for one broker.
fn scratch(what: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tower-health-{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("make {}: {error}", dir.display()));
    dir
}

/// Send `signal` (`TERM`, `KILL`) to the process `pid`, or to the process group `-pgid`.
fn signal(signal: &str, target: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), "--", target])
        .stderr(Stdio::null())
        .status();
}

/// Spawn `command` (the broker `what`), its output appended to `dir`'s `output.log`, and wait
/// until `ready()`; panics, with the output, when it exits or is not ready within [`BOOT`].
fn spawn_until(command: &mut Command, what: &str, dir: &Path, ready: impl Fn() -> bool) -> Child {
    let output = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("output.log"))
        .unwrap();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(output.try_clone().unwrap())
        .stderr(output)
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot start {what} ({error}): apt-get install {what}, or run the suite with \
                 ./scripts/test, which installs it"
            )
        });
    let started = Instant::now();
    while started.elapsed() < BOOT {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{what} exited with {status}: {}", output_of(dir));
        }
        if ready() {
            eprintln!("{what} ready in {:?}", started.elapsed());
            return child;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{what} never answered: {}", output_of(dir));
}

/// What a broker started in `dir` wrote on its standard output and error.
fn output_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("output.log")).unwrap_or_default()
}

/// Where Debian's rabbitmq-server package keeps the broker's own scripts (`/usr/sbin`'s
/// wrappers switch to the `rabbitmq` user, whose home and cookie are not the test's).
const RABBITMQ_BIN: &str = "/usr/lib/rabbitmq/bin";

/// The password of the broker's user, which no reason may show.
pub const RABBITMQ_PASSWORD: &str = "rabbit-Secret-7Q";

/// A rabbitmq-server of the test's own: a node named after its directory, AMQP, Erlang
/// distribution and epmd each on a free port of 127.0.0.1, its data, logs, configuration and
/// Erlang cookie (`HOME`) in a throwaway directory; no plugins. The user is `app` with
/// [`RABBITMQ_PASSWORD`].
pub struct Rabbitmq {
    /// The AMQP port.
    pub port: u16,
    dist_port: u16,
    epmd_port: u16,
    node: String,
    dir: PathBuf,
    child: Option<Child>,
}

impl Rabbitmq {
    /// Start one and wait until its AMQP port answers a protocol header.
    pub fn start() -> Rabbitmq {
        let script = Path::new(RABBITMQ_BIN).join("rabbitmq-server");
        assert!(
            script.exists(),
            "rabbitmq-server is missing ({} not found): apt-get install rabbitmq-server, or run \
             the suite with ./scripts/test, which installs it",
            script.display()
        );
        let dir = scratch("rabbitmq");
        let node = format!("{}@localhost", dir.file_name().unwrap().to_string_lossy());
        std::fs::write(
            dir.join("rabbitmq.conf"),
            format!("default_user = app\ndefault_pass = {RABBITMQ_PASSWORD}\n"),
        )
        .unwrap();
        std::fs::write(dir.join("enabled_plugins"), "[].\n").unwrap();
        std::fs::write(dir.join("rabbitmq-env.conf"), "").unwrap();
        let mut rabbitmq = Rabbitmq {
            port: free_port(),
            dist_port: free_port(),
            epmd_port: free_port(),
            node,
            dir,
            child: None,
        };
        rabbitmq.restart();
        rabbitmq
    }

    /// `amqp://app:PASSWORD@127.0.0.1:PORT/%2f`.
    pub fn url(&self) -> String {
        format!("amqp://app:{RABBITMQ_PASSWORD}@127.0.0.1:{}/%2f", self.port)
    }

    /// A command with the node's environment: its names, ports, files and `HOME`.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(Path::new(RABBITMQ_BIN).join(program));
        let dir = &self.dir;
        command
            .env("HOME", dir)
            .env("RABBITMQ_CONF_ENV_FILE", dir.join("rabbitmq-env.conf"))
            .env("RABBITMQ_NODENAME", &self.node)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("ERL_EPMD_PORT", self.epmd_port.to_string())
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env(
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                "-kernel inet_dist_use_interface {127,0,0,1}",
            )
            .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.join("log"))
            .env("RABBITMQ_CONFIG_FILE", dir.join("rabbitmq.conf"))
            .env("RABBITMQ_ADVANCED_CONFIG_FILE", dir.join("advanced.config"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("enabled_plugins"))
            .env("RABBITMQ_PID_FILE", dir.join("pid"));
        command
    }

    /// Start it (again) on the same ports and data, and wait until AMQP answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "rabbitmq-server already running");
        let port = self.port;
        let mut command = self.command("rabbitmq-server");
        // A process group of its own: a crash kills the script and the VM together.
        command.process_group(0);
        // A protocol header, answered with a method frame (type 1): `Connection.Start`.
        let child = spawn_until(&mut command, "rabbitmq-server", &self.dir, || {
            answers(port, b"AMQP\x00\x00\x09\x01", b"\x01")
        });
        self.child = Some(child);
    }

    /// Stop it as `systemctl stop` does (SIGTERM: the broker closes every connection with
    /// `CONNECTION_FORCED` and exits), and wait until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal("TERM", &child.id().to_string());
            let deadline = Instant::now() + Duration::from_secs(30);
            while child.try_wait().unwrap().is_none() {
                if Instant::now() > deadline {
                    signal("KILL", &format!("-{}", child.id()));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Kill the broker's VM at once (SIGKILL): a crash, connections reset without a word.
    /// Returns once its port refuses connections.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal("KILL", &format!("-{}", child.id()));
            let _ = child.wait();
            // The script is gone; the VM it started may outlive it by a moment.
            for _ in 0..1000 {
                if TcpStream::connect(("127.0.0.1", self.port)).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// What `rabbitmqctl -n NODE ARGS…` prints; panics when it fails.
    fn rabbitmqctl(&self, args: &[&str]) -> String {
        let output = self
            .command("rabbitmqctl")
            .args(["-n", &self.node])
            .args(args)
            .output()
            .expect("run rabbitmqctl");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let errors = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "rabbitmqctl {args:?}: {text}{errors}"
        );
        text
    }

    /// Client connections the broker has open now (`rabbitmqctl list_connections`).
    pub fn connections(&self) -> usize {
        self.rabbitmqctl(&["list_connections", "--silent", "peer_port"])
            .lines()
            .filter(|line| line.trim().parse::<u16>().is_ok())
            .count()
    }

    /// The broker's connection and channel churn since it (last) started, from its own
    /// counters (`connection_churn_metrics`, read with `rabbitmqctl eval`).
    pub fn churn(&self) -> Churn {
        let printed = self.rabbitmqctl(&[
            "eval",
            "[{_, A, B, C, D, _, _, _}] = ets:tab2list(connection_churn_metrics), \
             io:format(\"~p ~p ~p ~p~n\", [A, B, C, D]).",
        ]);
        // Four numbers, then `ok`.
        let numbers: Vec<u64> = printed
            .split_whitespace()
            .map_while(|number| number.parse().ok())
            .collect();
        let n = |at: usize| *numbers.get(at).expect("four churn counters");
        Churn {
            connections_opened: n(0),
            connections_closed: n(1),
            channels_opened: n(2),
            channels_closed: n(3),
        }
    }
}

/// Connections and channels a broker has seen opened and closed (see [`Rabbitmq::churn`]).
/// A connection counts as opened once its AMQP handshake completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Churn {
    pub connections_opened: u64,
    pub connections_closed: u64,
    pub channels_opened: u64,
    pub channels_closed: u64,
}

impl Drop for Rabbitmq {
    fn drop(&mut self) {
        self.kill();
        // The epmd daemon the node started on a port of its own. It refuses to go while the
        // node is still registered, which lasts until the VM's end is noticed.
        for _ in 0..100 {
            let said = Command::new("epmd")
                .args(["-port", &self.epmd_port.to_string(), "-kill"])
                .stderr(Stdio::null())
                .output();
            if !said.is_ok_and(|said| String::from_utf8_lossy(&said.stdout).contains("living")) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether a server on `port` answers `hello` with bytes starting with `answer`.
fn answers(port: u16, hello: &[u8], answer: &[u8]) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut read = vec![0u8; answer.len()];
    stream.write_all(hello).is_ok() && stream.read_exact(&mut read).is_ok() && read == answer
}

/// Where Debian's nats-server package puts it; `PATH` is tried next.
const NATS_SERVER: &str = "/usr/sbin/nats-server";

/// The credentials of the test's NATS servers; the password no reason may show.
pub const NATS_USER: &str = "app";
/// See [`NATS_USER`].
pub const NATS_PASSWORD: &str = "nats-Secret-4K";

/// A nats-server of the test's own on a free port of 127.0.0.1, with a user and password,
/// and its HTTP monitoring on another.
pub struct Nats {
    pub port: u16,
    monitor_port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Nats {
    /// Start one and wait until it greets a client with `INFO`.
    pub fn start() -> Nats {
        let mut nats = Nats {
            port: free_port(),
            monitor_port: free_port(),
            dir: scratch("nats"),
            child: None,
        };
        nats.restart();
        nats
    }

    /// `nats://127.0.0.1:PORT`, without the credentials.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Start it (again) on the same port and wait until it greets a client.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "nats-server already running");
        let port = self.port.to_string();
        let found = Path::new(NATS_SERVER).exists();
        let mut command = Command::new(if found { NATS_SERVER } else { "nats-server" });
        command
            .args(["-a", "127.0.0.1", "-p", &port])
            .args(["--user", NATS_USER, "--pass", NATS_PASSWORD])
            .args(["-m", &self.monitor_port.to_string()]);
        let port = self.port;
        self.child = Some(spawn_until(&mut command, "nats-server", &self.dir, || {
            answers(port, b"", b"INFO")
        }));
    }

    /// Kill it; connections to it break.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freeze it (SIGSTOP): connections stay open, nothing is answered.
    pub fn pause(&self) {
        signal(
            "STOP",
            &self.child.as_ref().expect("running").id().to_string(),
        );
    }

    /// Let a [paused](Nats::pause) server go on (SIGCONT).
    pub fn resume(&self) {
        signal(
            "CONT",
            &self.child.as_ref().expect("running").id().to_string(),
        );
    }

    /// Client connections the server has accepted since it started (`total_connections` of
    /// its `/varz`; the start-up probe's greeting counts as one).
    pub fn total_connections(&self) -> u64 {
        let mut stream = TcpStream::connect(("127.0.0.1", self.monitor_port)).expect("monitoring");
        stream
            .write_all(b"GET /varz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let (_, after) = answer
            .split_once("\"total_connections\":")
            .unwrap_or_else(|| panic!("no total_connections in /varz: {answer}"));
        after
            .trim_start()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|digits| digits.parse().ok())
            .unwrap_or_else(|| panic!("total_connections is no number: {after}"))
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
