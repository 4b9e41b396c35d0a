//! Traffic observation from the environment: `TRAFFIC=on|off` and its tuning
//! (`TRAFFIC_WINDOW_MS`, `TRAFFIC_MIN_REQUESTS`, `TRAFFIC_FAILURE_RATIO`,
//! `TRAFFIC_P99_BUDGET_MS`, `TRAFFIC_PROBES`), `traffic` named in the check marks, and the
//! observation the runtime watchdog needs when `TRAFFIC` is unset.

use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use tower_health::{Probe, Traffic};

use super::switch::Switch;
use super::{CheckMark, parse_env};

/// The traffic rules the server observes by, or `None` when it does not; printed.
///
/// `TRAFFIC=on` observes by the rules the tuning variables set (the library's defaults where
/// unset) and makes `traffic` what the `marks` naming it say (shared); `off`, the default,
/// observes nothing. Unset while the runtime `watchdog` runs, it observes report-only with
/// the defaults: completed requests are the watchdog's proof of progress, so a long queue of
/// CPU-bound requests never fails liveness. An explicit `off` is respected (the heartbeat
/// alone judges the runtime).
///
/// The tuning variables are checked in any case; set while `TRAFFIC` is not on, each is
/// noted as ignored, and so is `traffic` in a mark that may name it. A mark that may not
/// (`REPORT_ONLY_CHECKS`: `TRAFFIC_PROBES` says what it counts for) is an error. `traffic`
/// is taken out of every mark, so [`Dependencies::checks`](super::dependencies::Dependencies::checks) never
/// sees it.
pub(crate) fn from_env(watchdog: bool, marks: &mut [CheckMark]) -> Result<Option<Traffic>, String> {
    let switch = parse_env::<Switch>("TRAFFIC")?;
    match switch {
        Some(switch) => println!("  TRAFFIC={switch}"),
        None if watchdog => println!("  TRAFFIC=(unset)"),
        None => println!("  TRAFFIC=(unset: off)"),
    }
    let on = switch == Some(Switch::On);
    let rules = rules(on)?;
    let rules = marked(rules, on, marks)?;
    Ok(match switch {
        Some(Switch::On) => Some(rules),
        None if watchdog => {
            println!(
                "  traffic: observed for the watchdog's progress (report-only, with the \
                 defaults; TRAFFIC=off leaves the watchdog its heartbeat alone)"
            );
            Some(Traffic::new())
        }
        Some(Switch::Off) if watchdog => {
            println!(
                "  traffic: not observed (TRAFFIC=off): the watchdog judges by its heartbeat alone"
            );
            None
        }
        _ => None,
    })
}

/// The rules from the tuning variables (printed when `on`, noted as ignored when set while
/// not), over the library's defaults.
fn rules(on: bool) -> Result<Traffic, String> {
    let window = tuning("TRAFFIC_WINDOW_MS", on, 60_000u64, |ms| {
        (*ms >= 1000).then_some(()).ok_or("at least 1000")
    })?;
    let min_requests = tuning("TRAFFIC_MIN_REQUESTS", on, 20u64, |requests| {
        (*requests >= 1).then_some(()).ok_or("at least 1")
    })?;
    let failure_ratio = tuning("TRAFFIC_FAILURE_RATIO", on, 0.5f64, |ratio| {
        (*ratio > 0.0 && *ratio <= 1.0)
            .then_some(())
            .ok_or("a number more than 0 and at most 1")
    })?;
    let p99_budget = optional_tuning("TRAFFIC_P99_BUDGET_MS", on, "unset: no latency budget")?;
    let probes = probes(on)?;
    let rules = Traffic::new()
        .window(Duration::from_millis(window))
        .min_requests(min_requests)
        .failure_ratio(failure_ratio)
        .probes(probes);
    Ok(match p99_budget {
        Some(ms) => rules.p99_budget(Duration::from_millis(ms)),
        None => rules,
    })
}

/// `name`, or `default` when unset; refused with `accept`'s reason; printed when `on`,
/// noted as ignored when set while not.
fn tuning<T>(
    name: &str,
    on: bool,
    default: T,
    accept: fn(&T) -> Result<(), &'static str>,
) -> Result<T, String>
where
    T: FromStr + Display,
    T::Err: Display,
{
    let value = parse_env::<T>(name)?;
    if let Some(value) = &value {
        accept(value).map_err(|why| format!("{name}={value} is not valid: {why}"))?;
    }
    noted(name, on, value.is_some());
    let value = value.unwrap_or(default);
    if on {
        println!("  {name}={value}");
    }
    Ok(value)
}

/// A whole number of milliseconds, at least 1, when set; printed as [`tuning`] does, or what
/// its absence means (`when_unset`).
fn optional_tuning(name: &str, on: bool, when_unset: &str) -> Result<Option<u64>, String> {
    let value = parse_env::<u64>(name)?;
    if value == Some(0) {
        return Err(format!("{name}=0 is not valid: at least 1"));
    }
    noted(name, on, value.is_some());
    match value {
        Some(ms) if on => println!("  {name}={ms}"),
        None if on => println!("  {name}=({when_unset})"),
        _ => {}
    }
    Ok(value)
}

/// Say that `name` is ignored, when it is set while `TRAFFIC` is not on.
fn noted(name: &str, on: bool, set: bool) {
    if set && !on {
        println!("  note: {name} is set, but TRAFFIC is not on: ignored");
    }
}

/// `TRAFFIC_PROBES`: the probes traffic counts for, comma-separated; none (report-only) when
/// unset or empty. Liveness is refused: failing requests are no reason to restart.
fn probes(on: bool) -> Result<Vec<Probe>, String> {
    let name = "TRAFFIC_PROBES";
    let Some(raw) = parse_env::<String>(name)? else {
        if on {
            println!("  {name}=(unset: report-only)");
        }
        return Ok(Vec::new());
    };
    let names = super::lists::names(&raw)
        .map_err(|error| format!("{name}={raw:?} is not valid: {error}"))?;
    let probes = names
        .iter()
        .map(|probe| match probe.as_str() {
            "readiness" => Ok(Probe::Readiness),
            "startup" => Ok(Probe::Startup),
            "combined" => Ok(Probe::Combined),
            "liveness" => Err(format!(
                "{name}={raw:?} is not valid: traffic cannot count for liveness: failing \
                 requests are no reason to restart the process (readiness takes it out of \
                 the Service instead)"
            )),
            other => Err(format!(
                "{name}={raw:?} is not valid: {other:?} is not a probe (readiness, startup, \
                 combined)"
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    noted(name, on, true);
    if on {
        println!("  {name}={}", names.join(","));
    }
    Ok(probes)
}

/// `rules` as the `marks` naming `traffic` make it (shared), each of them then no longer
/// naming it; a mark that may not name it is an error, and one that may is noted as ignored
/// while `TRAFFIC` is not on.
fn marked(mut rules: Traffic, on: bool, marks: &mut [CheckMark]) -> Result<Traffic, String> {
    for mark in marks {
        if !mark.take(Traffic::COMPONENT) {
            continue;
        }
        match mark.traffic {
            None => {
                return Err(format!(
                    "{} is not valid: traffic cannot be named there: it is report-only unless \
                     TRAFFIC_PROBES names probes",
                    mark.variable
                ));
            }
            Some(_) if !on => println!(
                "  note: {} names traffic, but TRAFFIC is not on: ignored",
                mark.variable
            ),
            Some(mark_traffic) => rules = mark_traffic(rules),
        }
    }
    Ok(rules)
}
