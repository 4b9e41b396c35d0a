//! Probe composition over real HTTP: which probes each check and manual component counts
//! for (liveness, startup, report-only), groups of your own on their own paths (optional
//! members, groups in groups), and `degraded` mapped to 503.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::client::{fetch, send, wait_for_status};
use common::health::{settled, started_with_results, switch};
use common::serve::serve_counting;
use http::{Method, StatusCode};
use tower_health::{ComponentStatus, Details, Group, Health, NamedCheck, Probe};

#[tokio::test]
async fn a_liveness_member_fails_healthz_and_comes_back() {
    let (failing, heartbeat) = switch("stalled");
    let health = Health::builder()
        .add_check(
            NamedCheck::new("loop", heartbeat)
                .probes([Probe::Liveness])
                .failure_threshold(1)
                .interval(Duration::from_millis(20)),
        )
        .build();
    health.mark_started();
    health.start_checks();
    let (addr, _) = serve_counting(&health).await;
    wait_for_status(addr, "/healthz", StatusCode::OK).await;
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);

    failing.store(true, Ordering::SeqCst);
    let down = wait_for_status(addr, "/healthz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(down.json()["checks"]["loop"]["status"], "down");
    let verbose = fetch(addr, "/healthz?verbose").await.text();
    assert_eq!(
        verbose,
        "[+]live ok\n[-]loop failed: reason withheld\nliveness check failed\n"
    );
    // Not a readiness member: readiness does not list it, and passes.
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["checks"], serde_json::json!({}));

    failing.store(false, Ordering::SeqCst);
    wait_for_status(addr, "/healthz", StatusCode::OK).await;
}

