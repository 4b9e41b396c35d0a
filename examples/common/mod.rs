//! Logging, configuration from the environment and dependency checks, shared by the
//! example servers.
// Each example uses the part it needs.
#![allow(dead_code)]

use std::fmt::Display;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use tower_health::{Group, NamedCheck, Traffic, Watchdog};

/// HAProxy's agent check: `AGENT_ADDR`, `AGENT_CAPACITY`.
pub(crate) mod agent;
/// `AMQP_URL`, `NATS_URL`: the broker clients.
pub(crate) mod brokers;
/// `DATABASE_URL`: its scheme picks the driver.
pub(crate) mod database;
/// An operator's demotion: `POST /admin/checks/<name>/demote` and `/restore`.
pub(crate) mod demotion;
/// The dependencies configured in the environment, each a check.
pub(crate) mod dependencies;
/// The demo route that fails on purpose: `GET /api/flaky?fail=F`.
pub(crate) mod flaky;
/// `JOBS_TTL_MS`: a background job loop beating the `jobs` heartbeat.
pub(crate) mod jobs;
/// The lists the variables hold: names (`a,b`) and groups (`HEALTH_GROUPS`).
pub(crate) mod lists;
/// The demo routes that load the runtime: CPU work, a blocking call.
pub(crate) mod load;
/// The API token, the details policy, and the warning when the token is the public default.
pub(crate) mod secrets;
/// A setting that is `on` or `off`.
pub(crate) mod switch;
/// Tenants' checks added and removed at runtime: `PUT`/`DELETE /admin/tenants/<name>`.
pub(crate) mod tenants;
/// Traffic observation from the environment: `TRAFFIC` and its tuning.
pub(crate) mod traffic;

/// Log to stdout, at the level `RUST_LOG` asks for (default `info`), in colour only when
/// stdout is a terminal (a file or a log collector gets plain text).
pub(crate) fn log_to_stdout() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::stdout().is_terminal())
        .init();
}

/// Print an error that ends the program, on stderr.
pub(crate) fn print_error(error: &impl Display) {
    eprintln!("error: {error}");
}

/// The exit code after serving: 0 after a clean shutdown; 1, with the error printed, when
/// serving failed.
pub(crate) fn exit_code(served: Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            print_error(&error);
            ExitCode::FAILURE
        }
    }
}

/// Read `name` from the environment, or `default` when unset; print the value in use.
///
/// A value that does not parse is an error naming the variable, so start-up stops with a
/// clear message instead of running with a surprise.
pub(crate) fn env_or<T>(name: &str, default: T) -> Result<T, String>
where
    T: FromStr + Display,
    T::Err: Display,
{
    let value = match std::env::var(name) {
        Ok(raw) => raw
            .parse()
            .map_err(|error| format!("{name}={raw:?} is not valid: {error}"))?,
        Err(std::env::VarError::NotPresent) => default,
        Err(error) => return Err(format!("{name} is not valid: {error}")),
    };
    println!("  {name}={value}");
    Ok(value)
}

/// Read `name` from the environment when it is set and not blank; print the value in use,
/// or what its absence means (`when_unset`).
///
/// A value that does not parse is an error naming the variable, as for [`env_or`].
pub(crate) fn optional_env<T>(name: &str, when_unset: &str) -> Result<Option<T>, String>
where
    T: FromStr + Display,
    T::Err: Display,
{
    let value = parse_env::<T>(name)?;
    match &value {
        Some(value) => println!("  {name}={value}"),
        None => println!("  {name}=({when_unset})"),
    }
    Ok(value)
}

/// `name` parsed, when it is set and not blank; nothing printed, for the caller to say what
/// the value means. A value that does not parse is an error naming the variable.
pub(crate) fn parse_env<T>(name: &str) -> Result<Option<T>, String>
where
    T: FromStr,
    T::Err: Display,
{
    let raw = match std::env::var(name) {
        Ok(raw) if !raw.trim().is_empty() => raw,
        Ok(_) | Err(std::env::VarError::NotPresent) => return Ok(None),
        Err(error) => return Err(format!("{name} is not valid: {error}")),
    };
    raw.parse()
        .map(Some)
        .map_err(|error| format!("{name}={raw:?} is not valid: {error}"))
}

/// Read an optional secret from the environment; print only whether it was set.
/// `when_unset` says what its absence means.
pub(crate) fn optional_secret(name: &str, when_unset: &str) -> Option<String> {
    let value = std::env::var(name).ok().filter(|value| !value.is_empty());
    match &value {
        Some(_) => println!("  {name}=(set)"),
        None => println!("  {name}=({when_unset})"),
    }
    value
}

/// Read a secret from the environment, or `default`; print only whether it was set.
pub(crate) fn secret_or(name: &str, default: &str) -> String {
    optional_secret(name, "default").unwrap_or_else(|| default.to_owned())
}

