//! `examples/server.rs` with the catalogue's checks, configured through its environment:
//! MariaDB (`mariadb://`) and SQLite through `DATABASE_URL`, `UPSTREAM_GRPC_URL` (the tonic
//! example as the downstream), `TLS_CHECK` (`openssl s_server`), `DISK_MIN_FREE_MB`, and
//! `JOBS_TTL_MS` with its admin routes, `AMQP_URL` and `NATS_URL` with brokers stopped and
//! started again; settings that do not parse stop start-up.

use http::{Method, StatusCode};

use crate::common::brokers::{NATS_PASSWORD, NATS_USER, Nats, RABBITMQ_PASSWORD, Rabbitmq};
use crate::common::client::{Reply, fetch, send};
use crate::common::deps::{Proxy, mysql_url, url_addr, url_through};
use crate::common::examples::{Example, check_status, readiness_until, run_to_exit};
use crate::common::temp::TempDir;
use crate::common::tls::{Certificates, TlsServer, Validity};

const FAST_CHECKS: [(&str, &str); 2] = [("CHECK_INTERVAL_MS", "100"), ("CHECK_TIMEOUT_MS", "500")];
const TOKEN: &str = "ops-token";

/// The server with fast checks, details for [`TOKEN`], and `env`.
fn start(env: &[(&str, &str)]) -> Example {
    let mut all = vec![("HEALTH_DETAILS_TOKEN", TOKEN)];
    all.extend(FAST_CHECKS);
    all.extend_from_slice(env);
    Example::start("server", &all)
}

/// `/readyz?verbose` with the details token.
async fn verbose(server: &Example) -> Reply {
    send(
        server.addr,
        Method::GET,
        "/readyz?verbose",
        &[("x-health-token", TOKEN)],
    )
    .await
}

/// `/health` as JSON, with the details token.
async fn combined(server: &Example) -> serde_json::Value {
    send(
        server.addr,
        Method::GET,
        "/health",
        &[("x-health-token", TOKEN)],
    )
    .await
    .json()
}