#[tokio::test]
async fn a_startup_member_gates_startupz_once() {
    let (failing, migrations) = switch("stalled");
    failing.store(true, Ordering::SeqCst);
    let health = Health::builder()
        .add_check(
            NamedCheck::new("migrations", migrations)
                .probes([Probe::Startup])
                .interval(Duration::from_millis(20)),
        )
        .build();
    health.mark_started();
    health.start_checks();
    let (addr, _) = serve_counting(&health).await;
    settled(&health).await;
    let starting = fetch(addr, "/startupz").await;
    assert_eq!(starting.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(starting.json()["checks"]["migrations"]["status"], "down");
    assert_eq!(fetch(addr, "/readyz").await.json()["reason"], "starting");

    failing.store(false, Ordering::SeqCst);
    wait_for_status(addr, "/startupz", StatusCode::OK).await;
    wait_for_status(addr, "/readyz", StatusCode::OK).await;
    // A latch: failing again changes neither startup nor readiness.
    failing.store(true, Ordering::SeqCst);
    let mut changes = health.subscribe();
    changes
        .wait_for(|s| s.component("migrations").unwrap().status() == ComponentStatus::Down)
        .await
        .unwrap();
    assert_eq!(fetch(addr, "/startupz").await.status, StatusCode::OK);
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_report_only_check_never_changes_a_status_code_but_shows() {
    let health = Health::builder()
        .add_check(NamedCheck::new("search", || async { Err("index offline") }).report_only())
        .details(Details::Always)
        .initial_jitter(Duration::ZERO)
        .build();
    let mut transitions = health.transitions();
    health.mark_started();
    health.start_checks();
    let (addr, _) = serve_counting(&health).await;
    settled(&health).await;

    let transition = transitions.recv().await.unwrap();
    assert_eq!(
        (transition.name.as_str(), transition.to),
        ("search", ComponentStatus::Down)
    );
    for path in ["/healthz", "/readyz", "/startupz", "/health"] {
        assert_eq!(fetch(addr, path).await.status, StatusCode::OK, "{path}");
    }
    let combined = fetch(addr, "/health").await.json();
    assert_eq!(combined["status"], "ok");
    assert_eq!(
        combined["checks"]["search"],
        serde_json::json!({"status": "down", "critical": true, "error": "index offline", "probes": []})
    );
    let verbose = fetch(addr, "/health?verbose").await.text();
    assert!(
        verbose.contains("[-]search failed: index offline\n"),
        "{verbose}"
    );
    assert!(
        !fetch(addr, "/readyz?verbose")
            .await
            .text()
            .contains("search")
    );
}

/// A started health with `database` up, `redis` down, `search` (non-critical) down, and a
/// group `lb` on `/lbz` counting `database` and `search`.
async fn with_group() -> Health {
    let builder = Health::builder()
        .check("database", || async { Ok::<(), String>(()) })
        .check("redis", || async { Err("refused") })
        .add_check(NamedCheck::new("search", || async { Err("offline") }).non_critical())
        .group(Group::new("lb", "/lbz").members(["database", "search"]))
        .group(
            Group::new("strict", "/strict")
                .members(["search"])
                .fail_when_degraded(),
        );
    started_with_results(builder).await
}

#[tokio::test]
async fn a_group_answers_on_its_path_with_its_members_only() {
    let health = with_group().await;
    let (addr, calls) = serve_counting(&health).await;

    let lb = fetch(addr, "/lbz").await;
    assert_eq!(lb.status, StatusCode::OK, "redis is not a member");
    assert_eq!(lb.header("cache-control"), "no-store");
    assert_eq!(
        lb.json(),
        serde_json::json!({"status": "degraded", "checks": {
            "database": {"status": "ok", "critical": true},
            "search": {"status": "down", "critical": false},
        }})
    );
    assert_eq!(
        fetch(addr, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    assert_eq!(
        fetch(addr, "/lbz?verbose").await.text(),
        "[+]database ok\n[-]search (non-critical) failed: reason withheld\nlb check passed (degraded)\n"
    );
    let excluded = fetch(addr, "/lbz?exclude=search").await.json();
    assert_eq!(excluded["status"], "ok");
    assert_eq!(excluded["excluded"], serde_json::json!(["search"]));
    assert_eq!(fetch(addr, "/lbz/database").await.status, StatusCode::OK);
    assert_eq!(
        fetch(addr, "/lbz/search").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        fetch(addr, "/lbz/redis").await.status,
        StatusCode::NOT_FOUND,
        "not a member"
    );
    let ietf = send(
        addr,
        Method::GET,
        "/lbz",
        &[("accept", "application/health+json")],
    )
    .await;
    assert_eq!(ietf.header("content-type"), "application/health+json");
    assert_eq!(ietf.json()["status"], "warn");

    let head = send(addr, Method::HEAD, "/lbz", &[]).await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("content-length"), lb.body.len().to_string());
    assert!(head.body.is_empty());
    let post = send(addr, Method::POST, "/lbz", &[]).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(post.header("allow"), "GET, HEAD");

    // Draining fails the group like readiness.
    health.mark_draining();
    let draining = fetch(addr, "/lbz").await;
    assert_eq!(draining.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(draining.json()["reason"], "shutting down");
    assert_eq!(calls.count(), 0, "nothing reached the inner service");
}

#[tokio::test]
async fn degraded_answers_503_where_mapped() {
    let health = with_group().await;
    let (addr, _) = serve_counting(&health).await;
    let strict = fetch(addr, "/strict").await;
    assert_eq!(strict.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(strict.json()["status"], "degraded");
    assert!(
        fetch(addr, "/strict?verbose")
            .await
            .text()
            .ends_with("strict check failed (degraded)\n")
    );

    let readiness = Health::builder()
        .non_critical_component("search")
        .fail_when_degraded(Probe::Readiness)
        .build();
    readiness.mark_started();
    let (addr, _) = serve_counting(&readiness).await;
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["status"], "degraded");
    assert_eq!(
        fetch(addr, "/health").await.status,
        StatusCode::OK,
        "only readiness mapped"
    );
}

#[test]
fn a_conflicting_group_path_is_refused_naming_it() {
    let error = Health::builder()
        .component("database")
        .group(Group::new("lb", "/healthz").members(["database"]))
        .try_build()
        .unwrap_err();
    assert_eq!(
        error.message(),
        "group \"lb\": path \"/healthz\" is already the path of another probe or group"
    );
    let error = Health::builder()
        .group(Group::new("a", "/lbz"))
        .group(Group::new("b", "/lbz"))
        .try_build()
        .unwrap_err();
    assert!(error.message().contains("\"/lbz\""), "{error}");
    let error = Health::builder()
        .group(Group::new("lb", "/lbz").members(["nope"]))
        .try_build()
        .unwrap_err();
    assert_eq!(
        error.message(),
        "group \"lb\": member \"nope\" is not registered"
    );
}

/// The same groups for two deployments: `lb` requires `database` and takes `cache` where
/// there is one; `deep` counts `lb`'s members and a non-critical `search`, 503 when
/// degraded. `cache` is a check failing with "evicted" when `with_cache`; the switch fails
/// `database`.
fn deployment(with_cache: bool) -> (Arc<AtomicBool>, Health) {
    let (database_down, database) = switch("refused");
    let search = || async { Ok::<(), String>(()) };
    let mut builder = Health::builder()
        .add_check(NamedCheck::new("database", database).interval(Duration::from_millis(20)))
        .add_check(
            NamedCheck::new("search", search)
                .non_critical()
                .interval(Duration::from_millis(20)),
        )
        .failure_threshold(1)
        .group(
            Group::new("lb", "/lbz")
                .members(["database"])
                .optional_members(["cache"]),
        )
        .group(
            Group::new("deep", "/deep")
                .members_of(["lb"])
                .members(["search"])
                .fail_when_degraded(),
        );
    if with_cache {
        builder = builder.check("cache", || async { Err("evicted") });
    }
    (
        database_down,
        builder.initial_jitter(Duration::ZERO).build(),
    )
}

#[tokio::test]
async fn an_absent_optional_member_is_ignored_and_said() {
    let (_, health) = deployment(false);
    health.mark_started();
    health.start_checks();
    settled(&health).await;
    let (addr, calls) = serve_counting(&health).await;

    let lb = fetch(addr, "/lbz").await;
    assert_eq!(lb.status, StatusCode::OK);
    assert_eq!(
        lb.json(),
        serde_json::json!({
            "status": "ok",
            "checks": {"database": {"status": "ok", "critical": true}},
            "absent_optional": ["cache"],
        })
    );
    assert_eq!(
        fetch(addr, "/lbz?verbose").await.text(),
        "[+]database ok\n[+]cache absent: optional, not configured\nlb check passed\n"
    );
    let ietf = send(
        addr,
        Method::GET,
        "/lbz",
        &[("accept", "application/health+json")],
    )
    .await;
    assert_eq!(ietf.json()["status"], "pass");
    assert_eq!(
        ietf.json()["notes"],
        serde_json::json!(["cache: optional, not configured"])
    );
    assert_eq!(
        fetch(addr, "/lbz/cache").await.status,
        StatusCode::NOT_FOUND,
        "no such component here"
    );
    // The built-in probes know nothing of it.
    let ready = fetch(addr, "/readyz?verbose").await.text();
    assert!(!ready.contains("cache"), "{ready}");
    assert!(
        fetch(addr, "/readyz")
            .await
            .json()
            .get("absent_optional")
            .is_none()
    );
    assert_eq!(calls.count(), 0, "nothing reached the inner service");
}

#[tokio::test]
async fn a_present_optional_member_counts_like_any_member() {
    let (_, health) = deployment(true);
    health.mark_started();
    health.start_checks();
    settled(&health).await;
    let (addr, _) = serve_counting(&health).await;

    let lb = fetch(addr, "/lbz").await;
    assert_eq!(lb.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(lb.json()["checks"]["cache"]["status"], "down");
    assert!(lb.json().get("absent_optional").is_none());
    assert_eq!(
        fetch(addr, "/lbz?verbose").await.text(),
        "[-]cache failed: reason withheld\n[+]database ok\nlb check failed\n"
    );
    assert_eq!(
        fetch(addr, "/lbz/cache").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        fetch(addr, "/lbz?exclude=cache").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_nested_group_counts_the_members_of_the_group_it_nests() {
    let (database_down, health) = deployment(false);
    health.mark_started();
    health.start_checks();
    settled(&health).await;
    let (addr, _) = serve_counting(&health).await;

    let deep = fetch(addr, "/deep").await;
    assert_eq!(deep.status, StatusCode::OK);
    assert_eq!(
        deep.json(),
        serde_json::json!({
            "status": "ok",
            "checks": {
                "database": {"status": "ok", "critical": true},
                "search": {"status": "ok", "critical": false},
            },
            "absent_optional": ["cache"],
        })
    );
    assert_eq!(
        fetch(addr, "/deep?verbose").await.text(),
        "[+]database ok\n[+]search (non-critical) ok\n\
         [+]cache absent: optional, not configured\ndeep check passed\n"
    );
    // A member through `lb` has its sub-path under `deep` too.
    assert_eq!(fetch(addr, "/deep/database").await.status, StatusCode::OK);

    // The nested member fails: both groups fail; `deep` lists it as its own member.
    database_down.store(true, Ordering::SeqCst);
    wait_for_status(addr, "/lbz", StatusCode::SERVICE_UNAVAILABLE).await;
    let deep = wait_for_status(addr, "/deep", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(deep.json()["status"], "down");
    assert_eq!(
        fetch(addr, "/deep?verbose").await.text(),
        "[-]database failed: reason withheld\n[+]search (non-critical) ok\n\
         [+]cache absent: optional, not configured\ndeep check failed\n"
    );
    assert_eq!(
        fetch(addr, "/deep/database").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    database_down.store(false, Ordering::SeqCst);
    wait_for_status(addr, "/deep", StatusCode::OK).await;
    let snapshot = health.snapshot();
    let deep = snapshot.groups().find(|g| g.name() == "deep").unwrap();
    assert!(deep.member_names().eq(["search", "database"]));
    assert!(deep.nested_group_names().eq(["lb"]));
}

#[test]
fn nested_group_mistakes_are_refused_naming_them() {
    let error = Health::builder()
        .group(Group::new("a", "/a").members_of(["b"]))
        .group(Group::new("b", "/b").members_of(["a"]))
        .try_build()
        .unwrap_err();
    assert_eq!(
        error.message(),
        "group \"a\": nested groups form a cycle: \"a\" -> \"b\" -> \"a\""
    );
    let error = Health::builder()
        .group(Group::new("deep", "/deep").members_of(["lb"]))
        .try_build()
        .unwrap_err();
    assert_eq!(
        error.message(),
        "group \"deep\": nested group \"lb\" is not registered"
    );
    // Optional members may be absent; required ones still may not.
    let error = Health::builder()
        .group(
            Group::new("lb", "/lbz")
                .members(["database"])
                .optional_members(["cache"]),
        )
        .try_build()
        .unwrap_err();
    assert_eq!(
        error.message(),
        "group \"lb\": member \"database\" is not registered"
    );
}

#[tokio::test]
async fn the_linter_warns_about_a_postgres_check_on_liveness() {
    // A lazy pool: nothing connects until the check runs, and it never runs here.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy("postgres://app@127.0.0.1:1/app")
        .unwrap();
    let health = Health::builder()
        .add_check(
            NamedCheck::new("database", tower_health::checks::postgres(pool))
                .probes([Probe::Readiness, Probe::Liveness]),
        )
        .build();
    let warnings = health.lint(&tower_health::lint::Deployment::new());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .message()
            .starts_with("check \"database\" talks to another host and counts for liveness"),
        "{}",
        warnings[0]
    );
}
