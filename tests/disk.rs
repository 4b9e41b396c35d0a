//! The disk check on a real temporary directory, against the free space `df` reads there:
//! passing just under it, failing well above it with both amounts, and down with a clear
//! reason on a path that does not exist; through the engine too.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::health::started_with_results;
use common::temp::TempDir;
use tower_health::{Check, ComponentStatus, Health, NamedCheck, Probe, Status, checks};

const MIB: u64 = 1 << 20;

/// The bytes available on `path`'s filesystem, as `df` reads them.
fn df_available(path: &Path) -> u64 {
    let output = Command::new("df")
        .args(["-B1", "--output=avail"])
        .arg(path)
        .output()
        .expect("run df");
    assert!(output.status.success(), "df: {output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    text.lines()
        .nth(1)
        .and_then(|line| line.trim().parse().ok())
        .unwrap_or_else(|| panic!("df output: {text:?}"))
}

#[tokio::test]
async fn passes_just_under_the_free_space_and_fails_well_above_it() {
    let dir = TempDir::new("disk");
    let available = df_available(dir.path());
    assert!(
        available > 256 * MIB,
        "too little free space to test: {available}"
    );

    // Other processes write to the disk meanwhile: 128 MiB of slack.
    let under = checks::disk(dir.path(), available - 128 * MIB);
    under
        .check()
        .await
        .expect("free space just above the requirement");

    let above = checks::disk(dir.path(), available * 2 + (1 << 30));
    let error = above
        .check()
        .await
        .expect_err("free space well below the requirement");
    let message = error.message();
    let prefix = format!("{}: ", dir.path().display());
    assert!(message.starts_with(&prefix), "{message}");
    assert!(
        message.contains(" free, ") && message.ends_with(" required"),
        "{message}"
    );
    assert!(
        message.contains("iB free") && message.contains("iB required"),
        "human units: {message}"
    );
}

#[tokio::test]
async fn a_path_that_does_not_exist_is_down_with_a_clear_reason() {
    let missing = std::env::temp_dir().join("tower-health-no-such-dir/deeper");
    let error = checks::disk(&missing, 1).check().await.unwrap_err();
    assert!(
        error.message().starts_with(&format!(
            "{}: cannot read free space: No such file or directory",
            missing.display()
        )),
        "{error}"
    );
}

#[tokio::test]
async fn the_engine_runs_it_and_a_shortfall_degrades_a_non_critical_check() {
    let dir = TempDir::new("disk-engine");
    let available = df_available(dir.path());
    let health = started_with_results(
        Health::builder()
            .check("data", checks::disk(dir.path(), MIB))
            .add_check(
                NamedCheck::new("spare", checks::disk(dir.path(), available * 2)).non_critical(),
            )
            .timeout(Duration::from_secs(5)),
    )
    .await;
    let snapshot = health.snapshot();
    let data = snapshot.component("data").unwrap();
    assert_eq!(data.status(), ComponentStatus::Up, "{:?}", data.error());
    assert_eq!(data.component_type(), "system");
    let spare = snapshot.component("spare").unwrap();
    assert_eq!(spare.status(), ComponentStatus::Down);
    assert!(
        spare.error().unwrap().ends_with(" required"),
        "{:?}",
        spare.error()
    );
    assert_eq!(snapshot.status(Probe::Readiness), Status::Degraded);
}
