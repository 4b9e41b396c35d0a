//! The other ways to read the same snapshot over real HTTP: kube-style `?verbose`,
//! `?exclude=`, `/readyz/<check>`, the IETF health+json format, revealed details, and a
//! time-boxed maintenance window.

mod common;

use std::time::Duration;

use common::client::{Reply, fetch, send, wait_for_status};
use common::health::started_with_results;
use common::serve::serve_counting;
use http::{Method, StatusCode};
use tower_health::{Details, Health, NamedCheck};

const SECRET_ERROR: &str = "connect postgres://app:hunter2@db.internal:5432/app: refused";

/// A started health with a passing `database`, a failing critical `redis`, a failing
/// non-critical `search`, all with results in.
async fn health(details: Details) -> Health {
    let builder = Health::builder()
        .add_check(
            NamedCheck::new("database", || async { Ok::<(), String>(()) })
                .component_type("datastore"),
        )
        .check("redis", || async { Err(SECRET_ERROR) })
        .add_check(
            NamedCheck::new("search", || async {
                Err("index offline at search-3.internal")
            })
            .non_critical(),
        )
        .details(details)
        .version("1")
        .release_id("1.2.3")
        .service_id("tower-health-tests");
    started_with_results(builder).await
}

#[tokio::test]
async fn verbose_lists_every_check_kube_style() {
    let health = health(Details::Never).await;
    let (addr, calls) = serve_counting(&health).await;

    let ready = fetch(addr, "/readyz?verbose").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.header("content-type"), "text/plain; charset=utf-8");
    assert_eq!(ready.header("cache-control"), "no-store");
    assert_eq!(
        ready.text(),
        "[+]database ok\n[-]redis failed: reason withheld\n\
         [-]search (non-critical) failed: reason withheld\nreadiness check failed\n"
    );
    let live = fetch(addr, "/healthz?verbose=1").await;
    assert_eq!(live.text(), "[+]live ok\nliveness check passed\n");
    let combined = fetch(addr, "/health?verbose").await;
    assert!(
        combined.text().ends_with("readiness check failed\n")
            || combined.text().ends_with("combined check failed\n")
    );
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn exclude_leaves_checks_out_of_the_verdict() {
    let health = health(Details::Never).await;
    let (addr, _) = serve_counting(&health).await;

    let ready = fetch(addr, "/readyz?exclude=redis").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["status"], "degraded");
    assert_eq!(ready.json()["excluded"], serde_json::json!(["redis"]));
    assert!(ready.json()["checks"].get("redis").is_none());

    let verbose = fetch(
        addr,
        "/readyz?verbose&exclude=redis&exclude=nothing&exclude=&exclude=redis",
    )
    .await;
    assert_eq!(verbose.status, StatusCode::OK);
    assert_eq!(
        verbose.text(),
        "[+]database ok\n[-]search (non-critical) failed: reason withheld\n\
         [+]redis excluded: failed\n\
         warn: some health checks cannot be excluded: no matches for \"nothing\"\n\
         readiness check passed (degraded)\n"
    );
    // Excluding nothing that exists changes nothing.
    assert_eq!(
        fetch(addr, "/readyz?exclude=nothing").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn one_check_on_its_own_path() {
    let health = health(Details::Never).await;
    let (addr, calls) = serve_counting(&health).await;

    let database = fetch(addr, "/readyz/database").await;
    assert_eq!(database.status, StatusCode::OK);
    assert_eq!(
        database.json(),
        serde_json::json!({"status": "ok", "checks": {"database": {"status": "ok", "critical": true}}})
    );
    assert_eq!(
        fetch(addr, "/readyz/redis").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        fetch(addr, "/health/search").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        fetch(addr, "/readyz/database?verbose").await.text(),
        "[+]database ok\ndatabase check passed\n"
    );

    let unknown = fetch(addr, "/readyz/nope").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["error"], "no such check");
    let long = fetch(addr, &format!("/readyz/{}", "x".repeat(4000))).await;
    assert_eq!(long.status, StatusCode::NOT_FOUND);
    assert_eq!(
        send(addr, Method::POST, "/readyz/database", &[])
            .await
            .status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(calls.count(), 0);

    // Nothing else under a health path is swallowed.
    for path in [
        "/readyz/database/x",
        "/readyz/",
        "/healthz/database",
        "/startupz/database",
    ] {
        assert_eq!(fetch(addr, path).await.text(), "inner", "{path}");
    }
    assert_eq!(calls.count(), 4);
}

#[tokio::test]
async fn health_json_when_the_client_prefers_it() {
    let health = health(Details::Never).await;
    let (addr, _) = serve_counting(&health).await;

    let ietf = send(
        addr,
        Method::GET,
        "/readyz",
        &[("accept", "application/health+json")],
    )
    .await;
    assert_eq!(ietf.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ietf.header("content-type"), "application/health+json");
    let body = ietf.json();
    assert_eq!(body["status"], "fail");
    assert_eq!(body["version"], "1");
    assert_eq!(body["releaseId"], "1.2.3");
    assert_eq!(body["serviceId"], "tower-health-tests");
    let database = &body["checks"]["database"][0];
    assert_eq!(database["componentType"], "datastore");
    assert_eq!(database["status"], "pass");
    assert_eq!(database["observedUnit"], "ms");
    assert!(database["observedValue"].is_number());
    assert!(database["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["checks"]["redis"][0]["status"], "fail");
    assert_eq!(body["checks"]["search"][0]["status"], "warn");
    assert!(body["checks"]["redis"][0].get("output").is_none());

    let json = send(
        addr,
        Method::GET,
        "/readyz",
        &[("accept", "application/json, application/health+json;q=0.5")],
    )
    .await;
    assert_eq!(json.header("content-type"), "application/json");
    for odd in [
        "",
        "*/*",
        ";;;",
        "application/health+json;q=nope",
        "text/html",
    ] {
        let reply = send(addr, Method::GET, "/readyz", &[("accept", odd)]).await;
        assert_eq!(
            reply.header("content-type"),
            "application/json",
            "accept {odd:?}"
        );
    }
    let excluded = send(
        addr,
        Method::GET,
        "/readyz?exclude=redis",
        &[("accept", "application/health+json")],
    )
    .await;
    assert_eq!(excluded.json()["status"], "warn");
}

#[tokio::test]
async fn details_are_withheld_unless_the_policy_reveals_them() {
    let withheld = health(Details::Never).await;
    let (addr, _) = serve_counting(&withheld).await;
    for (path, accept) in [
        ("/readyz", "*/*"),
        ("/health", "*/*"),
        ("/readyz?verbose", "*/*"),
        ("/readyz/redis", "*/*"),
        ("/readyz", "application/health+json"),
        ("/readyz?exclude=search", "application/health+json"),
    ] {
        let body = send(addr, Method::GET, path, &[("accept", accept)])
            .await
            .text();
        for secret in ["hunter2", "db.internal", "refused", "search-3", "offline"] {
            assert!(
                !body.contains(secret),
                "{path} ({accept}) leaked {secret:?}: {body}"
            );
        }
    }
    assert_eq!(
        withheld.snapshot().component("redis").unwrap().error(),
        Some("connect postgres://app:***@db.internal:5432/app: refused"),
        "the error is kept (and logged), with its password masked"
    );

    let token = health(Details::token("x-health-token", "let-me-see").unwrap()).await;
    let (addr, _) = serve_counting(&token).await;
    let without = fetch(addr, "/readyz").await;
    assert!(
        !without.text().contains("db.internal"),
        "{}",
        without.text()
    );
    let with = send(
        addr,
        Method::GET,
        "/readyz",
        &[("x-health-token", "let-me-see")],
    )
    .await;
    assert_eq!(
        with.json()["checks"]["redis"]["error"],
        "connect postgres://app:***@db.internal:5432/app: refused"
    );
    assert!(!with.text().contains("hunter2"));
    let verbose = send(
        addr,
        Method::GET,
        "/readyz?verbose",
        &[("x-health-token", "let-me-see")],
    )
    .await;
    assert!(
        verbose
            .text()
            .contains("[-]search (non-critical) failed: index offline at search-3.internal")
    );
    let ietf = send(
        addr,
        Method::GET,
        "/readyz",
        &[
            ("x-health-token", "let-me-see"),
            ("accept", "application/health+json"),
        ],
    )
    .await;
    assert_eq!(
        ietf.json()["checks"]["search"][0]["output"],
        "index offline at search-3.internal"
    );
    // Wrong by one byte, the same length; a prefix; longer; empty; another header.
    for (header, wrong) in [
        ("x-health-token", "let-me-sea"),
        ("x-health-token", "Let-me-see"),
        ("x-health-token", "let-me"),
        ("x-health-token", "let-me-see-all"),
        ("x-health-token", ""),
        ("x-health-token", "guess"),
        ("authorization", "let-me-see"),
    ] {
        for path in ["/readyz", "/readyz?verbose", "/health"] {
            let reply = send(addr, Method::GET, path, &[(header, wrong)]).await;
            assert!(
                !reply.text().contains("db.internal"),
                "{header}: {wrong:?} {path}"
            );
        }
    }

    let always = health(Details::Always).await;
    let (addr, _) = serve_counting(&always).await;
    assert!(
        fetch(addr, "/health")
            .await
            .text()
            .contains("index offline")
    );
}

#[tokio::test]
async fn a_maintenance_window_lifts_itself() {
    let health = Health::default();
    health.mark_started();
    let (addr, _) = serve_counting(&health).await;

    health.mark_in_maintenance("database upgrade", Some(Duration::from_millis(300)));
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["reason"], "database upgrade");
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    wait_for_status(addr, "/readyz", StatusCode::OK).await;

    health.mark_in_maintenance("until lifted", None);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        fetch(addr, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    health.mark_out_of_maintenance();
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn odd_queries_are_harmless() {
    let health = health(Details::Never).await;
    let (addr, calls) = serve_counting(&health).await;
    for query in [
        "?",
        "?&&&",
        "?=",
        "?verbose=&verbose",
        "?exclude",
        "?exclude=%00",
        "?a=b=c",
    ] {
        let reply = fetch(addr, &format!("/healthz{query}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}");
    }
    let many = format!("/readyz?{}", "exclude=x&".repeat(500));
    assert_eq!(
        fetch(addr, &many).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn what_a_request_sends_comes_back_bounded() {
    const BOUND: usize = 2048;
    let health = health(Details::Never).await;
    let (addr, calls) = serve_counting(&health).await;
    let many: String = (0..3000).map(|i| format!("&exclude=n{i}")).collect();
    let long = format!("&exclude={}", "x".repeat(10_000));
    let cut = format!("{}…", "x".repeat(64));
    let json = ("accept", "application/json");
    let health_json = ("accept", "application/health+json");
    // What each body still says of the names: the first few, cut, and how many more.
    let said: [&dyn Fn(&Reply) -> bool; 5] = [
        &|reply| {
            let names: Vec<String> = (0..8).map(|i| format!("\"n{i}\"")).collect();
            let line = format!("no matches for {} … and 2992 more\n", names.join(", "));
            reply.text().contains(&line)
        },
        &|reply| {
            let body = reply.json();
            body["excluded"].as_array().unwrap().len() == 8
                && body["excluded_omitted"] == 2993
                && body["unmatched_excludes"][7] == "n7"
                && body["unmatched_excludes_omitted"] == 2992
        },
        &|reply| reply.json()["status"] == "warn",
        &|reply| {
            reply
                .text()
                .contains(&format!("no matches for \"{cut}\"\n"))
        },
        &|reply| reply.json()["unmatched_excludes"] == serde_json::json!([cut]),
    ];
    for ((what, query, accept), said) in [
        ("3,000 names, verbose", &many, json),
        ("3,000 names, json", &many, json),
        ("3,000 names, health+json", &many, health_json),
        ("a 10,000-byte name, verbose", &long, json),
        ("a 10,000-byte name, json", &long, json),
    ]
    .into_iter()
    .zip(said)
    {
        let verbose = if what.ends_with("verbose") {
            "verbose"
        } else {
            ""
        };
        for path in ["/health", "/readyz"] {
            let uri = format!("{path}?{verbose}{query}&exclude=redis");
            let reply = send(addr, Method::GET, &uri, &[accept]).await;
            let size = reply.body.len();
            println!(
                "{what}, {path}: {} bytes asked, {size} bytes answered",
                uri.len()
            );
            assert!(
                size < BOUND,
                "{what}, {path}: {size} bytes: {}",
                reply.text()
            );
            // The verdict still leaves every name out: redis is excluded.
            assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.text());
            assert!(said(&reply), "{what}, {path}: {}", reply.text());
        }
    }
    // A long sub-path name: 404 with a body of its own, the name not repeated.
    let sub_path = format!("/readyz/{}", "y".repeat(10_000));
    for query in ["", "?verbose"] {
        let reply = fetch(addr, &format!("{sub_path}{query}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(reply.body.len() < 100, "{}", reply.text());
        assert!(!reply.text().contains("yyy"), "{}", reply.text());
    }
    assert_eq!(calls.count(), 0);
}
