//! What the crate logs through `tracing`, captured as text from a real `fmt` subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Everything a `fmt` subscriber wrote, as text.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    pub fn count(&self, needle: &str) -> usize {
        self.text().matches(needle).count()
    }

    /// A plain-text `fmt` subscriber writing here.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let writer = self.clone();
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish()
    }

    /// What every thread of the process logs from now on (the subscriber is the process's
    /// default, set once): for tasks on a multi-threaded runtime.
    pub fn global() -> Captured {
        static GLOBAL: OnceLock<Captured> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                let logs = Captured::default();
                tracing::subscriber::set_global_default(logs.subscriber())
                    .expect("no other global subscriber");
                logs
            })
            .clone()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
