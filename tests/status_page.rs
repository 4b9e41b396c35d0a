//! The status page in a real browser: Debian's Chromium, headless, loads `/health` from
//! the layer over real HTTP. Its DOM shows every component with its status, a component
//! named like markup stays text, and screenshots (desktop, phone, dark) are written to
//! `target/tmp/status-page/` for people to look at.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::NO_HANG;
use common::health::started_with_results;
use common::serve::{counting_app, serve_axum};
use tower_health::{Health, HealthLayer, NamedCheck};

const INJECTION: &str = "<img src=x onerror=alert(1)>";

/// Where the screenshots go: the test's output directory.
fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("status-page");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run headless Chromium with `args` on `url`, as this machine allows it (no sandbox as
/// root, no background networking: the network is closed); returns its standard output.
async fn chromium(args: &[&str], url: &str) -> String {
    let profile = tempfile_dir();
    let out = profile.join("stdout");
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
        ])
        .args(["--no-first-run", "--disable-background-networking"])
        .args([
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot start chromium ({error}). Install it (apt-get install chromium) or \
                 run the suite with ./scripts/test, which does"
            )
        });
    let deadline = tokio::time::Instant::now() + 3 * NO_HANG;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if tokio::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium hung on {url}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "chromium failed on {url}: {status}");
    let stdout = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    stdout
}

/// A fresh directory for one browser profile.
fn tempfile_dir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = output_dir().join(format!("profile-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The width and height a PNG file says it has (its IHDR chunk).
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG", "{} is not a PNG", path.display());
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

/// A service with a passing database, a failing critical cache, a failing non-critical
/// search, a flapping consumer with a history, and a component named like markup (the
/// manual ones appear when first marked).
async fn service() -> Health {
    let health = started_with_results(
        Health::builder()
            .add_check(
                NamedCheck::new("database", || async { Ok::<(), String>(()) })
                    .component_type("datastore"),
            )
            .check("cache", || async { Err("connection refused") })
            .add_check(NamedCheck::new("search", || async { Err("index offline") }).non_critical())
            .service_id("orders")
            .interval(Duration::from_secs(60)),
    )
    .await;
    for _ in 0..3 {
        health.mark_up("consumer");
        tokio::time::sleep(Duration::from_millis(30)).await;
        health.mark_down("consumer", "rebalancing");
    }
    health.mark_down(INJECTION, "<script>alert(2)</script>");
    health
}

#[tokio::test]
async fn chromium_shows_every_component_and_markup_names_stay_text() {
    let health = service().await;
    let (app, _calls) = counting_app();
    let addr = serve_axum(app.layer(HealthLayer::new(health.clone()))).await;
    let url = format!("http://{addr}/health");

    let dom = chromium(&["--dump-dom"], &url).await;
    assert!(dom.contains("<title>down · orders health</title>"), "{dom}");
    for (name, status) in [
        ("database", "ok"),
        ("cache", "down"),
        ("search", "down"),
        ("consumer", "down"),
        ("&lt;img src=x onerror=alert(1)&gt;", "down"),
    ] {
        let card = format!("<span class=\"badge {status}\">{status}</span> {name}");
        assert!(dom.contains(&card), "no {card:?} in {dom}");
    }
    let down = "down: &lt;img src=x onerror=alert(1)&gt;, cache, consumer</p>";
    assert!(dom.contains(down), "{dom}");
    assert!(dom.contains("non-critical down: search</p>"), "{dom}");
    assert!(!dom.contains("<img"), "an image element: {dom}");
    assert!(!dom.contains("<script"), "a script element: {dom}");
    assert!(!dom.contains("alert(2)"), "error texts are withheld: {dom}");
    assert!(dom.contains("<span class=\"badge flapping\">flapping</span>"));
    assert!(dom.contains("<b>non-critical</b>"));
    assert!(
        dom.contains("<summary>6 changes</summary>"),
        "consumer's history"
    );
    assert!(dom.matches("<svg").count() == 5, "a timeline per component");

    let dir = output_dir();
    let shots = [
        ("desktop.png", "1280,800", false),
        ("phone.png", "390,844", false),
        ("desktop-dark.png", "1280,800", true),
    ];
    for (file, size, dark) in shots {
        let path = dir.join(file);
        let _ = std::fs::remove_file(&path);
        let mut args = vec![
            format!("--window-size={size}"),
            format!("--screenshot={}", path.display()),
        ];
        if dark {
            args.push("--force-dark-mode".to_owned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        chromium(&args, &url).await;
        let (width, height) = png_size(&path);
        assert_eq!(format!("{width},{height}"), size, "{file}");
        eprintln!("status page screenshot: {}", path.display());
    }
    let light = std::fs::read(dir.join("desktop.png")).unwrap();
    let dark = std::fs::read(dir.join("desktop-dark.png")).unwrap();
    assert_ne!(light, dark, "dark mode changes the page");
}
