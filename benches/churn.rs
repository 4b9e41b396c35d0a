//! Checks added and removed while running, measured by dhat's global allocator (no `unsafe`
//! here): the live heap and the tokio tasks before, with a thousand more checks running,
//! and after removing them, over rounds. A leak shows as live bytes growing round after
//! round; the first round may keep what grown buffers hold.
//!
//! ```text
//! cargo bench -p tower-health-benches --bench churn
//! ```

use std::time::{Duration, Instant};

use tower_health::{ComponentStatus, Health, NamedCheck};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

const CHECKS: usize = 1000;
const ROUNDS: usize = 3;

fn tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

fn live() -> (u64, usize) {
    let stats = dhat::HeapStats::get();
    (stats.curr_bytes as u64, stats.curr_blocks)
}

async fn settle() {
    // Let aborted tasks be dropped and the last snapshot replace the others.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn churn() {
    let health = Health::builder()
        .check("database", || async { Ok::<(), String>(()) })
        .interval(Duration::from_secs(1))
        .initial_jitter(Duration::ZERO)
        .build();
    health.mark_started();
    health.start_checks();
    let mut changes = health.subscribe();
    let all_up = |count: usize| {
        move |s: &std::sync::Arc<tower_health::Snapshot>| {
            s.components().count() == count
                && s.components()
                    .all(|(_, c)| c.status() == ComponentStatus::Up)
        }
    };
    changes.wait_for(all_up(1)).await.unwrap();
    // Warm tokio up first: its run queue and timer grow to hold the checks' tasks once,
    // and keep that room.
    let warm: Vec<_> = (0..2 * CHECKS)
        .map(|_| tokio::spawn(tokio::time::sleep(Duration::from_millis(10))))
        .collect();
    for task in warm {
        task.await.unwrap();
    }
    settle().await;
    let (tasks_before, (bytes_before, blocks_before)) = (tasks(), live());
    println!("checks added and removed while running (dhat, {CHECKS} checks a round)");
    println!(
        "  start          {tasks_before:>5} tasks {bytes_before:>10} live bytes {blocks_before:>7} blocks"
    );
    for round in 1..=ROUNDS {
        let started = Instant::now();
        for n in 0..CHECKS {
            let check = NamedCheck::new(format!("dep-{n}"), || async { Ok::<(), String>(()) });
            health.add_check(check).unwrap();
        }
        changes.wait_for(all_up(CHECKS + 1)).await.unwrap();
        let (tasks_full, (bytes_full, blocks_full)) = (tasks(), live());
        for n in 0..CHECKS {
            health.remove(&format!("dep-{n}")).unwrap();
        }
        settle().await;
        let (tasks_after, (bytes_after, blocks_after)) = (tasks(), live());
        let took = started.elapsed().as_secs_f64();
        println!(
            "  round {round} full  {tasks_full:>5} tasks {bytes_full:>10} live bytes {blocks_full:>7} blocks"
        );
        println!(
            "  round {round} after {tasks_after:>5} tasks {bytes_after:>10} live bytes {blocks_after:>7} blocks \
             ({:+} bytes, {:+} blocks since the start; {took:.1} s)",
            bytes_after as i64 - bytes_before as i64,
            blocks_after as i64 - blocks_before as i64,
        );
    }
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(churn());
}
