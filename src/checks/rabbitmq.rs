//! A RabbitMQ check over the application's lapin connection, whichever way the application
//! reconnects.

use std::sync::Arc;
use std::time::Duration;

use lapin::{Connection, ConnectionStatus, ErrorKind};
use tokio::sync::watch;

use super::check::{Check, CheckFuture};
use super::error::CheckError;

/// The longest part of a broker's or driver's message kept in a reason, in bytes.
const MESSAGE_LIMIT: usize = 120;

/// How often a run waiting for the broker looks whether the connection is still up.
const STATE_POLL: Duration = Duration::from_millis(5);

/// Passes when the application's current lapin connection is connected and a channel opens
/// (and closes) on it: two round trips to the broker on the application's own TCP
/// connection, no new connection.
///
/// `connection` is where the check finds the application's current connection: an
/// `Arc<Connection>` that lapin recovers itself, or a [`watch::Receiver`] the application's
/// reconnect task sends new connections into (see [`RabbitmqConnection`] for which to
/// choose). It never connects on its own. It fails at once, without waiting for the
/// broker, when the connection's state already says it is not usable, and as soon as the
/// state changes while it waits:
///
/// | the connection | result | reason |
/// |---|---|---|
/// | connected, a channel opens and closes | up | |
/// | blocked by the broker (a memory or disk alarm: publishes wait) | degraded (passing) | `rabbitmq: connection blocked by the broker` |
/// | lost, lapin reconnecting (`enable_auto_recover`) | down, at once | `rabbitmq: disconnected, reconnecting` |
/// | lost, not recovering (or lapin gave up) | down, at once | `rabbitmq: disconnected` |
/// | closed by the application | down, at once | `rabbitmq: connection closed` |
/// | none yet (`None` in the watch channel) | down, at once | `rabbitmq: not connected` |
/// | the broker refuses the channel | down | `rabbitmq: ` and the start of the broker's reply |
///
/// A broker that stops answering without closing the connection is cut by the engine's
/// timeout, or noticed by lapin's heartbeats. Reasons never carry the connection's URI.
///
/// ```no_run
/// # async fn example() -> lapin::Result<()> {
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// use lapin::{Connection, ConnectionProperties};
/// use tower_health::{Health, checks};
///
/// // The application's connection, which lapin recovers after the broker comes back,
/// // retrying every 5 s at most, for as long as it takes.
/// let properties = ConnectionProperties::default()
///     .enable_auto_recover()
///     .configure_backoff(|backoff| {
///         backoff.with_max_delay(Duration::from_secs(5)).without_max_times()
///     });
/// let connection = Arc::new(Connection::connect("amqp://127.0.0.1:5672/%2f", properties).await?);
/// let health = Health::builder()
///     .check("rabbitmq", checks::rabbitmq(connection.clone()))
///     .build();
/// # Ok(()) }
/// ```
///
/// When the application replaces its connection itself:
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// use lapin::{Connection, ConnectionProperties};
/// use tokio::sync::watch;
/// use tower_health::{Health, checks};
///
/// /// Keep `current` holding a live connection to `url`, replacing a broken one.
/// async fn keep_connected(url: String, current: watch::Sender<Option<Arc<Connection>>>) {
///     loop {
///         match Connection::connect(&url, ConnectionProperties::default()).await {
///             Ok(connection) => {
///                 let connection = Arc::new(connection);
///                 current.send_replace(Some(connection.clone()));
///                 while connection.status().connected() {
///                     tokio::time::sleep(Duration::from_millis(250)).await;
///                 }
///                 current.send_replace(None);
///             }
///             Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
///         }
///     }
/// }
///
/// # async fn example() {
/// let (current, connection) = watch::channel(None);
/// tokio::spawn(keep_connected("amqp://127.0.0.1:5672/%2f".into(), current));
/// let health = Health::builder()
///     .check("rabbitmq", checks::rabbitmq(connection.clone()))
///     .build();
/// // Publishers take `connection.borrow().clone()` and open their channels on it.
/// # }
/// ```
pub fn rabbitmq<C: RabbitmqConnection>(connection: C) -> RabbitmqCheck<C> {
    RabbitmqCheck { connection }
}

/// Where [`rabbitmq()`] finds the application's current lapin [`Connection`], on every run.
///
/// A lapin connection that breaks stays broken unless it was made with
/// [`ConnectionProperties::enable_auto_recover`](lapin::ConnectionProperties::enable_auto_recover),
/// and even then lapin gives up once its reconnect backoff is spent (16 attempts by default,
/// their delays doubling up to a minute). So the check does not keep one connection for
/// good: it asks for the application's *current* one on every run, and follows the
/// application through whichever way it reconnects:
///
/// - **lapin reconnects** (`enable_auto_recover`, with a backoff that retries for as long as
///   the application lives): give the check the `Arc<Connection>` the application shares.
///   The same connection is usable again once the broker is back.
/// - **the application reconnects** (no auto-recovery, or a new connection once lapin has
///   given up): the application keeps its current connection in a [`tokio::sync::watch`]
///   channel, `None` while it has none; its reconnect task sends each new one, and its
///   publishers borrow it from the channel as the check does. Give the check a receiver.
/// - **anything else** (an `ArcSwap`, a pool of the application's own): implement this
///   trait. `current` must return at once, without waiting for anything.
///
/// Either way the check never connects by itself: a connection per run would be a TCP
/// connection, a handshake and a login at the broker every interval, from every replica.
/// [`rabbitmq()`] shows both ways.
///
/// Implemented for an `Arc<Connection>` (always that one) and for [`watch::Receiver`]s of an
/// `Arc<Connection>` or an `Option<Arc<Connection>>` (whatever the application sent last).
pub trait RabbitmqConnection: Send + Sync + 'static {
    /// The connection the application uses now, or `None` while it has none.
    fn current(&self) -> Option<Arc<Connection>>;
}

