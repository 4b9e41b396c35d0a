//! A NATS check over the application's async-nats client.

use std::time::Duration;

use async_nats::client::RequestErrorKind;
use async_nats::connection::State;
use async_nats::{Client, Subject};
use bytes::Bytes;

use super::check::{Check, CheckFuture};
use super::error::CheckError;

/// How often a run waiting for the server looks whether the client is still connected.
const STATE_POLL: Duration = Duration::from_millis(5);

/// Passes when the application's async-nats client is connected and the server answers a
/// request: a round trip to the server on the client's own connection.
///
/// The client's `flush()` would not do: it returns once the client's buffer is written to
/// the socket, without waiting for the server. So the check sends an empty request to a
/// subject nobody subscribes to (a fresh inbox subject of the client, or
/// [`NatsCheck::subject`]) and passes on any answer, the server's own `no responders`
/// status included: only the server, having read the request, sends that. The client keeps
/// one subscription for all its requests' replies; the check adds none.
///
/// The client reconnects by itself, so a clone of the application's client follows it
/// through a server's restart. The check fails at once, without waiting for the server,
/// while the client's state says it is not connected, and as soon as the state changes
/// while it waits:
///
/// | the client | result | reason |
/// |---|---|---|
/// | connected, the request answered | up | |
/// | lost its server, reconnecting | down, at once | `nats: disconnected` |
/// | not connected yet (`retry_on_initial_connect`) | down, at once | `nats: not connected yet` |
/// | connected, no answer within the engine's timeout | down | `timed out after …` |
/// | the request refused by the client (a bad subject, a closed client) | down | `nats: invalid subject`, `nats: request failed: …` |
///
/// A subject the account may not publish to makes the server refuse the request, and the
/// run times out: give such an account a subject it may publish to with
/// [`NatsCheck::subject`] (one nobody answers is fine; one something answers, cheaply, too).
///
/// Reasons never carry the server's URL or credentials. async-nats itself logs the server's
/// address with its `Debug` form, credentials in the URL included, at `debug` level: give
/// the client its credentials with `ConnectOptions::with_user_and_password` (or a token, a
/// credentials file) rather than in the URL.
///
/// ```no_run
/// # async fn example() -> Result<(), async_nats::ConnectError> {
/// use tower_health::{Health, checks};
///
/// // The application's client, made once at start; it reconnects by itself.
/// let client = async_nats::ConnectOptions::with_user_and_password("app".into(), "secret".into())
///     .retry_on_initial_connect()
///     .connect("nats://127.0.0.1:4222")
///     .await?;
/// let health = Health::builder()
///     .check("nats", checks::nats(client.clone()))
///     .build();
/// # Ok(()) }
/// ```
pub fn nats(client: Client) -> NatsCheck {
    NatsCheck {
        client,
        subject: None,
    }
}

/// The check made by [`nats()`].
#[derive(Clone)]
pub struct NatsCheck {
    client: Client,
    subject: Option<Subject>,
}

impl NatsCheck {
    /// Send the check's request to `subject` instead of a fresh inbox subject of the client
    /// (`_INBOX.…`, or under the client's custom inbox prefix): for an account that may not
    /// publish there. The request is empty; any answer passes, `no responders` included.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(Subject::from(subject.into()));
        self
    }
}

impl std::fmt::Debug for NatsCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsCheck")
            .field("state", &self.client.connection_state())
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl Check for NatsCheck {
    fn is_remote(&self) -> bool {
        true
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin(async move {
            if let Some(reason) = unusable(&self.client) {
                return Err(reason);
            }
            let subject = match &self.subject {
                Some(subject) => subject.clone(),
                None => Subject::from(self.client.new_inbox()),
            };
            let request = async {
                match self.client.request(subject, Bytes::new()).await {
                    Ok(_) => Ok(()),
                    Err(error) => match error.kind() {
                        // Nobody listens, and the server said so: it answered.
                        RequestErrorKind::NoResponders => Ok(()),
                        _ => Err(unusable(&self.client).unwrap_or_else(|| describe(&error))),
                    },
                }
            };
            tokio::select! {
                biased;
                result = request => result,
                reason = turns_unusable(&self.client) => Err(reason),
            }
        })
    }
}

/// Why the client cannot pass in its present state, or `None` when it is connected.
fn unusable(client: &Client) -> Option<CheckError> {
    match client.connection_state() {
        State::Connected => None,
        State::Disconnected => Some(CheckError::new("nats: disconnected")),
        State::Pending => Some(CheckError::new("nats: not connected yet")),
    }
}

/// Resolves with the reason once the client is no longer connected: a run waiting for a
/// server that just went away ends with the state's reason, not the engine's timeout.
async fn turns_unusable(client: &Client) -> CheckError {
    loop {
        tokio::time::sleep(STATE_POLL).await;
        if let Some(reason) = unusable(client) {
            return reason;
        }
    }
}

/// A short reason for a failed request.
fn describe(error: &async_nats::RequestError) -> CheckError {
    CheckError::new(match error.kind() {
        RequestErrorKind::TimedOut => "nats: timed out".to_owned(),
        RequestErrorKind::InvalidSubject => "nats: invalid subject".to_owned(),
        _ => format!("nats: {error}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_short() {
        let timed_out = async_nats::RequestError::new(RequestErrorKind::TimedOut);
        assert_eq!(describe(&timed_out).message(), "nats: timed out");
        let other = async_nats::RequestError::with_source(RequestErrorKind::Other, "closed");
        assert_eq!(describe(&other).message(), "nats: request failed: closed");
    }
}
