//! `examples/server.rs` operated at runtime: a tenant's check added with `PUT
//! /admin/tenants/<name>` follows its dependency and leaves with `DELETE`; bad input is
//! `400`, an unknown tenant `404`, never `500`.

use http::{Method, StatusCode};

use crate::common::client::{fetch, send};
use crate::common::examples::{Example, check_status, readiness_until};

const AUTH: (&str, &str) = ("authorization", "Bearer dev-token");

#[tokio::test]
async fn a_tenant_added_and_removed_while_serving() {
    let server = Example::start(
        "server",
        &[("CHECK_INTERVAL_MS", "100"), ("CHECK_TIMEOUT_MS", "500")],
    );
    readiness_until(server.addr, "ready", |r| r.status == StatusCode::OK).await;
    let tenant = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let path = format!("/admin/tenants/acme?addr={}", tenant.local_addr().unwrap());
    let put = |path: String, auth: bool| {
        let headers = if auth { vec![AUTH] } else { vec![] };
        async move { send(server.addr, Method::PUT, &path, &headers).await }
    };

    assert_eq!(
        put(path.clone(), false).await.status,
        StatusCode::UNAUTHORIZED
    );
    let added = put(path.clone(), true).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let ready = readiness_until(server.addr, "tenant-acme ok", |r| {
        check_status(r, "tenant-acme") == "ok"
    })
    .await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(put(path.clone(), true).await.status, StatusCode::CONFLICT);

    // Its dependency gone: the critical check takes readiness out.
    drop(tenant);
    let down = readiness_until(server.addr, "503 for tenant-acme", |r| {
        r.status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert_eq!(check_status(&down, "tenant-acme"), "down");

    let delete = |name: &'static str| async move {
        send(
            server.addr,
            Method::DELETE,
            &format!("/admin/tenants/{name}"),
            &[AUTH],
        )
        .await
    };
    assert_eq!(delete("acme").await.status, StatusCode::NO_CONTENT);
    let ready = readiness_until(server.addr, "ready without the tenant", |r| {
        r.status == StatusCode::OK
    })
    .await;
    assert_eq!(check_status(&ready, "tenant-acme"), "missing");
    assert_eq!(
        fetch(server.addr, "/readyz/tenant-acme").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(delete("acme").await.status, StatusCode::NOT_FOUND);
    assert!(
        server.output().contains("tenants: tenant-acme removed"),
        "{}",
        server.output()
    );
}

#[tokio::test]
async fn malformed_tenant_requests_are_400_never_500() {
    let server = Example::start("server", &[]);
    for path in [
        "/admin/tenants/Acme!?addr=127.0.0.1:9",
        "/admin/tenants/acme",
        "/admin/tenants/acme?addr=no-port",
        "/admin/tenants/acme?addr=127.0.0.1:0",
        "/admin/tenants/acme?addr=127.0.0.1:99999",
        "/admin/tenants/a-name-far-too-long-for-a-dns-label-of-sixty-three-characters-at-most?addr=127.0.0.1:9",
    ] {
        let reply = send(server.addr, Method::PUT, path, &[AUTH]).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.text()
        );
    }
    let reply = send(
        server.addr,
        Method::DELETE,
        "/admin/tenants/Bad_Name",
        &[AUTH],
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
}
