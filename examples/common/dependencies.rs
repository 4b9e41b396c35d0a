//! The dependencies configured in the environment, each a check: `DATABASE_URL`,
//! `REDIS_URL`, `UPSTREAM_GRPC_URL`, `AMQP_URL`, `NATS_URL`, `TLS_CHECK` (with
//! `TLS_WARN_DAYS`, `TLS_CA`), `DISK_MIN_FREE_MB`, `JOBS_TTL_MS`.

use std::path::PathBuf;
use std::time::Duration;

use async_nats::ServerAddr;
use lapin::uri::AMQPUri;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tonic::transport::Endpoint;
use tower_health::{HealthBuilder, NamedCheck, checks};

use super::database::Database;
use super::jobs::Jobs;
use super::{CheckMark, env_or, optional_env, password_note};

/// Every check name a dependency may add, for the marks (`REPORT_ONLY_CHECKS`, …).
const NAMES: [&str; 9] = [
    "database",
    "redis",
    "upstream",
    "rabbitmq",
    "nats",
    "certificate",
    "disk",
    "jobs",
    "traffic",
];

/// What the environment configures; nothing connected yet.
pub(crate) struct Dependencies {
    database: Option<Database>,
    redis: Option<redis::Client>,
    upstream: Option<Endpoint>,
    amqp: Option<AMQPUri>,
    nats: Option<ServerAddr>,
    certificate: Option<checks::TlsCheck>,
    disk_min_free_mb: Option<u64>,
    jobs_ttl: Option<Duration>,
}

impl Dependencies {
    /// Read (and print) each dependency's variables. A value that does not parse is an error
    /// naming the variable (start-up stops); an unreachable dependency is a failing check.
    pub(crate) fn from_env() -> Result<Dependencies, String> {
        Ok(Dependencies {
            database: Database::from_env()?,
            redis: redis_from_env()?,
            upstream: upstream_from_env()?,
            amqp: super::brokers::amqp_from_env()?,
            nats: super::brokers::nats_from_env()?,
            certificate: certificate_from_env()?,
            disk_min_free_mb: optional_env("DISK_MIN_FREE_MB", "unset: no disk check")?,
            jobs_ttl: optional_env::<u64>("JOBS_TTL_MS", "unset: no job loop")?
                .map(|ms| match ms {
                    0 => Err("JOBS_TTL_MS=0 is not valid: at least 1".to_owned()),
                    ms => Ok(Duration::from_millis(ms)),
                })
                .transpose()?,
        })
    }

    /// The names of the checks configured.
    fn configured(&self) -> [(&'static str, bool); 8] {
        [
            ("database", self.database.is_some()),
            ("redis", self.redis.is_some()),
            ("upstream", self.upstream.is_some()),
            ("rabbitmq", self.amqp.is_some()),
            ("nats", self.nats.is_some()),
            ("certificate", self.certificate.is_some()),
            ("disk", self.disk_min_free_mb.is_some()),
            ("jobs", self.jobs_ttl.is_some()),
        ]
    }

    /// Add a check for each dependency configured: critical `database`, `redis`,
    /// `upstream`, `rabbitmq`, `nats` and `jobs`; non-critical `certificate` and `disk`. The job loop, when configured, is
    /// returned for the caller to start (it beats `jobs`).
    ///
    /// Clients are made lazily: an unreachable dependency is a failing check, not a crash.
    /// Each connection attempt gives up a little before the check timeout, so the log names
    /// the dependency's own error ("connection refused") rather than the engine's timeout.
    ///
    /// Each check named by one of `marks` is marked so (report-only, shared). A name there
    /// that is no check at all is an error naming the variable and the name; a dependency
    /// that is not configured is noted and ignored, so one manifest serves environments with
    /// and without it. `traffic` is not seen here: [`super::traffic::from_env`] takes it out
    /// of the marks first.
    pub(crate) async fn checks(
        &self,
        mut builder: HealthBuilder,
        check_timeout: Duration,
        marks: &[CheckMark],
    ) -> Result<(HealthBuilder, Option<Jobs>), String> {
        self.validate(marks)?;
        let attempt_timeout = check_timeout.mul_f64(0.8);
        let mut add = |check: NamedCheck| {
            let name = check.name().to_owned();
            let marked = marks
                .iter()
                .filter(|mark| mark.covers(&name))
                .fold(check, |check, mark| (mark.mark)(check));
            builder = std::mem::take(&mut builder).add_check(marked);
        };
        if let Some(database) = &self.database {
            add(database.clone().check("database", attempt_timeout));
        }
        if let Some(client) = &self.redis {
            let manager = ConnectionManager::new_lazy_with_config(
                client.clone(),
                ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(attempt_timeout))
                    .set_response_timeout(Some(attempt_timeout))
                    .set_number_of_retries(1),
            )
            .map_err(|error| format!("REDIS_URL is not valid: {error}"))?;
            // Its address, so a stopped Redis or a refused password fails a run at once.
            let check = checks::redis(manager).address(client.get_connection_info());
            add(NamedCheck::new("redis", check));
        }
        if let Some(endpoint) = &self.upstream {
            let channel = endpoint
                .clone()
                .connect_timeout(attempt_timeout)
                .connect_lazy();
            add(NamedCheck::new("upstream", checks::grpc(channel)));
        }
        if let Some(uri) = &self.amqp {
            let check = super::brokers::rabbitmq(uri.clone(), attempt_timeout);
            add(NamedCheck::new("rabbitmq", check));
        }
        if let Some(server) = &self.nats {
            let check = super::brokers::nats(server.clone()).await?;
            add(NamedCheck::new("nats", check));
        }
        if let Some(certificate) = &self.certificate {
            add(NamedCheck::new("certificate", certificate.clone()).non_critical());
        }
        if let Some(mb) = self.disk_min_free_mb {
            let here = std::env::current_dir()
                .map_err(|error| format!("DISK_MIN_FREE_MB: no working directory: {error}"))?;
            add(NamedCheck::new("disk", checks::disk(here, mb << 20)).non_critical());
        }
        let jobs = self.jobs_ttl.map(|ttl| {
            let (jobs, check) = Jobs::new(ttl);
            add(check);
            jobs
        });
        Ok((builder, jobs))
    }

