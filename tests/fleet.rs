//! Fleet-wide outages of shared checks, over real HTTP on 127.0.0.1: replicas served by
//! axum behind `HealthLayer` ask each other about a failing shared check; a lone outage
//! fails readiness, a fleet-wide one holds it (degraded), on the gRPC health service too;
//! no answer, a hanging, garbage or 500 peer, a bare 503, a redirect or a peer whose check
//! never ran is no evidence; a recovering fleet keeps its hold; questions are bounded and
//! only asked while failing.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::NO_HANG;
use common::client::{fetch, wait_for_status};
use common::fleet::{
    INTERVAL, fleet, fleet_with, replica, stays_unready, wait_for_body_status, wait_for_view,
};
use common::grpc::{check, connect, wait_for};
use common::peers::{bare_peer, garbage_peer, hanging_peer, redirecting_peer};
use common::serve::{ephemeral_listener, serve_counting, serve_tonic};
use http::StatusCode;
use tokio::time::Instant;
use tower_health::fleet::Peers;
use tower_health::grpc::pb::health_check_response::ServingStatus::{NotServing, Serving};
use tower_health::{Health, NamedCheck};

#[tokio::test]
async fn a_lone_outage_fails_only_the_replica_cut_off() {
    let replicas = fleet(3, |peers| peers).await;
    replicas[0].fail(true);
    let down = wait_for_status(replicas[0].addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(down.json()["checks"]["redis"]["status"], "down");
    let combined = fetch(replicas[0].addr, "/health").await.json();
    assert_eq!(
        combined["checks"]["redis"]["fleet"],
        "down here only (0/2 peers see it down)"
    );
    for _ in 0..10 {
        for other in &replicas[1..] {
            assert_eq!(fetch(other.addr, "/readyz").await.status, StatusCode::OK);
        }
        tokio::time::sleep(INTERVAL).await;
    }
    replicas[0].fail(false);
    let back = wait_for_status(replicas[0].addr, "/readyz", StatusCode::OK).await;
    assert_eq!(back.json()["status"], "ok");
    assert!(back.json()["checks"]["redis"].get("fleet").is_none());
}

#[tokio::test]
async fn a_fleet_wide_outage_holds_readiness_degraded_and_liveness_alone() {
    let replicas = fleet(3, |peers| peers).await;
    for replica in &replicas {
        replica.fail(true);
    }
    for replica in &replicas {
        let held = wait_for_body_status(replica.addr, "degraded").await;
        assert_eq!(
            held.json()["reason"],
            "redis down across the fleet (2/2 peers)"
        );
        assert_eq!(held.json()["checks"]["redis"]["status"], "down");
    }
    // Once settled, readiness never fails while the whole fleet shares the outage.
    for _ in 0..15 {
        for replica in &replicas {
            let ready = fetch(replica.addr, "/readyz").await;
            assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
            // A peer's per-check answer is the check's own status, never the verdict.
            let own = fetch(replica.addr, "/readyz/redis").await;
            assert_eq!(own.status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(own.header("x-health-instance").len(), 16);
            assert_eq!(fetch(replica.addr, "/healthz").await.status, StatusCode::OK);
        }
        tokio::time::sleep(INTERVAL).await;
    }
    let verbose = fetch(replicas[1].addr, "/readyz?verbose").await.text();
    assert!(
        verbose.contains("[-]redis failed: reason withheld; down across the fleet (2/2 peers)"),
        "{verbose}"
    );
    assert!(
        verbose.starts_with("[+]fleet ok: redis down across the fleet (2/2 peers)\n"),
        "{verbose}"
    );
    assert!(!verbose.contains("lifecycle"), "{verbose}");
    for replica in &replicas {
        replica.fail(false);
    }
    for replica in &replicas {
        wait_for_body_status(replica.addr, "ok").await;
    }
}

#[tokio::test]
async fn the_grpc_health_service_follows_the_fleet_verdict() {
    let replicas = fleet(3, |peers| peers).await;
    let health = &replicas[0].health;
    let addr = serve_tonic(health, tower_health::grpc::health_service(health).await).await;
    let mut client = connect(addr).await;
    wait_for(&mut client, "", Serving).await;

    // Down here alone: the server is NOT_SERVING, as readiness fails.
    replicas[0].fail(true);
    wait_for(&mut client, "", NotServing).await;
    assert_eq!(check(&mut client, "redis").await, Ok(NotServing));
    assert_eq!(
        fetch(addr, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    // Down across the fleet: readiness holds (degraded), and so does `""`; the check itself
    // is still down here.
    for replica in &replicas[1..] {
        replica.fail(true);
    }
    wait_for(&mut client, "", Serving).await;
    for _ in 0..10 {
        assert_eq!(check(&mut client, "").await, Ok(Serving));
        assert_eq!(check(&mut client, "redis").await, Ok(NotServing));
        tokio::time::sleep(INTERVAL).await;
    }
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(
        ready.json()["reason"],
        "redis down across the fleet (2/2 peers)"
    );

    for replica in &replicas {
        replica.fail(false);
    }
    wait_for(&mut client, "redis", Serving).await;
    assert_eq!(check(&mut client, "").await, Ok(Serving));
}

#[tokio::test]
async fn no_answer_is_no_evidence() {
    // Two addresses nobody listens on (bound, then closed), and the replica itself.
    let (gone_a, a) = ephemeral_listener().await;
    let (gone_b, b) = ephemeral_listener().await;
    drop((gone_a, gone_b));
    let (listener, own) = ephemeral_listener().await;
    let peers = Peers::new([a.to_string(), b.to_string(), own.to_string()]);
    let replica = replica(listener, peers);
    wait_for_status(replica.addr, "/readyz", StatusCode::OK).await;
    replica.fail(true);
    wait_for_status(replica.addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    // Once it has recognised itself, only the two others are asked.
    wait_for_view(replica.addr, "no peer answered (2 asked)").await;
    assert_eq!(
        replica.asked.count(),
        1,
        "it asked itself once, then never again"
    );
}

#[tokio::test]
async fn hanging_garbage_and_500_peers_are_no_answer_and_probes_stay_instant() {
    let peers = [
        hanging_peer().await,
        garbage_peer().await,
        bare_peer(StatusCode::INTERNAL_SERVER_ERROR).await.0,
    ];
    let timeout = Duration::from_secs(2);
    let (listener, _) = ephemeral_listener().await;
    let peers = Peers::new(peers.map(|peer| peer.to_string())).timeout(timeout);
    let replica = replica(listener, peers);
    wait_for_status(replica.addr, "/readyz", StatusCode::OK).await;
    replica.fail(true);
    let started = Instant::now();
    wait_for_status(replica.addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    // While the engine waits out the hanging peer, probes answer from the snapshot.
    let mut slowest = Duration::ZERO;
    while started.elapsed() < timeout * 2 {
        let asked = Instant::now();
        assert_eq!(fetch(replica.addr, "/healthz").await.status, StatusCode::OK);
        slowest = slowest.max(asked.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(slowest < timeout / 4, "a probe took {slowest:?}");
    let combined = fetch(replica.addr, "/health").await.json();
    assert_eq!(
        combined["checks"]["redis"]["fleet"], "no peer answered (3 asked)",
        "{combined}"
    );
}

#[tokio::test]
async fn peers_are_asked_at_most_k_per_run_while_failing_and_never_while_healthy() {
    let replicas = fleet(4, |peers| peers.ask(2)).await;
    tokio::time::sleep(INTERVAL * 10).await;
    let healthy: usize = replicas.iter().map(|replica| replica.asked.count()).sum();
    assert_eq!(healthy, 0, "peers asked while every check passes");

    replicas[0].fail(true);
    wait_for_status(replicas[0].addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    tokio::time::sleep(INTERVAL * 10).await;
    replicas[0].fail(false);
    wait_for_status(replicas[0].addr, "/readyz", StatusCode::OK).await;
    let runs = replicas[0].failed_runs.load(Ordering::SeqCst);
    let asked: usize = replicas.iter().map(|replica| replica.asked.count()).sum();
    println!("{runs} failing runs, {asked} questions");
    assert!(runs >= 5, "{runs}");
    assert!(
        asked >= runs,
        "every failing run asks: {asked} for {runs} runs"
    );
    assert!(
        asked <= runs * 2,
        "at most k = 2 per run: {asked} for {runs} runs"
    );

    tokio::time::sleep(INTERVAL * 5).await;
    let settled: usize = replicas.iter().map(|replica| replica.asked.count()).sum();
    tokio::time::sleep(INTERVAL * 10).await;
    let later: usize = replicas.iter().map(|replica| replica.asked.count()).sum();
    assert_eq!(settled, later, "peers asked after the check passed again");
}

#[tokio::test]
async fn peers_are_found_anew_each_round() {
    let replicas = fleet(2, |peers| peers).await;
    let failing_peer = replicas[1].addr;
    replicas[1].fail(true);
    // The first round finds a dead address only; later rounds find the failing peer.
    let (gone, dead) = ephemeral_listener().await;
    drop(gone);
    let rounds = Arc::new(AtomicUsize::new(0));
    let counted = rounds.clone();
    let peers = Peers::discover(move || {
        let round = counted.fetch_add(1, Ordering::SeqCst);
        async move { Ok(vec![if round == 0 { dead } else { failing_peer }]) }
    });
    let (listener, _) = ephemeral_listener().await;
    let replica = replica(listener, peers);
    wait_for_status(replica.addr, "/readyz", StatusCode::OK).await;
    replica.fail(true);
    let held = wait_for_body_status(replica.addr, "degraded").await;
    assert_eq!(
        held.json()["reason"],
        "redis down across the fleet (1/1 peers)"
    );
    assert!(rounds.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn peers_on_their_way_down_count_so_readiness_never_blinks() {
    // Three failures in a row turn the check down: the first replica to get there asks peers
    // whose checks are still up, but whose last results failed. They count as seeing it down.
    let replicas = fleet_with(3, |peers| peers, |builder| builder.failure_threshold(3)).await;
    for replica in &replicas {
        replica.fail(true);
    }
    let deadline = Instant::now() + NO_HANG;
    let mut held = 0;
    while held < replicas.len() {
        assert!(Instant::now() < deadline, "the fleet verdict never settled");
        held = 0;
        for replica in &replicas {
            let ready = fetch(replica.addr, "/readyz").await;
            assert_eq!(
                ready.status,
                StatusCode::OK,
                "readiness blinked: {}",
                ready.text()
            );
            held += usize::from(ready.json()["status"] == "degraded");
        }
    }
    let own = fetch(replicas[0].addr, "/readyz/redis").await;
    assert_eq!(own.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(own.header("x-health-last-result"), "fail");
    for replica in &replicas {
        replica.fail(false);
        wait_for_body_status(replica.addr, "ok").await;
    }
    let own = fetch(replicas[0].addr, "/readyz/redis").await;
    assert_eq!(own.header("x-health-last-result"), "pass");
}

#[tokio::test]
async fn a_bare_503_or_a_redirect_is_no_answer_and_no_redirect_is_followed() {
    // A real replica whose redis is down: the redirect leads to it, and must not be followed.
    let (listener, _) = ephemeral_listener().await;
    let down = replica(listener, Peers::new(Vec::<String>::new()));
    down.fail(true);
    wait_for_status(down.addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    let (bare, bare_asked) = bare_peer(StatusCode::SERVICE_UNAVAILABLE).await;
    let (redirect, redirect_asked) = redirecting_peer(down.addr).await;
    let bare_answer = fetch(bare, "/readyz/redis").await;
    assert_eq!(bare_answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(bare_answer.headers.get("x-health-instance").is_none());

    let (listener, _) = ephemeral_listener().await;
    let peers = Peers::new([bare.to_string(), redirect.to_string()]);
    let replica = replica(listener, peers);
    wait_for_status(replica.addr, "/readyz", StatusCode::OK).await;
    let (bare_before, redirect_before) = (bare_asked.count(), redirect_asked.count());
    replica.fail(true);
    wait_for_status(replica.addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    wait_for_view(replica.addr, "no peer answered (2 asked)").await;
    stays_unready(replica.addr, 10).await;
    assert!(
        bare_asked.count() > bare_before,
        "the bare peer was never asked"
    );
    assert!(
        redirect_asked.count() > redirect_before,
        "the redirect was never asked"
    );
    assert_eq!(down.asked.count(), 0, "a redirect was followed");
}

#[tokio::test]
async fn peers_whose_check_never_ran_cannot_make_an_outage_fleet_wide() {
    // Two pods fresh in a rollout: their shared check has no result yet (its engine never
    // started), so their per-check answer is 503 with `x-health-last-result: none`.
    let mut fresh = Vec::new();
    for _ in 0..2 {
        let never = || async { Ok::<(), String>(()) };
        let health = Health::builder()
            .add_check(NamedCheck::new("redis", never).shared())
            .build();
        health.mark_started();
        let (addr, _) = serve_counting(&health).await;
        let own = fetch(addr, "/readyz/redis").await;
        assert_eq!(own.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(own.header("x-health-last-result"), "none");
        assert_eq!(own.header("x-health-instance").len(), 16);
        fresh.push((health, addr));
    }
    let (listener, _) = ephemeral_listener().await;
    let peers = Peers::new(fresh.iter().map(|(_, addr)| addr.to_string()));
    let replica = replica(listener, peers);
    wait_for_status(replica.addr, "/readyz", StatusCode::OK).await;
    replica.fail(true);
    wait_for_status(replica.addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    wait_for_view(replica.addr, "no peer answered (2 asked)").await;
    stays_unready(replica.addr, 10).await;
}

#[tokio::test]
async fn a_fleet_recovering_under_a_success_threshold_keeps_readiness() {
    let replicas = fleet_with(3, |peers| peers, |builder| builder.success_threshold(3)).await;
    for replica in &replicas {
        replica.fail(true);
    }
    for replica in &replicas {
        wait_for_body_status(replica.addr, "degraded").await;
    }
    // Redis is back: each check needs three passing runs to turn up, and until then it is
    // still down here; the fleet's view must hold readiness all the way.
    for replica in &replicas {
        replica.fail(false);
    }
    let deadline = Instant::now() + NO_HANG;
    let mut recovered = 0;
    let mut held_while_down = 0;
    while recovered < replicas.len() {
        assert!(Instant::now() < deadline, "the fleet never recovered");
        recovered = 0;
        for replica in &replicas {
            let ready = fetch(replica.addr, "/readyz").await;
            assert_eq!(
                ready.status,
                StatusCode::OK,
                "readiness failed during the recovery: {}",
                ready.text()
            );
            let body = ready.json();
            recovered += usize::from(body["status"] == "ok");
            held_while_down += usize::from(
                body["status"] == "degraded" && body["checks"]["redis"]["status"] == "down",
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(held_while_down > 0, "the recovery was never seen");
    let combined = fetch(replicas[0].addr, "/health").await.json();
    assert!(
        combined["checks"]["redis"].get("fleet").is_none(),
        "{combined}"
    );
}
