//! The rules: each mistake a configuration can make against its deployment.

use std::time::Duration;

use super::deployment::Deployment;
use super::detection::detection_times;
use super::warning::ConfigWarning;
use crate::engine::Scheduled;
use crate::model::component::ComponentKind;
use crate::model::probe::Probe;
use crate::model::state::State;

/// Every mistake in `checks` (with the state that says which are critical and which startup
/// waits for) against `deployment`, each logged at warn level.
pub(crate) fn lint(
    checks: &[Scheduled],
    state: &State,
    deployment: &Deployment,
) -> Vec<ConfigWarning> {
    let member = |check: &Scheduled, probe: Probe| {
        let component = state.components.get(&*check.name);
        component.is_some_and(|component| component.probes.contains(probe))
    };
    let mut warnings = Vec::new();
    let mut warn = |message: String| warnings.push(ConfigWarning { message });

    for check in checks.iter().filter(|check| check.check.is_remote()) {
        if member(check, Probe::Liveness) {
            warn(format!(
                "check {:?} talks to another host and counts for liveness: when that host \
                 fails, every replica fails liveness together and the orchestrator restarts \
                 them all, which cannot bring the host back; count it for readiness instead",
                check.name
            ));
        }
    }

    let traffic = state
        .components
        .iter()
        .filter(|(_, component)| component.kind == ComponentKind::Traffic);
    for (name, component) in traffic {
        if component.probes.contains(Probe::Readiness) && !component.shared {
            warn(format!(
                "{name:?} (traffic) counts for readiness and is not shared: a failure every \
                 replica sees (a broken downstream) takes them all out of the Service at once; \
                 mark it shared and give the handle its peers, so only a replica failing alone \
                 leaves"
            ));
        }
    }

    let probes = [
        ("livenessProbe", deployment.liveness),
        ("readinessProbe", deployment.readiness),
        ("startupProbe", deployment.startup),
    ];
    if let Some(check) = checks.iter().max_by_key(|check| check.timeout) {
        for (probe, settings) in probes {
            if let Some(settings) = settings.filter(|s| check.timeout >= s.timeout) {
                warn(format!(
                    "check timeout of {:?} ({:?}) is at or above the {probe} timeoutSeconds \
                     ({:?}): keep check timeouts below the probe timeout",
                    check.name, check.timeout, settings.timeout
                ));
            }
        }
    }

    let required: Duration = checks
        .iter()
        .filter(|check| member(check, Probe::Startup))
        .map(|check| match check.thresholds.up_after {
            // The first success, then a run that ends once they have lasted `up_after`.
            Some(up_after) if !up_after.is_zero() => {
                check.timeout + up_after + check.interval + check.timeout
            }
            Some(_) => check.timeout,
            None => {
                let successes = check.thresholds.successes;
                check.timeout.saturating_mul(successes)
                    + check.interval.saturating_mul(successes.saturating_sub(1))
            }
        })
        .max()
        .unwrap_or_default();
    let needed = deployment.expected_startup + required;
    let budget = deployment
        .startup
        .map(|s| ("startupProbe", s))
        .or(deployment.liveness.map(|s| ("livenessProbe", s)));
    if let Some((probe, settings)) = budget.filter(|(_, s)| s.budget() < needed) {
        warn(format!(
            "{probe} budget (failureThreshold × periodSeconds = {:?}) is shorter than start-up \
             may take ({:?}: expected start-up {:?} + required checks {:?}): the pod would be \
             restarted before it starts",
            settings.budget(),
            needed,
            deployment.expected_startup,
            required
        ));
    }

    if let (Some(delay), Some(grace)) =
        (deployment.drain_delay, deployment.termination_grace_period)
        && delay >= grace
    {
        warn(format!(
            "drain delay ({delay:?}) is at or above terminationGracePeriodSeconds \
             ({grace:?}): the pod is killed before in-flight requests finish; make the \
             grace period longer than the drain delay plus the longest request"
        ));
    }

    if let Some(bound) = deployment.unready_within {
        for time in detection_times(checks, state, deployment) {
            if time.total() > bound {
                warn(format!(
                    "{time}; above the {bound:?} set by unready_within: lower the check's \
                     interval, timeout, failure threshold or down_after, or the readiness \
                     probe's"
                ));
            }
        }
    }

    for message in super::demotion::demoted(state, tokio::time::Instant::now()) {
        warn(message);
    }

    for warning in &warnings {
        tracing::warn!("health configuration: {warning}");
    }
    warnings
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::lint::settings::ProbeSettings;
    use crate::model::component::{Component, ComponentKind};
    use crate::model::thresholds::Thresholds;

    /// A critical check `db`, required for startup, with `timeout`, a 5 s interval, down
    /// after three failures and up after two successes.
    struct Config {
        checks: Vec<Scheduled>,
        state: State,
    }

    impl Config {
        fn lint(&self, deployment: &Deployment) -> Vec<ConfigWarning> {
            lint(&self.checks, &self.state, deployment)
        }
    }

    fn health(timeout: Duration) -> Config {
        let check = Scheduled {
            name: "db".into(),
            check: Arc::new(|| async { Ok::<(), String>(()) }),
            interval: Duration::from_secs(5),
            timeout,
            thresholds: Thresholds::counts(3, 2),
            initial_jitter: Duration::ZERO,
            down_interval: Duration::from_secs(5),
            shared: false,
            retired: Arc::default(),
        };
        let mut state = State::default();
        let component = Component::new(ComponentKind::Check, true);
        state.components.insert("db".to_owned(), component);
        let db = state.components.get_mut("db").unwrap();
        db.probes = db.probes.with(Probe::Startup);
        Config {
            checks: vec![check],
            state,
        }
    }

    fn good() -> Deployment {
        Deployment::new()
            .liveness(ProbeSettings::seconds(10, 3, 3))
            .readiness(ProbeSettings::seconds(5, 3, 2))
            .startup(ProbeSettings::seconds(2, 3, 30))
            .termination_grace_period(Duration::from_secs(30))
            .drain_delay(Duration::from_secs(10))
            .expected_startup(Duration::from_secs(20))
    }

    #[test]
    fn a_consistent_deployment_has_no_warnings() {
        assert_eq!(health(Duration::from_secs(2)).lint(&good()), vec![]);
    }

    #[test]
    fn check_timeout_at_the_probe_timeout() {
        let warnings = health(Duration::from_secs(3)).lint(&good());
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings
                .iter()
                .all(|w| w.message().contains("check timeout of \"db\""))
        );
    }

    #[test]
    fn startup_budget_too_short() {
        // 30 s expected + 2 × 2 s timeouts + 5 s interval = 39 s > 2 s × 15 = 30 s.
        let deployment = good()
            .startup(ProbeSettings::seconds(2, 3, 15))
            .expected_startup(Duration::from_secs(30));
        let warnings = health(Duration::from_secs(2)).lint(&deployment);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].message().starts_with("startupProbe budget"),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].message().contains("39s"), "{}", warnings[0]);
    }

    #[test]
    fn drain_delay_against_grace_period() {
        let deployment = good().drain_delay(Duration::from_secs(30));
        let warnings = health(Duration::from_secs(2)).lint(&deployment);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0]
                .message()
                .contains("terminationGracePeriodSeconds")
        );

        let fits = good().drain_delay(Duration::from_secs(29));
        assert!(health(Duration::from_secs(2)).lint(&fits).is_empty());
    }

    #[test]
    fn nothing_known_nothing_said() {
        assert!(
            health(Duration::from_secs(60))
                .lint(&Deployment::new())
                .is_empty()
        );
    }

    #[test]
    fn detection_time_against_its_bound() {
        // 3 × (5 s + 0.5 s jitter + 2 s timeout) = 22.5 s, + 2 × 5 s for the kubelet.
        let config = health(Duration::from_secs(2));
        let fits = good().unready_within(Duration::from_millis(32_500));
        assert_eq!(config.lint(&fits), vec![]);
        let tight = good().unready_within(Duration::from_secs(30));
        let warnings = config.lint(&tight);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let message = warnings[0].message();
        assert!(message.starts_with("\"db\" takes up to 32.5s"), "{message}");
        assert!(
            message.contains("22.5s until /readyz answers 503"),
            "{message}"
        );
        assert!(message.contains("+ 10s for the kubelet"), "{message}");
        assert!(
            message.contains("above the 30s set by unready_within"),
            "{message}"
        );
    }

    #[test]
    fn a_non_critical_check_has_no_detection_time() {
        let mut config = health(Duration::from_secs(2));
        config.state.components.get_mut("db").unwrap().critical = false;
        let tight = good().unready_within(Duration::from_secs(1));
        assert_eq!(config.lint(&tight), vec![]);
    }

    #[test]
    fn a_remote_check_on_liveness() {
        let mut config = health(Duration::from_secs(2));
        config.checks[0].check = Arc::new(crate::checks::tcp("db.internal:5432"));
        assert_eq!(config.lint(&good()), vec![], "readiness and startup: fine");
        let db = config.state.components.get_mut("db").unwrap();
        db.probes = db.probes.with(Probe::Liveness);
        let warnings = config.lint(&good());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0]
                .message()
                .starts_with("check \"db\" talks to another host and counts for liveness"),
            "{}",
            warnings[0]
        );
        // An in-process check on liveness is what liveness is for.
        config.checks[0].check = Arc::new(|| async { Ok::<(), String>(()) });
        assert_eq!(config.lint(&good()), vec![]);
    }

    #[test]
    fn traffic_on_readiness_should_be_shared() {
        let mut config = health(Duration::from_secs(2));
        let mut traffic = Component::new(ComponentKind::Traffic, true);
        traffic.probes = crate::model::probe_set::ProbeSet::NONE;
        config
            .state
            .components
            .insert("traffic".to_owned(), traffic);
        assert_eq!(config.lint(&good()), vec![], "report-only: fine");
        let traffic = config.state.components.get_mut("traffic").unwrap();
        traffic.probes = crate::model::probe_set::ProbeSet::READINESS;
        let warnings = config.lint(&good());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].message().contains("mark it shared"),
            "{}",
            warnings[0]
        );
        config.state.components.get_mut("traffic").unwrap().shared = true;
        assert_eq!(config.lint(&good()), vec![]);
    }

    #[test]
    fn detection_time_with_down_after() {
        // 20 s + 2 × (5 s + 0.5 s jitter + 2 s timeout) = 35 s, + 2 × 5 s for the kubelet.
        let mut config = health(Duration::from_secs(2));
        config.checks[0].thresholds.down_after = Some(Duration::from_secs(20));
        assert_eq!(
            config.lint(&good().unready_within(Duration::from_secs(45))),
            vec![]
        );
        let warnings = config.lint(&good().unready_within(Duration::from_secs(44)));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let message = warnings[0].message();
        assert!(message.starts_with("\"db\" takes up to 45s"), "{message}");
        assert!(
            message.contains("35s until /readyz answers 503 (20s down_after + 2 runs × "),
            "{message}"
        );
    }

    #[test]
    fn up_after_counts_toward_start_up() {
        // 20 s expected + (2 s timeout + 10 s up_after + 5 s interval + 2 s timeout) = 39 s
        // > 2 s × 15 = 30 s.
        let mut config = health(Duration::from_secs(2));
        config.checks[0].thresholds.up_after = Some(Duration::from_secs(10));
        let deployment = good().startup(ProbeSettings::seconds(2, 3, 15));
        let warnings = config.lint(&deployment);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].message().contains("39s"), "{}", warnings[0]);
    }
}
