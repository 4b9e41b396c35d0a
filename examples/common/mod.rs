//! Configuration from the environment, shared by the example servers.
// Each example uses the part it needs.
#![allow(dead_code)]

use std::fmt::Display;
use std::str::FromStr;

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

/// Read a secret from the environment, or `default`; print only whether it was set.
pub(crate) fn secret_or(name: &str, default: &str) -> String {
    match std::env::var(name) {
        Ok(value) => {
            println!("  {name}=(set, {} characters)", value.len());
            value
        }
        Err(_) => {
            println!("  {name}=(default)");
            default.to_owned()
        }
    }
}
