//! `PUT /admin/tenants/<name>?addr=host:port` and `DELETE /admin/tenants/<name>`: a critical
//! TCP check `tenant-<name>` per tenant, added and removed while the server runs (a
//! multi-tenant service opening a database per tenant).

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Path, Query};
use http::StatusCode;
use tower_health::health::{AddError, RemoveError};
use tower_health::{Health, NamedCheck, checks};

/// `PUT /admin/tenants/<name>?addr=host:port`: `201` once `tenant-<name>` runs, `409` when the
/// tenant is there already, `400` for a name or an address that is not valid.
pub(crate) async fn put(
    Extension(health): Extension<Health>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> (StatusCode, String) {
    if let Err(why) = valid_name(&name) {
        return (StatusCode::BAD_REQUEST, format!("tenant name {why}\n"));
    }
    let Some(addr) = query.get("addr") else {
        return (
            StatusCode::BAD_REQUEST,
            "addr=host:port is required\n".into(),
        );
    };
    if let Err(why) = valid_addr(addr) {
        return (StatusCode::BAD_REQUEST, format!("addr {why}\n"));
    }
    let check = NamedCheck::new(format!("tenant-{name}"), checks::tcp(addr.clone()));
    match health.add_check(check) {
        Ok(()) => {
            tracing::info!("tenants: tenant-{name} added, checking {addr}");
            (
                StatusCode::CREATED,
                format!("tenant-{name} checks {addr}\n"),
            )
        }
        Err(AddError::NameTaken { .. }) => (
            StatusCode::CONFLICT,
            format!("tenant-{name} is there already: DELETE it first\n"),
        ),
        Err(error) => (StatusCode::BAD_REQUEST, format!("{error}\n")),
    }
}

/// `DELETE /admin/tenants/<name>`: `204` once `tenant-<name>` is gone, `404` when there is no
/// such tenant.
pub(crate) async fn delete(
    Extension(health): Extension<Health>,
    Path(name): Path<String>,
) -> (StatusCode, String) {
    if let Err(why) = valid_name(&name) {
        return (StatusCode::BAD_REQUEST, format!("tenant name {why}\n"));
    }
    match health.remove(&format!("tenant-{name}")) {
        Ok(()) => {
            tracing::info!("tenants: tenant-{name} removed");
            (StatusCode::NO_CONTENT, String::new())
        }
        Err(RemoveError::Unknown { .. }) => (StatusCode::NOT_FOUND, format!("no tenant {name}\n")),
        Err(error) => (StatusCode::CONFLICT, format!("{error}\n")),
    }
}

/// 1 to 63 lowercase letters, digits and dashes, as a DNS label (it becomes a path segment
/// and a gRPC service name).
fn valid_name(name: &str) -> Result<(), &'static str> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    match name.len() {
        1..=63 if name.chars().all(allowed) => Ok(()),
        _ => Err("must be 1 to 63 lowercase letters, digits or dashes"),
    }
}

/// `host:port`, with a port from 1 to 65535.
fn valid_addr(addr: &str) -> Result<(), &'static str> {
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {
            Ok(())
        }
        _ => Err("must be host:port"),
    }
}
