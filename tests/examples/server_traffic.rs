//! `examples/server.rs`'s `/api/flaky`, a route that fails on purpose: it takes the token
//! and a chance from 0 to 1, and fails that often.

use http::{Method, StatusCode};

use crate::common::client::{fetch, send};
use crate::common::examples::Example;

const TOKEN: &[(&str, &str)] = &[("authorization", "Bearer dev-token")];

#[tokio::test]
async fn flaky_route_takes_the_token_and_a_chance_from_0_to_1() {
    let server = Example::start("server", &[]);
    let addr = server.addr;
    for query in [
        "",
        "?fail=",
        "?fail=2",
        "?fail=1.0001",
        "?fail=-0.1",
        "?fail=abc",
        "?fail=NaN",
        "?fail=inf",
        "?other=0.5",
    ] {
        let path = format!("/api/flaky{query}");
        let refused = send(addr, Method::GET, &path, TOKEN).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            refused.text().starts_with("fail "),
            "{path}: {}",
            refused.text()
        );
    }
    let denied = fetch(addr, "/api/flaky?fail=0").await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    for _ in 0..20 {
        let failed = send(addr, Method::GET, "/api/flaky?fail=1", TOKEN).await;
        assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
        let ok = send(addr, Method::GET, "/api/flaky?fail=0", TOKEN).await;
        assert_eq!(ok.status, StatusCode::OK);
    }
    // Half and half, roughly: both answers within 200 requests.
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        seen.insert(
            send(addr, Method::GET, "/api/flaky?fail=0.5", TOKEN)
                .await
                .status,
        );
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
}