impl RabbitmqConnection for Arc<Connection> {
    fn current(&self) -> Option<Arc<Connection>> {
        Some(self.clone())
    }
}

impl RabbitmqConnection for watch::Receiver<Arc<Connection>> {
    fn current(&self) -> Option<Arc<Connection>> {
        Some(self.borrow().clone())
    }
}

impl RabbitmqConnection for watch::Receiver<Option<Arc<Connection>>> {
    fn current(&self) -> Option<Arc<Connection>> {
        self.borrow().clone()
    }
}

/// The check made by [`rabbitmq()`].
#[derive(Clone)]
pub struct RabbitmqCheck<C> {
    connection: C,
}

impl<C> std::fmt::Debug for RabbitmqCheck<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the connection: its configuration is none of a log line's business.
        f.debug_struct("RabbitmqCheck").finish_non_exhaustive()
    }
}

impl<C: RabbitmqConnection> Check for RabbitmqCheck<C> {
    fn is_remote(&self) -> bool {
        true
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin(async move {
            let Some(connection) = self.connection.current() else {
                return Err(CheckError::new("rabbitmq: not connected"));
            };
            let status = connection.status();
            if let Some(reason) = unusable(status) {
                return Err(reason);
            }
            // A connection lost under the call fails it with a state error: the state's own
            // reason says more.
            let failed = |error| match unusable(status) {
                Some(reason) if !reason.is_degraded() => reason,
                _ => describe(error),
            };
            let round_trip = async {
                let channel = connection.create_channel().await.map_err(failed)?;
                channel
                    .close(lapin::protocol::constants::REPLY_SUCCESS, "OK".into())
                    .await
                    .map_err(failed)
            };
            tokio::select! {
                biased;
                result = round_trip => result,
                reason = turns_unusable(status) => Err(reason),
            }
        })
    }
}

/// Why a connection in this state cannot pass (a blocked one passes degraded), or `None`
/// when it is connected.
fn unusable(status: &ConnectionStatus) -> Option<CheckError> {
    if status.connected() {
        if status.blocked() {
            return Some(CheckError::degraded(
                "rabbitmq: connection blocked by the broker",
            ));
        }
        return None;
    }
    Some(CheckError::new(
        if status.connecting() || status.reconnecting() {
            // An application holds a connection only once it has connected: connecting again
            // is lapin recovering it.
            "rabbitmq: disconnected, reconnecting"
        } else if status.errored() {
            "rabbitmq: disconnected"
        } else if status.closing() || status.closed() {
            "rabbitmq: connection closed"
        } else {
            "rabbitmq: not connected"
        },
    ))
}

/// Resolves with the reason once the connection stops being usable: a run waiting for a
/// broker that just went away ends with the state's reason, not the engine's timeout
/// (lapin keeps a channel opening across its recovery).
async fn turns_unusable(status: &ConnectionStatus) -> CheckError {
    loop {
        tokio::time::sleep(STATE_POLL).await;
        if let Some(reason) = unusable(status) {
            return reason;
        }
    }
}

/// A short reason for a lapin error.
fn describe(error: lapin::Error) -> CheckError {
    let reason = match error.kind() {
        ErrorKind::InvalidConnectionState(_) => "rabbitmq: disconnected".to_owned(),
        ErrorKind::IOError(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "rabbitmq: connection refused".to_owned()
        }
        ErrorKind::IOError(io) => short(&io.to_string()),
        // The broker's reply alone: `NOT_ALLOWED - access to vhost '/' refused …`.
        ErrorKind::ProtocolError(amqp) => short(amqp.get_message().as_str()),
        ErrorKind::ChannelsLimitReached => "rabbitmq: no channel left (channel_max)".to_owned(),
        ErrorKind::MissingHeartbeatError => "rabbitmq: heartbeats missed".to_owned(),
        _ => short(&error.to_string()),
    };
    CheckError::new(reason)
}

/// `rabbitmq: ` and `message`, cut to [`MESSAGE_LIMIT`] bytes (with `…` when it was longer).
fn short(message: &str) -> String {
    let mut end = message.len().min(MESSAGE_LIMIT);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let ellipsis = if end < message.len() { "…" } else { "" };
    format!("rabbitmq: {}{ellipsis}", &message[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_short() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            describe(lapin::Error::from(refused)).message(),
            "rabbitmq: connection refused"
        );
        let state = ErrorKind::InvalidConnectionState(lapin::ConnectionState::Error);
        assert_eq!(
            describe(lapin::Error::from(state)).message(),
            "rabbitmq: disconnected"
        );
        let long = short(&"é".repeat(200));
        assert!(
            long.starts_with("rabbitmq: é") && long.ends_with('…'),
            "{long}"
        );
    }

    #[test]
    fn a_connection_never_connected_is_not_connected() {
        let reason = unusable(&ConnectionStatus::default()).expect("not usable");
        assert_eq!(reason.message(), "rabbitmq: not connected");
        assert!(!reason.is_degraded());
        let (_sender, receiver) = watch::channel(None::<Arc<Connection>>);
        assert!(receiver.current().is_none());
    }
}
