//! This machine's address on a network interface, to reach a local server from an address
//! that is not loopback.

use std::net::{IpAddr, UdpSocket};
use std::process::Command;

/// An address of this machine that is not loopback (nor unspecified): the one the kernel
/// would send from towards the outside (a UDP "connect" sends nothing), else the first
/// `hostname -I` lists. Panics when the machine has none: a test of a non-loopback peer
/// cannot run on loopback alone (every `127.0.0.x` is loopback).
pub fn non_loopback_ip() -> IpAddr {
    let usable = |ip: &IpAddr| !ip.is_loopback() && !ip.is_unspecified();
    let routed = ["203.0.113.1:9", "[2001:db8::1]:9"]
        .into_iter()
        .find_map(|target| {
            let bind = if target.starts_with('[') {
                "[::]:0"
            } else {
                "0.0.0.0:0"
            };
            let socket = UdpSocket::bind(bind).ok()?;
            socket.connect(target).ok()?;
            Some(socket.local_addr().ok()?.ip()).filter(usable)
        });
    if let Some(ip) = routed {
        return ip;
    }
    let listed = Command::new("hostname").arg("-I").output();
    let listed = listed.map(|output| String::from_utf8_lossy(&output.stdout).into_owned());
    let listed = listed.unwrap_or_default();
    listed
        .split_whitespace()
        .filter_map(|ip| ip.parse::<IpAddr>().ok())
        .find(usable)
        .unwrap_or_else(|| {
            panic!(
                "this machine has no address but loopback (`hostname -I`: {listed:?}), so no \
                 request can come from a non-loopback peer: give it a network interface"
            )
        })
}