    /// Every name in `marks` is a check that may be configured; one not configured here is
    /// noted.
    fn validate(&self, marks: &[CheckMark]) -> Result<(), String> {
        let configured = self.configured();
        for mark in marks {
            for name in &mark.names {
                match configured.iter().find(|(known, _)| known == name) {
                    None => {
                        let known = match mark.traffic {
                            Some(_) => &NAMES[..],
                            None => &NAMES[..NAMES.len() - 1],
                        };
                        return Err(format!(
                            "{} is not valid: {name:?} is not a check ({})",
                            mark.variable,
                            known.join(", ")
                        ));
                    }
                    // One manifest for every environment: a dependency left out is fine.
                    Some((_, false)) => println!(
                        "  note: {} names {name}, which is not configured: ignored",
                        mark.variable
                    ),
                    Some((_, true)) => {}
                }
            }
        }
        Ok(())
    }
}

/// `REDIS_URL`, parsed; printed without its password.
pub(crate) fn redis_from_env() -> Result<Option<redis::Client>, String> {
    let Ok(url) = std::env::var("REDIS_URL") else {
        println!("  REDIS_URL=(unset: no redis check)");
        return Ok(None);
    };
    let note = password_note(&url);
    let client =
        redis::Client::open(url).map_err(|error| format!("REDIS_URL is not valid: {error}"))?;
    println!("  REDIS_URL={}{note}", client.get_connection_info().addr());
    Ok(Some(client))
}

/// `UPSTREAM_GRPC_URL`: a downstream gRPC server (`http://host:port`) whose standard health
/// service the critical `upstream` check asks.
fn upstream_from_env() -> Result<Option<Endpoint>, String> {
    let Ok(url) = std::env::var("UPSTREAM_GRPC_URL") else {
        println!("  UPSTREAM_GRPC_URL=(unset: no upstream check)");
        return Ok(None);
    };
    let endpoint = Endpoint::from_shared(url.clone())
        .map_err(|error| format!("UPSTREAM_GRPC_URL={url:?} is not valid: {error}"))?;
    println!("  UPSTREAM_GRPC_URL={}", endpoint.uri());
    Ok(Some(endpoint))
}

/// `TLS_CHECK` (`host:port`), with `TLS_WARN_DAYS` (default 14) and `TLS_CA` (a PEM root
/// to verify the chain and name against; unset: the dates only).
fn certificate_from_env() -> Result<Option<checks::TlsCheck>, String> {
    let Some(address) = optional_env::<String>("TLS_CHECK", "unset: no certificate check")? else {
        return Ok(None);
    };
    match address
        .rsplit_once(':')
        .map(|(host, port)| (host, port.parse::<u16>()))
    {
        Some((host, Ok(port))) if !host.is_empty() && port != 0 => {}
        _ => return Err(format!("TLS_CHECK={address:?} is not valid: not host:port")),
    }
    let warn_days = env_or("TLS_WARN_DAYS", 14u64)?;
    let check = checks::tls(address).warn_before(Duration::from_secs(warn_days * 86_400));
    let Some(root) = optional_env::<String>("TLS_CA", "unset: dates only, chain not judged")?
    else {
        return Ok(Some(check));
    };
    let root = PathBuf::from(root);
    std::fs::metadata(&root)
        .map_err(|error| format!("TLS_CA={} is not readable: {error}", root.display()))?;
    Ok(Some(check.root_pem_file(root)))
}