#[tokio::test]
async fn mariadb_through_database_url_goes_down_and_comes_back_without_a_restart() {
    let url = mysql_url();
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(user, _)| user.split_once(':'))
        .map(|(_, password)| password.to_owned())
        .expect("a password in TOWER_HEALTH_TEST_MYSQL_URL");
    let mut proxy = Proxy::start(url_addr(&url)).await;
    // The `mariadb://` scheme: the same driver as `mysql://`.
    let through = url_through(&url, &proxy).replacen("mysql://", "mariadb://", 1);
    let server = start(&[("DATABASE_URL", through.as_str())]);

    let ready = readiness_until(server.addr, "ready", |r| r.status == StatusCode::OK).await;
    assert_eq!(check_status(&ready, "database"), "ok");

    proxy.cut();
    let down = readiness_until(server.addr, "503 for the database", |r| {
        r.status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert_eq!(check_status(&down, "database"), "down");
    let lines = verbose(&server).await.text();
    assert!(lines.contains("[-]database failed: mysql: "), "{lines}");

    proxy.restore().await;
    readiness_until(server.addr, "ready again", |r| r.status == StatusCode::OK).await;

    let output = server.output();
    assert!(
        output.contains(&format!(
            "DATABASE_URL=mysql://health@{}/health (password not shown)",
            proxy.addr
        )),
        "{output}"
    );
    assert!(output.contains("health: database is down"), "{output}");
    assert!(
        !output.contains(&password),
        "the password in the log: {output}"
    );
    assert!(
        !lines.contains(&password),
        "the password in a body: {lines}"
    );
}

#[tokio::test]
async fn sqlite_through_database_url_and_a_file_that_cannot_be_opened() {
    let dir = TempDir::new("server-sqlite");
    let url = format!("sqlite://{}/app.db?mode=rwc", dir.path().display());
    let server = start(&[("DATABASE_URL", url.as_str())]);
    let ready = readiness_until(server.addr, "ready", |r| r.status == StatusCode::OK).await;
    assert_eq!(check_status(&ready, "database"), "ok");
    assert!(
        dir.path().join("app.db").exists(),
        "the database file was made"
    );

    let missing = format!("sqlite://{}/no/such/dir/app.db", dir.path().display());
    let server = start(&[("DATABASE_URL", missing.as_str())]);
    let down = readiness_until(server.addr, "the database down", |r| {
        check_status(r, "database") == "down"
    })
    .await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    let lines = verbose(&server).await.text();
    assert!(lines.contains("[-]database failed: sqlite: "), "{lines}");
}

#[tokio::test]
async fn upstream_grpc_follows_the_downstream_into_its_drain() {
    let downstream = Example::start("tonic", &[("SHUTDOWN_DELAY_MS", "3000")]);
    let upstream = format!("http://{}", downstream.addr);
    let server = start(&[("UPSTREAM_GRPC_URL", upstream.as_str())]);
    let ready = readiness_until(server.addr, "ready", |r| r.status == StatusCode::OK).await;
    assert_eq!(check_status(&ready, "upstream"), "ok");

    // SIGTERM: the downstream drains (NOT_SERVING) while it still serves.
    downstream.signal("TERM");
    let down = readiness_until(server.addr, "503 for the upstream", |r| {
        r.status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert_eq!(check_status(&down, "upstream"), "down");
    let lines = verbose(&server).await.text();
    assert!(lines.contains("[-]upstream failed: NOT_SERVING"), "{lines}");
    assert_eq!(
        fetch(downstream.addr, "/healthz").await.status,
        StatusCode::OK,
        "the downstream still serves: down before it stops"
    );
}

#[tokio::test]
async fn a_certificate_near_expiry_degrades_without_failing_readiness() {
    let certificates = Certificates::new();
    let expiring = TlsServer::start(&certificates.signed("localhost", Validity::Days(2)));
    let server = start(&[("TLS_CHECK", expiring.address().as_str())]);
    let ready = readiness_until(server.addr, "the certificate judged", |r| {
        check_status(r, "certificate") == "degraded"
    })
    .await;
    assert_eq!(ready.status, StatusCode::OK);
    let body = combined(&server).await;
    assert_eq!(body["status"], "degraded", "{body}");
    let lines = verbose(&server).await.text();
    assert!(lines.contains("CN=localhost expires"), "{lines}");
    assert!(
        lines.contains("(in 1 day") || lines.contains("(in 2 days"),
        "{lines}"
    );

    // Verified against the root: a certificate for another name is down, non-critical.
    let other = TlsServer::start(&certificates.signed("other.test", Validity::Days(90)));
    let root = certificates.root();
    let other_address = format!("localhost:{}", other.addr.port());
    let server = start(&[
        ("TLS_CHECK", other_address.as_str()),
        ("TLS_CA", root.to_str().unwrap()),
        ("TLS_WARN_DAYS", "7"),
    ]);
    let ready = readiness_until(server.addr, "the certificate judged", |r| {
        check_status(r, "certificate") == "down"
    })
    .await;
    assert_eq!(ready.status, StatusCode::OK, "non-critical");
    assert!(
        server.output().contains("TLS_WARN_DAYS=7"),
        "{}",
        server.output()
    );
}

#[tokio::test]
async fn disk_space_short_of_the_minimum_degrades() {
    let server = start(&[("DISK_MIN_FREE_MB", "1")]);
    let ready = readiness_until(server.addr, "disk judged", |r| {
        check_status(r, "disk") == "ok"
    })
    .await;
    assert_eq!(ready.status, StatusCode::OK);

    // A petabyte: no machine here has that free.
    let server = start(&[("DISK_MIN_FREE_MB", "1073741824")]);
    let ready = readiness_until(server.addr, "disk judged", |r| {
        check_status(r, "disk") == "down"
    })
    .await;
    assert_eq!(ready.status, StatusCode::OK, "non-critical");
    assert_eq!(combined(&server).await["status"], "degraded");
    let lines = verbose(&server).await.text();
    assert!(lines.contains("[-]disk (non-critical) failed: "), "{lines}");
}

#[tokio::test]
async fn the_job_loop_stops_and_starts_through_the_admin_routes() {
    let server = start(&[("JOBS_TTL_MS", "300")]);
    let ready = readiness_until(server.addr, "ready", |r| r.status == StatusCode::OK).await;
    assert_eq!(check_status(&ready, "jobs"), "ok");
    let bearer = "Bearer dev-token";
    let admin = |path: &'static str, token: Option<&'static str>| {
        let headers: Vec<(&str, &str)> = token.map(|t| ("authorization", t)).into_iter().collect();
        async move { send(server.addr, Method::POST, path, &headers).await.status }
    };

    assert_eq!(
        admin("/admin/jobs/stop", None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        admin("/admin/jobs/stop", Some(bearer)).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin("/admin/jobs/stop", Some(bearer)).await,
        StatusCode::CONFLICT
    );
    let stopped = std::time::Instant::now();
    let down = readiness_until(server.addr, "503 for the jobs", |r| {
        r.status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    println!(
        "jobs down {:?} after the loop stopped (ttl 300ms)",
        stopped.elapsed()
    );
    assert_eq!(check_status(&down, "jobs"), "down");
    let lines = verbose(&server).await.text();
    assert!(lines.contains("[-]jobs failed: no beat for "), "{lines}");

    assert_eq!(
        admin("/admin/jobs/start", Some(bearer)).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin("/admin/jobs/start", Some(bearer)).await,
        StatusCode::CONFLICT
    );
    readiness_until(server.addr, "ready again", |r| r.status == StatusCode::OK).await;
    assert!(
        server.output().contains("jobs: loop stopped"),
        "{}",
        server.output()
    );

    // No job loop configured: nothing to stop.
    let plain = Example::start("server", &[]);
    let status = send(
        plain.addr,
        Method::POST,
        "/admin/jobs/stop",
        &[("authorization", bearer)],
    )
    .await
    .status;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[test]
fn settings_that_do_not_parse_stop_start_up() {
    for env in [
        [("DATABASE_URL", "oracle://app@db/app"), ("", "")],
        [("UPSTREAM_GRPC_URL", "not a url"), ("", "")],
        [("TLS_CHECK", "no-port"), ("", "")],
        [
            ("TLS_CHECK", "127.0.0.1:1"),
            ("TLS_CA", "/no/such/root.pem"),
        ],
        [("TLS_CHECK", "127.0.0.1:1"), ("TLS_WARN_DAYS", "soon")],
        [("DISK_MIN_FREE_MB", "-1"), ("", "")],
        [("JOBS_TTL_MS", "0"), ("", "")],
        [("AMQP_URL", "http://not-amqp"), ("", "")],
        [("NATS_URL", "nats://host:notaport"), ("", "")],
    ] {
        let env: Vec<_> = env
            .into_iter()
            .filter(|(name, _)| !name.is_empty())
            .collect();
        let output = run_to_exit("server", &env);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{env:?}: {stderr}");
        let (last, _) = env[env.len() - 1];
        assert!(stderr.contains(last), "{env:?}: {stderr}");
    }
}

#[tokio::test]
async fn brokers_go_down_and_come_back_without_a_restart() {
    let mut rabbitmq = Rabbitmq::start();
    let mut nats = Nats::start();
    let nats_url = format!(
        "nats://{NATS_USER}:{NATS_PASSWORD}@{}",
        nats.url().trim_start_matches("nats://")
    );
    let server = start(&[
        ("AMQP_URL", rabbitmq.url().as_str()),
        ("NATS_URL", nats_url.as_str()),
    ]);
    let ready = readiness_until(server.addr, "ready", |r| r.status == StatusCode::OK).await;
    assert_eq!(check_status(&ready, "rabbitmq"), "ok");
    assert_eq!(check_status(&ready, "nats"), "ok");

    let stopped = std::time::Instant::now();
    nats.stop();
    let down = readiness_until(server.addr, "503 for nats", |r| {
        check_status(r, "nats") == "down"
    })
    .await;
    println!("nats down {:?} after its server stopped", stopped.elapsed());
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    nats.restart();
    readiness_until(server.addr, "ready with nats back", |r| {
        r.status == StatusCode::OK
    })
    .await;

    let stopped = std::time::Instant::now();
    rabbitmq.stop();
    let down = readiness_until(server.addr, "503 for rabbitmq", |r| {
        check_status(r, "rabbitmq") == "down"
    })
    .await;
    println!(
        "rabbitmq down {:?} after the broker stopped",
        stopped.elapsed()
    );
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    let lines = verbose(&server).await.text();
    assert!(lines.contains("[-]rabbitmq failed: rabbitmq: "), "{lines}");
    rabbitmq.restart();
    let back = std::time::Instant::now();
    readiness_until(server.addr, "ready with rabbitmq back", |r| {
        r.status == StatusCode::OK
    })
    .await;
    println!("rabbitmq up {:?} after the broker was back", back.elapsed());

    let output = server.output();
    for password in [RABBITMQ_PASSWORD, NATS_PASSWORD] {
        assert!(
            !output.contains(password),
            "a password in the log: {output}"
        );
        assert!(!lines.contains(password), "a password in a body: {lines}");
    }
    let amqp = format!(
        "AMQP_URL=amqp://app@127.0.0.1:{}/%2f (password not shown)",
        rabbitmq.port
    );
    assert!(output.contains(&amqp), "{output}");
    let nats_printed = format!("NATS_URL={} (password not shown)", nats.url());
    assert!(output.contains(&nats_printed), "{output}");
}
