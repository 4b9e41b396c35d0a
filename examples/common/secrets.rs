//! The reference server's secrets: the bearer token of `/api` and `/admin`, compared in
//! constant time; who sees error details in health bodies (`HEALTH_DETAILS_TOKEN`,
//! `HEALTH_DETAILS_LOOPBACK`); and the warning no one can miss when the token is the public
//! default on an address other than loopback.

use std::net::SocketAddr;

use axum::body::Body;
use http::{HeaderValue, Request, Response, StatusCode, header};
use subtle::ConstantTimeEq;
use tower_health::Details;

use super::switch::Switch;

/// The API token when `API_TOKEN` is unset: public, for a server on loopback only.
pub(crate) const DEFAULT_API_TOKEN: &str = "dev-token";

/// The details policy from the environment, printed: requests with `x-health-token:
/// <HEALTH_DETAILS_TOKEN>` (compared in constant time), and with
/// `HEALTH_DETAILS_LOOPBACK=on` requests from this host, see error details; without either,
/// nobody. A token no request could send (leading or trailing whitespace, a control
/// character) is an error naming the variable, never the token.
pub(crate) fn details_from_env() -> Result<Details, String> {
    let token = super::optional_secret("HEALTH_DETAILS_TOKEN", "unset: no token shows details");
    let loopback = super::env_or("HEALTH_DETAILS_LOOPBACK", Switch::Off)?;
    let by_token = match token {
        Some(token) => Details::token("x-health-token", token)
            .map_err(|error| format!("HEALTH_DETAILS_TOKEN is not valid: {error}"))?,
        None => Details::Never,
    };
    Ok(match loopback {
        Switch::On => by_token.or(Details::loopback()),
        Switch::Off => by_token,
    })
}

/// A tower-http request validator: `Authorization: Bearer <token>`, compared in constant
/// time, or `401`.
#[allow(
    clippy::result_large_err,
    reason = "the signature tower-http's ValidateRequest asks for"
)]
pub(crate) fn bearer(
    token: &str,
) -> impl FnMut(&mut Request<Body>) -> Result<(), Response<Body>> + Clone + Send + 'static {
    let expected = format!("Bearer {token}").into_bytes();
    move |request: &mut Request<Body>| {
        let given = request.headers().get(header::AUTHORIZATION);
        if given.is_some_and(|value| value.as_bytes().ct_eq(&expected).into()) {
            return Ok(());
        }
        let mut response = Response::new(Body::from("unauthorized\n"));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        let challenge = HeaderValue::from_static("Bearer");
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
        Err(response)
    }
}

/// Say, on stderr in a frame and in the log, that `/api` and `/admin` take the public
/// default token, when the server listens on `addr` and that is not a loopback address:
/// anyone who reaches it can hold readiness out and add checks. Whether it said so.
pub(crate) fn warn_of_default_token(api_token: &str, addr: SocketAddr) -> bool {
    if api_token != DEFAULT_API_TOKEN || addr.ip().to_canonical().is_loopback() {
        return false;
    }
    let frame = "!".repeat(78);
    eprintln!(
        "{frame}\n\
         !! WARNING: API_TOKEN is the public default {DEFAULT_API_TOKEN:?}, and this server\n\
         !! listens on {addr}, which is not loopback. Anyone who can reach it can call\n\
         !! /api and /admin: hold readiness out, stop the job loop, add checks.\n\
         !! Set API_TOKEN to a secret of your own, e.g. API_TOKEN=\"$(openssl rand -hex 32)\".\n\
         {frame}"
    );
    tracing::warn!(
        %addr,
        "API_TOKEN is the public default {DEFAULT_API_TOKEN:?} on an address other than \
         loopback: anyone who can reach it can call /api and /admin; set API_TOKEN"
    );
    true
}
