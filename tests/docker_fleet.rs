//! The fleet on real hosts: three replicas of the image, each a container with an address of
//! its own, sharing one Redis container (`SHARED_CHECKS=redis`, `PEERS` naming all three).
//! `docker network disconnect` cuts one replica from Redis alone: that one fails readiness,
//! the others do not. Redis stopped for all: readiness holds (degraded) on every replica.
//! Reconnected, restarted: each comes back. Needs a Docker engine: ./scripts/test.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::client::fetch;
use common::docker::{Container, LOCKED_DOWN, Network, docker, image, redis};
use common::examples::readiness_until;
use http::StatusCode;

const FLEET_WIDE: &str = "redis down across the fleet (2/2 peers)";
const REPLICAS: usize = 3;

#[tokio::test]
async fn a_replica_cut_off_fails_alone_and_a_fleet_wide_outage_holds() {
    // The replicas ask each other over `peers`; Redis is on `data` only.
    let peers = Network::create("peers");
    let data = Network::create("data");
    let redis = redis(&data);
    let names: Vec<String> = (0..REPLICAS).map(|i| format!("replica-{i}")).collect();
    let peer_list = format!(
        "PEERS={}",
        names
            .iter()
            .map(|name| format!("{name}:9090"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let replicas: Vec<Container> = names
        .iter()
        .map(|alias| {
            let mut args: Vec<&str> = LOCKED_DOWN.to_vec();
            args.extend(["--network", &peers.name, "--network-alias", alias]);
            for env in [
                "REDIS_URL=redis://redis:6379",
                "SHARED_CHECKS=redis",
                &peer_list,
                "CHECK_INTERVAL_MS=300",
                "CHECK_TIMEOUT_MS=1000",
            ] {
                args.extend(["-e", env]);
            }
            args.push(image());
            let replica = Container::run("replica", &args);
            docker(&["network", "connect", &data.name, &replica.name]);
            replica
        })
        .collect();
    let probes: Vec<SocketAddr> = replicas.iter().map(|r| r.addr(&peers, 9090)).collect();
    for &addr in &probes {
        readiness_until(addr, "ready", |r| {
            r.status == StatusCode::OK && r.json()["status"] == "ok"
        })
        .await;
    }

    // One replica cut off from Redis alone: its peers still reach it, and say Redis is up.
    let cut = Instant::now();
    docker(&["network", "disconnect", &data.name, &replicas[0].name]);
    let alone = readiness_until(probes[0], "503 on the replica cut off", |r| {
        r.status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    println!("replica cut off: 503 after {:?}", cut.elapsed());
    assert_eq!(alone.json()["checks"]["redis"]["status"], "down");
    for &addr in &probes[1..] {
        let ready = fetch(addr, "/readyz").await;
        assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
        assert_eq!(ready.json()["status"], "ok");
    }
    docker(&["network", "connect", &data.name, &replicas[0].name]);
    let back = readiness_until(probes[0], "ready again", |r| r.status == StatusCode::OK).await;
    println!("replica reconnected: ready again after {:?}", cut.elapsed());
    assert_eq!(back.json()["checks"]["redis"]["status"], "ok");

    // Redis stopped for all: every replica holds readiness, degraded.
    let stopped = Instant::now();
    redis.stop();
    for &addr in &probes {
        let held = readiness_until(addr, "degraded across the fleet", |r| {
            r.status == StatusCode::OK && r.json()["reason"] == FLEET_WIDE
        })
        .await;
        assert_eq!(held.json()["status"], "degraded");
        assert_eq!(held.json()["checks"]["redis"]["status"], "down");
    }
    println!(
        "redis stopped: every replica held (degraded) after {:?}",
        stopped.elapsed()
    );
    for _ in 0..10 {
        for &addr in &probes {
            let ready = fetch(addr, "/readyz").await;
            assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    redis.start();
    for &addr in &probes {
        readiness_until(addr, "ok again", |r| {
            r.status == StatusCode::OK && r.json()["status"] == "ok"
        })
        .await;
    }
    for replica in &replicas {
        assert_eq!(replica.inspect("{{.RestartCount}}"), "0");
    }
}
