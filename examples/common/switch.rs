//! [`Switch`]: a setting that is `on` or `off`.

use std::fmt::Display;
use std::str::FromStr;

/// A setting that is `on` or `off` (`TRAFFIC`, `HEALTH_DETAILS_LOOPBACK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Switch {
    On,
    Off,
}

impl FromStr for Switch {
    type Err = &'static str;

    fn from_str(value: &str) -> Result<Switch, &'static str> {
        match value {
            "on" => Ok(Switch::On),
            "off" => Ok(Switch::Off),
            _ => Err("expected on or off"),
        }
    }
}

impl Display for Switch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Switch::On => "on",
            Switch::Off => "off",
        })
    }
}
