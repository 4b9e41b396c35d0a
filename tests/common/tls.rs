//! Certificates made by the `openssl` command line in a temporary directory (a test root,
//! leaves it signs with chosen dates, self-signed ones), each served by `openssl s_server`
//! as a child process killed on drop.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// When a leaf is valid.
#[derive(Debug, Clone, Copy)]
pub enum Validity {
    /// From now, for this many days.
    Days(u32),
    /// Between two moments, `YYYYMMDDHHMMSSZ`.
    Between(&'static str, &'static str),
}

/// A certificate and its key, as PEM files.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A temporary directory holding a test root (`CN=tower-health test root`) and whatever
/// it signs; removed on drop.
pub struct Certificates {
    dir: PathBuf,
    made: AtomicUsize,
}

const CONFIG: &str = "\
[ca]
default_ca = test_ca
[test_ca]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
unique_subject = no
email_in_dn = no
[any]
commonName = supplied
[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[self_signed]
basicConstraints = critical,CA:FALSE
";

impl Certificates {
    /// A fresh directory with a root valid for ten years.
    pub fn new() -> Certificates {
        static DIRS: AtomicUsize = AtomicUsize::new(0);
        let n = DIRS.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("tower-health-tls-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("openssl.cnf"), CONFIG).unwrap();
        std::fs::write(dir.join("index.txt"), "").unwrap();
        std::fs::write(dir.join("serial"), "1000\n").unwrap();
        let certificates = Certificates {
            dir,
            made: AtomicUsize::new(0),
        };
        certificates.openssl(&[
            "req",
            "-x509",
            "-config",
            "openssl.cnf",
            "-extensions",
            "root",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-subj",
            "/CN=tower-health test root",
            "-days",
            "3650",
        ]);
        certificates
    }

    /// The root's certificate, a PEM file.
    pub fn root(&self) -> PathBuf {
        self.dir.join("root.pem")
    }

    /// A leaf for `name` (its CN and only DNS name), signed by the root.
    pub fn signed(&self, name: &str, validity: Validity) -> Leaf {
        let (leaf, base) = self.next();
        let ext = format!("{base}.ext");
        std::fs::write(
            self.dir.join(&ext),
            format!(
                "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n\
                 extendedKeyUsage = serverAuth\nsubjectAltName = DNS:{name}\n"
            ),
        )
        .unwrap();
        let csr = format!("{base}.csr");
        let subject = format!("/CN={name}");
        self.openssl(&[
            "req",
            "-new",
            "-config",
            "openssl.cnf",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{base}.key"),
            "-out",
            &csr,
            "-subj",
            &subject,
        ]);
        let (out, days) = (format!("{base}.pem"), validity_days(validity));
        let mut args = vec![
            "ca",
            "-batch",
            "-config",
            "openssl.cnf",
            "-notext",
            "-cert",
            "root.pem",
            "-keyfile",
            "root.key",
            "-in",
            &csr,
            "-out",
            &out,
            "-extfile",
            &ext,
        ];
        match validity {
            Validity::Days(_) => args.extend(["-days", &days]),
            Validity::Between(start, end) => args.extend(["-startdate", start, "-enddate", end]),
        }
        self.openssl(&args);
        leaf
    }

    /// A self-signed leaf for `name`, valid from now for `days` days.
    pub fn self_signed(&self, name: &str, days: u32) -> Leaf {
        let (leaf, base) = self.next();
        self.openssl(&[
            "req",
            "-x509",
            "-config",
            "openssl.cnf",
            "-extensions",
            "self_signed",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{base}.key"),
            "-out",
            &format!("{base}.pem"),
            "-subj",
            &format!("/CN={name}"),
            "-addext",
            &format!("subjectAltName=DNS:{name}"),
            "-days",
            &days.to_string(),
        ]);
        leaf
    }

    fn next(&self) -> (Leaf, String) {
        let base = format!("leaf{}", self.made.fetch_add(1, Ordering::SeqCst));
        let leaf = Leaf {
            cert: self.dir.join(format!("{base}.pem")),
            key: self.dir.join(format!("{base}.key")),
        };
        (leaf, base)
    }

    fn openssl(&self, args: &[&str]) {
        run_openssl(&self.dir, args);
    }
}

impl Drop for Certificates {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn validity_days(validity: Validity) -> String {
    match validity {
        Validity::Days(n) => n.to_string(),
        Validity::Between(..) => String::new(),
    }
}

fn run_openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|error| panic!("cannot run openssl ({error}): apt-get install openssl"));
    assert!(
        output.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `openssl s_server` presenting a leaf on a free port of 127.0.0.1; killed on drop.
pub struct TlsServer {
    pub addr: SocketAddr,
    child: Child,
}

impl TlsServer {
    /// Start it on a port of its own choosing (it says which: `ACCEPT 127.0.0.1:<port>`,
    /// so no other test can take the port in between) and wait until it listens.
    pub fn start(leaf: &Leaf) -> TlsServer {
        let mut child = Command::new("openssl")
            .arg("s_server")
            .args(["-accept", "127.0.0.1:0", "-www"])
            .arg("-cert")
            .arg(&leaf.cert)
            .arg("-key")
            .arg(&leaf.key)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start openssl s_server ({error}): apt-get install openssl")
            });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr: SocketAddr = loop {
            match lines.next() {
                Some(Ok(line)) => match line.strip_prefix("ACCEPT ") {
                    Some(addr) => break addr.parse().expect("s_server's address"),
                    None => continue,
                },
                _ => {
                    let _ = child.kill();
                    panic!("openssl s_server exited: {:?}", child.wait());
                }
            }
        };
        // Whatever else it says, unread.
        std::thread::spawn(move || lines.for_each(drop));
        let server = TlsServer { addr, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "openssl s_server on {addr} never listened"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// `127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
