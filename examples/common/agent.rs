//! HAProxy's agent check from the environment: `AGENT_ADDR` and `AGENT_CAPACITY`.

use std::net::SocketAddr;

use tower_health::probe_server::AgentCheck;

use super::parse_env;

/// The agent check's address and settings, or `None` when `AGENT_ADDR` is unset; printed.
///
/// The agent is served from the probe thread, so `AGENT_ADDR` needs `PROBE_ADDR`
/// (`probes`). `AGENT_CAPACITY` (in-flight requests at 0 % weight, at least 1) needs the
/// traffic observed (`traffic`), which counts the requests in flight; set without
/// `AGENT_ADDR`, it is noted and ignored. Each mistake is an error naming the variable.
pub(crate) fn from_env(
    probes: bool,
    traffic: bool,
) -> Result<Option<(SocketAddr, AgentCheck)>, String> {
    let addr = parse_env::<SocketAddr>("AGENT_ADDR")?;
    let capacity = parse_env::<u64>("AGENT_CAPACITY")?;
    match addr {
        Some(addr) => println!("  AGENT_ADDR={addr}"),
        None => println!("  AGENT_ADDR=(unset: no agent check)"),
    }
    match capacity {
        Some(0) => return Err("AGENT_CAPACITY=0 is not valid: at least 1 request".into()),
        Some(capacity) if addr.is_some() => println!("  AGENT_CAPACITY={capacity}"),
        Some(capacity) => {
            println!("  AGENT_CAPACITY={capacity} (note: AGENT_ADDR is unset: ignored)")
        }
        None => println!("  AGENT_CAPACITY=(unset: in-flight requests do not weigh)"),
    }
    let Some(addr) = addr else {
        return Ok(None);
    };
    if !probes {
        return Err(
            "AGENT_ADDR needs PROBE_ADDR: the agent check is served from the probe thread".into(),
        );
    }
    let agent = AgentCheck::new();
    let agent = match capacity {
        Some(_) if !traffic => {
            return Err(
                "AGENT_CAPACITY needs the traffic observed, which counts the requests in flight \
                 (TRAFFIC=off)"
                    .into(),
            );
        }
        Some(capacity) => agent.capacity(capacity),
        None => agent,
    };
    Ok(Some((addr, agent)))
}
