//! gRPC health's `List` (proposal A90) and `Watch` through a real tonic client over a real
//! socket: every name with its status, checks added and removed while serving appearing and
//! disappearing in `List`, `Check` and `Watch`, and `RESOURCE_EXHAUSTED` past 100 names.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::NO_HANG;
use common::grpc::{check, connect, list, listed, next, quiet, wait_for, wait_for_list, watch};
use common::serve::{ephemeral_listener, serve_tonic};
use tonic::Code;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tower_health::grpc::LIST_LIMIT;
use tower_health::grpc::pb::health_check_response::ServingStatus;
use tower_health::{Group, Health, NamedCheck};

use ServingStatus::{NotServing, ServiceUnknown, Serving};

/// `health` behind the layer, with its gRPC health service, on one port.
async fn serve(health: &Health) -> SocketAddr {
    serve_tonic(health, tower_health::grpc::health_service(health).await).await
}

/// A check that always passes.
fn passing(name: &str) -> NamedCheck {
    NamedCheck::new(name, || async { Ok::<(), String>(()) })
}

#[tokio::test]
async fn list_has_the_server_every_component_and_every_group() {
    let health = Health::builder()
        .component("database")
        .component_for("search", [])
        .group(Group::new("lb", "/lbz").members(["database"]))
        .build();
    let addr = serve(&health).await;
    let mut client = connect(addr).await;

    // The first call already tells the truth: not started, nothing reported.
    let expected = listed([
        ("", NotServing),
        ("database", NotServing),
        ("search", NotServing),
        ("lb", NotServing),
    ]);
    assert_eq!(list(&mut client).await, Ok(expected));

    health.mark_started();
    health.mark_up("database");
    health.mark_down("search", "index offline");
    let expected = listed([
        ("", Serving),
        ("database", Serving),
        ("search", NotServing), // report-only: down, but the server serves
        ("lb", Serving),
    ]);
    wait_for_list(&mut client, &expected).await;
    // List, Check and Watch read the same table.
    for (name, status) in &expected {
        assert_eq!(check(&mut client, name).await, Ok(*status), "{name:?}");
        assert_eq!(next(&mut watch(&mut client, name).await).await, *status);
    }

    health.mark_draining();
    let drained = listed([
        ("", NotServing),
        ("database", NotServing),
        ("search", NotServing),
        ("lb", NotServing),
    ]);
    wait_for_list(&mut client, &drained).await;
}

#[tokio::test]
async fn a_check_added_while_serving_appears_and_a_removed_one_disappears() {
    let health = Health::builder()
        .component("queue")
        .interval(Duration::from_millis(50))
        .initial_jitter(Duration::ZERO)
        .build();
    health.mark_started();
    health.mark_up("queue");
    health.start_checks();
    let addr = serve(&health).await;
    let mut client = connect(addr).await;
    wait_for(&mut client, "", Serving).await;

    // A name the server does not know: Check says NOT_FOUND, Watch SERVICE_UNKNOWN and stays.
    assert_eq!(check(&mut client, "cache").await, Err(Code::NotFound));
    let mut cache = watch(&mut client, "cache").await;
    assert_eq!(next(&mut cache).await, ServiceUnknown);
    quiet(&mut cache).await;

    // Added: it shows in List (unknown until its first result, so NOT_SERVING, and so is the
    // server: it is critical), then passes.
    health.add_check(passing("cache")).unwrap();
    let up = listed([("", Serving), ("queue", Serving), ("cache", Serving)]);
    wait_for_list(&mut client, &up).await;
    assert_eq!(check(&mut client, "cache").await, Ok(Serving));
    let mut seen = next(&mut cache).await;
    if seen == NotServing {
        seen = next(&mut cache).await; // its first snapshot, before its first result
    }
    assert_eq!(seen, Serving);

    // Removed: gone from List, Check NOT_FOUND, its watcher told NOT_SERVING then
    // SERVICE_UNKNOWN, and the stream stays open.
    health.remove("cache").unwrap();
    let gone = listed([("", Serving), ("queue", Serving)]);
    wait_for_list(&mut client, &gone).await;
    assert_eq!(check(&mut client, "cache").await, Err(Code::NotFound));
    assert_eq!(next(&mut cache).await, NotServing);
    assert_eq!(next(&mut cache).await, ServiceUnknown);
    quiet(&mut cache).await;

    // Back under the same name: the same stream follows it again.
    health.add_check(passing("cache")).unwrap();
    wait_for_list(&mut client, &up).await;
    let mut seen = next(&mut cache).await;
    if seen == NotServing {
        seen = next(&mut cache).await;
    }
    assert_eq!(seen, Serving);
}

#[tokio::test]
async fn list_answers_resource_exhausted_past_a_hundred_names() {
    // "" and 99 components: 100 names, as many as List answers with.
    let mut builder = Health::builder();
    for n in 1..LIST_LIMIT {
        builder = builder.component(format!("c{n:03}"));
    }
    let health = builder.initial_jitter(Duration::ZERO).build();
    health.start_checks();
    let addr = serve(&health).await;
    let mut client = connect(addr).await;
    let all = list(&mut client).await.unwrap();
    assert_eq!(all.len(), 100);
    assert_eq!(all["c099"], NotServing);

    // One more, added while serving: List refuses, Check still answers.
    health.add_check(passing("one-too-many")).unwrap();
    let deadline = Instant::now() + NO_HANG;
    while list(&mut client).await != Err(Code::ResourceExhausted) {
        assert!(Instant::now() < deadline, "List never refused 101 names");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_for(&mut client, "one-too-many", Serving).await;
    assert_eq!(check(&mut client, "c001").await, Ok(NotServing));

    // Removed: 100 again, and List answers.
    health.remove("one-too-many").unwrap();
    let deadline = Instant::now() + NO_HANG;
    while list(&mut client).await.map(|all| all.len()) != Ok(100) {
        assert!(Instant::now() < deadline, "List never answered again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_last_handle_dropped_ends_watch_streams_after_not_serving() {
    let health = Health::builder().component("queue").build();
    health.mark_started();
    health.mark_up("queue");
    // The service alone, without the layer (which would hold a handle).
    let grpc_health = tower_health::grpc::health_service(&health).await;
    let (listener, addr) = ephemeral_listener().await;
    let server = Server::builder()
        .add_service(grpc_health)
        .serve_with_incoming(TcpIncoming::from(listener));
    tokio::spawn(server);
    let mut client = connect(addr).await;
    let mut queue = watch(&mut client, "queue").await;
    assert_eq!(next(&mut queue).await, Serving);

    // Nothing vouches for the statuses any more: NOT_SERVING, then the stream ends.
    drop(health);
    assert_eq!(next(&mut queue).await, NotServing);
    let ended = tokio::time::timeout(NO_HANG, queue.message())
        .await
        .unwrap();
    assert!(
        matches!(ended, Ok(None)),
        "the Watch stream went on: {ended:?}"
    );
    assert_eq!(check(&mut client, "queue").await, Ok(NotServing));
    assert_eq!(list(&mut client).await.unwrap()[""], NotServing);
}
