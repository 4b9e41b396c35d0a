//! `AMQP_URL` and `NATS_URL`: the application's broker clients, made so that a broker that
//! is down at start or goes away later is a failing check, never a crash.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_nats::ServerAddr;
use lapin::uri::{AMQPScheme, AMQPUri};
use lapin::{Connection, ConnectionProperties};
use tokio::sync::watch;
use tower_health::checks::{self, NatsCheck, RabbitmqCheck};

/// The application's current RabbitMQ connection, `None` while it has none.
pub(crate) type CurrentConnection = watch::Receiver<Option<Arc<Connection>>>;

/// `AMQP_URL`, parsed; printed without its password.
pub(crate) fn amqp_from_env() -> Result<Option<AMQPUri>, String> {
    let Ok(url) = std::env::var("AMQP_URL") else {
        println!("  AMQP_URL=(unset: no rabbitmq check)");
        return Ok(None);
    };
    let uri = AMQPUri::from_str(&url).map_err(|error| format!("AMQP_URL is not valid: {error}"))?;
    let authority = &uri.authority;
    let scheme = match uri.scheme {
        AMQPScheme::AMQP => "amqp",
        AMQPScheme::AMQPS => "amqps",
    };
    println!(
        "  AMQP_URL={scheme}://{}@{}:{}/{}{}",
        authority.userinfo.username,
        authority.host,
        authority.port,
        uri.vhost.replace('/', "%2f"),
        super::password_note(&url),
    );
    Ok(Some(uri))
}

/// `NATS_URL`, parsed; printed without its credentials.
pub(crate) fn nats_from_env() -> Result<Option<ServerAddr>, String> {
    let Ok(url) = std::env::var("NATS_URL") else {
        println!("  NATS_URL=(unset: no nats check)");
        return Ok(None);
    };
    let server =
        ServerAddr::from_str(&url).map_err(|error| format!("NATS_URL is not valid: {error}"))?;
    println!(
        "  NATS_URL=nats://{}:{}{}",
        server.host(),
        server.port(),
        super::password_note(&url),
    );
    Ok(Some(server))
}

/// The `rabbitmq` check over the application's connection to `uri`, which a task of its
/// own keeps live: it connects, and connects anew once the connection is lost (the broker
/// stopped, restarted), every `retry` while the broker is away.
pub(crate) fn rabbitmq(uri: AMQPUri, retry: Duration) -> RabbitmqCheck<CurrentConnection> {
    let (current, connection) = watch::channel(None);
    tokio::spawn(keep_connected(uri, retry, current));
    checks::rabbitmq(connection)
}

async fn keep_connected(
    uri: AMQPUri,
    retry: Duration,
    current: watch::Sender<Option<Arc<Connection>>>,
) {
    loop {
        match Connection::connect_uri(uri.clone(), ConnectionProperties::default()).await {
            Ok(connection) => {
                tracing::info!("rabbitmq: connected");
                let connection = Arc::new(connection);
                current.send_replace(Some(connection.clone()));
                while connection.status().connected() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                current.send_replace(None);
                tracing::warn!("rabbitmq: connection lost, reconnecting");
            }
            // lapin's error text carries no URI: the reason as it is.
            Err(error) => tracing::debug!("rabbitmq: cannot connect: {error}"),
        }
        tokio::time::sleep(retry).await;
    }
}

/// The `nats` check over the application's client of `server`, which connects in the
/// background (a server down at start is no error) and reconnects by itself. The
/// credentials go through the client's options, not in the URL its logs may show.
pub(crate) async fn nats(server: ServerAddr) -> Result<NatsCheck, String> {
    let options = match (server.username(), server.password()) {
        (Some(user), Some(password)) => {
            async_nats::ConnectOptions::with_user_and_password(user.into(), password.into())
        }
        _ => async_nats::ConnectOptions::new(),
    };
    let bare = format!("nats://{}:{}", server.host(), server.port());
    let client = options
        .retry_on_initial_connect()
        .connect(bare)
        .await
        .map_err(|error| format!("NATS_URL: {error}"))?;
    Ok(checks::nats(client))
}