/// The runtime watchdog of the probe port: `STALL_AFTER_MS`, `OVERLOAD_AFTER_MS`.
pub(crate) fn watchdog_from_env() -> Result<Watchdog, String> {
    let stall_after = env_or("STALL_AFTER_MS", 10_000u64)?;
    let overload_after = optional_env::<u64>("OVERLOAD_AFTER_MS", "unset: off")?;
    let watchdog = Watchdog::new().stall_after(Duration::from_millis(stall_after));
    Ok(match overload_after {
        Some(ms) => watchdog.overload_after(Duration::from_millis(ms)),
        None => watchdog,
    })
}

/// What to say after a URL printed without its password: that it had one, or nothing.
pub(crate) fn password_note(url: &str) -> &'static str {
    let authority = url.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or("")
    });
    let in_userinfo = authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'));
    if in_userinfo || url.contains("password=") {
        " (password not shown)"
    } else {
        ""
    }
}

/// Checks named in a variable, comma-separated (`REPORT_ONLY_CHECKS=redis`), and what being
/// named there makes of a check (report-only, shared) and of the `traffic` component.
pub(crate) struct CheckMark {
    pub(crate) variable: &'static str,
    pub(crate) names: Vec<String>,
    pub(crate) mark: fn(NamedCheck) -> NamedCheck,
    /// What being named there makes of the traffic component; `None`: it may not be named.
    pub(crate) traffic: Option<fn(Traffic) -> Traffic>,
}

impl CheckMark {
    /// The check names in `variable` (see [`names_from_env`]), each check named there made
    /// into `mark(check)` by [`Dependencies::checks`](dependencies::Dependencies::checks). The traffic component may not be named
    /// there unless [`traffic`](CheckMark::traffic) says what it makes of it.
    pub(crate) fn from_env(
        variable: &'static str,
        mark: fn(NamedCheck) -> NamedCheck,
    ) -> Result<CheckMark, String> {
        let names = names_from_env(variable)?;
        Ok(CheckMark {
            variable,
            names,
            mark,
            traffic: None,
        })
    }

    /// The traffic component, named there, is made into `mark(traffic)` (see
    /// [`traffic::from_env`]).
    pub(crate) fn traffic(mut self, mark: fn(Traffic) -> Traffic) -> CheckMark {
        self.traffic = Some(mark);
        self
    }

    pub(crate) fn covers(&self, name: &str) -> bool {
        self.names.iter().any(|named| named == name)
    }

    /// Whether it names `name`, which it then no longer does: for a component marked
    /// elsewhere than in [`Dependencies::checks`](dependencies::Dependencies::checks).
    fn take(&mut self, name: &str) -> bool {
        let before = self.names.len();
        self.names.retain(|named| named != name);
        self.names.len() != before
    }
}

/// The value of `name` when set and not blank; otherwise prints that it is unset.
fn set_or_say_unset(name: &str) -> Option<String> {
    let raw = std::env::var(name)
        .ok()
        .filter(|raw| !raw.trim().is_empty());
    if raw.is_none() {
        println!("  {name}=(unset)");
    }
    raw
}

/// `name` as comma-separated names (spaces around them ignored); printed. Unset or empty:
/// none. An empty name between commas is an error naming the variable.
pub(crate) fn names_from_env(name: &str) -> Result<Vec<String>, String> {
    let Some(raw) = set_or_say_unset(name) else {
        return Ok(Vec::new());
    };
    let names =
        lists::names(&raw).map_err(|error| format!("{name}={raw:?} is not valid: {error}"))?;
    println!("  {name}={}", names.join(","));
    Ok(names)
}

/// Peer addresses, `host:port` comma-separated (spaces around them ignored), as `PEERS`
/// takes them: a DNS name may stand for several replicas. Only the form is checked here; the
/// names are resolved anew each time the peers are asked, so one that does not resolve yet
/// (no replica is up) is no error.
#[derive(Debug, Clone)]
pub(crate) struct PeerList(pub(crate) Vec<String>);

impl FromStr for PeerList {
    type Err = String;

    fn from_str(list: &str) -> Result<PeerList, String> {
        let peer = |entry: &str| {
            let (host, port) = entry.rsplit_once(':').unwrap_or((entry, ""));
            match (host.trim_matches(['[', ']']), port.parse::<u16>()) {
                ("", _) | (_, Err(_) | Ok(0)) => Err(format!("{entry:?} is not host:port")),
                _ => Ok(entry.to_owned()),
            }
        };
        list.split(',')
            .map(|entry| match entry.trim() {
                "" => Err("an empty address".to_owned()),
                entry => peer(entry),
            })
            .collect::<Result<_, _>>()
            .map(PeerList)
    }
}

impl Display for PeerList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(","))
    }
}

/// `name` as groups, `name=/path:member,member;…` (see [`lists::groups`]); printed. Unset or
/// empty: none. A malformed definition is an error naming the variable and the definition.
pub(crate) fn groups_from_env(name: &str) -> Result<Vec<Group>, String> {
    let Some(raw) = set_or_say_unset(name) else {
        return Ok(Vec::new());
    };
    let groups = lists::groups(&raw).map_err(|error| format!("{name} is not valid: {error}"))?;
    println!("  {name}={raw}");
    Ok(groups)
}
