//! The Docker engine, driven through its CLI: the image built from `deploy/Dockerfile` (after
//! `deploy/local-base-images.sh` made the stand-ins for its base images), containers and
//! networks of a test's own, removed when dropped, also when the test fails.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The image the tests run: `deploy/Dockerfile` as users build it.
pub const IMAGE: &str = "tower-health-server:latest";
/// The stand-ins' names, as `deploy/compose.yaml` names them.
pub const REDIS_IMAGE: &str = "redis:7.0-bookworm";
pub const POSTGRES_IMAGE: &str = "postgres:15-bookworm";

/// Run `docker args…`; its output, whatever the exit status.
pub fn docker_output(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run the docker CLI ({error}): the container tests need a Docker engine \
             (apt-get install docker.io, and the daemon running)"
            )
        })
}

/// Run `docker args…`, which must succeed; its stdout, trimmed.
pub fn docker(args: &[&str]) -> String {
    let output = docker_output(args);
    assert!(
        output.status.success(),
        "docker {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The engine answers, or the test fails saying what is missing.
fn require_engine() {
    let output = docker_output(&["info", "--format", "{{.ServerVersion}}"]);
    assert!(
        output.status.success(),
        "no Docker engine answers (`docker info`: {}). The container tests need one: \
         apt-get install docker.io, start the daemon (service docker start), and run the \
         suite with ./scripts/test",
        String::from_utf8_lossy(&output.stderr).trim()
    );
}

/// The stand-in base images and [`IMAGE`], built once per test process (the builds are
/// cached: a second one takes seconds), one build at a time across processes.
pub fn image() -> &'static str {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        require_engine();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let lock = std::fs::File::create(std::env::temp_dir().join("tower-health-docker.lock"))
            .expect("the build lock file");
        #[allow(
            clippy::incompatible_msrv,
            reason = "the tests build on 1.89 and later (async-nats needs it); the library on 1.88"
        )]
        lock.lock().expect("the build lock");
        let started = Instant::now();
        let status = Command::new("bash")
            .arg(root.join("deploy/local-base-images.sh"))
            .status()
            .expect("run deploy/local-base-images.sh");
        assert!(status.success(), "deploy/local-base-images.sh failed");
        // The CLI that builds with BuildKit here (a new CLI needs the buildx plugin for it).
        let cli = Command::new("bash")
            .arg(root.join("deploy/local-base-images.sh"))
            .arg("--build-cli")
            .output()
            .expect("run deploy/local-base-images.sh --build-cli");
        assert!(
            cli.status.success(),
            "no docker CLI here builds with BuildKit: {}",
            String::from_utf8_lossy(&cli.stderr)
        );
        let cli = String::from_utf8_lossy(&cli.stdout).trim().to_owned();
        let status = Command::new(&cli)
            .args(["build", "-q", "-f", "deploy/Dockerfile", "-t", IMAGE, "."])
            .env("DOCKER_BUILDKIT", "1")
            .current_dir(root)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run docker build");
        assert!(status.success(), "docker build -f deploy/Dockerfile failed");
        eprintln!("images ready in {:?}", started.elapsed());
    });
    IMAGE
}

/// A name no other test (or test process) uses: `th-<what>-<pid>-<n>`.
pub fn unique(what: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("th-{what}-{}-{n}", std::process::id())
}

/// A user-defined bridge network, removed on drop (after the containers on it).
pub struct Network {
    pub name: String,
}

impl Network {
    pub fn create(what: &str) -> Network {
        let name = unique(what);
        docker(&["network", "create", &name]);
        Network { name }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let _ = docker_output(&["network", "rm", &self.name]);
    }
}

/// A container of the test's own, removed (killed) on drop.
pub struct Container {
    pub name: String,
}

impl Container {
    /// `docker run -d --name <unique> <args…>`: `args` holds the options, the image and its
    /// arguments.
    pub fn run(what: &str, args: &[&str]) -> Container {
        let name = unique(what);
        let mut all = vec!["run", "-d", "--name", &name];
        all.extend_from_slice(args);
        docker(&all);
        Container { name }
    }

    /// `docker inspect --format <format>` of it.
    pub fn inspect(&self, format: &str) -> String {
        docker(&["inspect", "--format", format, &self.name])
    }

    /// Its address on `network`.
    pub fn ip(&self, network: &Network) -> IpAddr {
        let format = format!(
            "{{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}",
            network.name
        );
        let ip = self.inspect(&format);
        ip.parse()
            .unwrap_or_else(|_| panic!("{} has no address on {}: {ip:?}", self.name, network.name))
    }

    /// Its `port` on `network`, reached from the host.
    pub fn addr(&self, network: &Network, port: u16) -> SocketAddr {
        SocketAddr::new(self.ip(network), port)
    }

    /// Docker's health status: `starting`, `healthy`, `unhealthy`.
    pub fn health(&self) -> String {
        self.inspect("{{.State.Health.Status}}")
    }

    /// Wait until its health status is `status`, at most `within`; how long that took.
    pub fn wait_health(&self, status: &str, within: Duration) -> Duration {
        let started = Instant::now();
        loop {
            let now = self.health();
            if now == status {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < within,
                "{} not {status} within {within:?} (still {now}); health log: {}\n{}",
                self.name,
                self.inspect("{{json .State.Health.Log}}"),
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What it printed, stdout and stderr.
    pub fn logs(&self) -> String {
        let output = docker_output(&["logs", &self.name]);
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    pub fn stop(&self) {
        docker(&["stop", &self.name]);
    }

    pub fn start(&self) {
        docker(&["start", &self.name]);
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker_output(&["rm", "-f", "-v", &self.name]);
    }
}

/// Redis (the stand-in, as compose names it) on `network` under the alias `redis`.
pub fn redis(network: &Network) -> Container {
    Container::run(
        "redis",
        &[
            "--network",
            &network.name,
            "--network-alias",
            "redis",
            REDIS_IMAGE,
        ],
    )
}

/// PostgreSQL (the stand-in) on `network` under the alias `postgres`, with a user and
/// database `app`, password `app-password`.
pub fn postgres(network: &Network) -> Container {
    Container::run(
        "postgres",
        &[
            "--network",
            &network.name,
            "--network-alias",
            "postgres",
            "-e",
            "POSTGRES_USER=app",
            "-e",
            "POSTGRES_PASSWORD=app-password",
            "-e",
            "POSTGRES_DB=app",
            POSTGRES_IMAGE,
        ],
    )
}

/// The URL of [`postgres`] for a server on the same network.
pub const POSTGRES_URL: &str = "postgres://app:app-password@postgres:5432/app";

/// The options every server container runs with: locked down (the image's non-root user, a
/// read-only root filesystem, no capabilities, no privilege escalation).
pub const LOCKED_DOWN: [&str; 7] = [
    "--user",
    "65532:65532",
    "--read-only",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
];
