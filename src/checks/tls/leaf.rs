//! The presented leaf certificate: its subject and dates, and the verdict on them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::pki_types::CertificateDer;

use crate::checks::error::CheckError;

/// What the check reads of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Leaf {
    /// The subject, as `CN=api.example.com` (`O=…, CN=…` with more parts).
    pub(super) subject: String,
    /// Seconds since the Unix epoch.
    pub(super) not_before: i64,
    /// Seconds since the Unix epoch.
    pub(super) not_after: i64,
}

impl Leaf {
    /// The subject and dates of a DER certificate.
    pub(super) fn parse(der: &CertificateDer<'_>) -> Result<Leaf, String> {
        let (_, certificate) = x509_parser::parse_x509_certificate(der.as_ref())
            .map_err(|error| format!("unreadable certificate: {error}"))?;
        let subject = certificate.subject().to_string();
        let validity = certificate.validity();
        Ok(Leaf {
            subject: if subject.is_empty() {
                "(no subject)".to_owned()
            } else {
                subject
            },
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
        })
    }

    /// Whether `now` (seconds since the Unix epoch) lies outside its dates.
    pub(super) fn is_out_of_date(&self, now: i64) -> bool {
        now < self.not_before || now >= self.not_after
    }

    /// Seconds from `now` to its expiry, negative once expired.
    pub(super) fn seconds_left(&self, now: i64) -> i64 {
        self.not_after.saturating_sub(now)
    }

    /// The verdict at `now`: down when not yet valid or expired, degraded within `warn` of
    /// its expiry, passing otherwise. The reason names the subject and the date.
    pub(super) fn judge(&self, now: i64, warn: Duration) -> Result<(), CheckError> {
        let subject = &self.subject;
        if now < self.not_before {
            let (date, wait) = (date(self.not_before), span(self.not_before - now));
            return Err(CheckError::new(format!(
                "{subject} not valid before {date} (in {wait})"
            )));
        }
        let left = self.seconds_left(now);
        let expiry = date(self.not_after);
        if left <= 0 {
            let ago = span(-left);
            return Err(CheckError::new(format!(
                "{subject} expired {expiry} ({ago} ago)"
            )));
        }
        let warn = i64::try_from(warn.as_secs()).unwrap_or(i64::MAX);
        if left <= warn {
            let left = span(left);
            return Err(CheckError::degraded(format!(
                "{subject} expires {expiry} (in {left})"
            )));
        }
        Ok(())
    }
}

/// Now, in seconds since the Unix epoch.
pub(super) fn now() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH);
    since.map_or(0, |since| {
        i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
    })
}

/// A moment in RFC 3339, to the second (`2026-12-08T10:00:00Z`).
fn date(seconds: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
    humantime::format_rfc3339_seconds(at).to_string()
}

/// A span, coarse on purpose (the reason changes at most once an hour until the last
/// one): `2 days`, `5 hours`, `1 minute`, each rounded to the nearest unit.
fn span(seconds: i64) -> String {
    let seconds = seconds.unsigned_abs();
    let (count, unit) = match seconds {
        86_400.. => ((seconds + 43_200) / 86_400, "day"),
        3_600.. => ((seconds + 1_800) / 3_600, "hour"),
        _ => (seconds.div_ceil(60), "minute"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const WARN: Duration = Duration::from_secs(14 * 86_400);

    fn leaf(not_before: i64, not_after: i64) -> Leaf {
        Leaf {
            subject: "CN=api.example.com".to_owned(),
            not_before,
            not_after,
        }
    }

    #[test]
    fn expiry_is_judged_against_the_warning_window() {
        // 2026-12-08T10:00:00Z.
        let expiry = 1_796_724_000;
        let certificate = leaf(expiry - 90 * DAY, expiry);
        assert_eq!(certificate.judge(expiry - 30 * DAY, WARN), Ok(()));
        let warned = certificate.judge(expiry - 2 * DAY, WARN).unwrap_err();
        assert!(warned.is_degraded());
        assert_eq!(
            warned.message(),
            "CN=api.example.com expires 2026-12-08T10:00:00Z (in 2 days)"
        );
        let expired = certificate.judge(expiry + 3 * 3_600, WARN).unwrap_err();
        assert!(!expired.is_degraded());
        assert_eq!(
            expired.message(),
            "CN=api.example.com expired 2026-12-08T10:00:00Z (3 hours ago)"
        );
        assert!(
            certificate.judge(expiry, WARN).is_err(),
            "expired at its end"
        );
        let early = certificate.judge(expiry - 91 * DAY, WARN).unwrap_err();
        assert!(!early.is_degraded());
        assert_eq!(
            early.message(),
            "CN=api.example.com not valid before 2026-09-09T10:00:00Z (in 1 day)"
        );
        assert_eq!(certificate.seconds_left(expiry + 10), -10);
        assert!(certificate.is_out_of_date(expiry) && !certificate.is_out_of_date(expiry - 1));
    }

    #[test]
    fn spans_are_coarse() {
        assert_eq!(span(2 * DAY - 5), "2 days");
        assert_eq!(span(DAY), "1 day");
        assert_eq!(span(-(5 * 3_600)), "5 hours");
        assert_eq!(span(61), "2 minutes");
        assert_eq!(span(0), "0 minutes");
    }
}
