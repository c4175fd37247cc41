//! The clock handle and the timestamp forms the AWS tools write. Does no I/O.
use crate::support::env::{Env, SSOEXEC_TEST_NOW};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

/// Where "now" comes from: the system, or a pinned instant (`SSOEXEC_TEST_NOW`) for tests.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    Pinned(OffsetDateTime),
}

impl Clock {
    /// The system clock unless `SSOEXEC_TEST_NOW` pins it. An unparsable pin is an error, not ignored.
    /// The pin is a test seam: only debug builds (what `cargo test` runs) read it, so an
    /// installed (release) ssoexec always uses the real clock, whatever its environment holds.
    pub fn from_env(env: &Env) -> Result<Clock, String> {
        let pin = if cfg!(debug_assertions) {
            env.get(SSOEXEC_TEST_NOW)
        } else {
            None
        };
        match pin {
            None => Ok(Clock::System),
            Some(v) => parse_instant(v).map(Clock::Pinned).ok_or_else(|| {
                format!("{SSOEXEC_TEST_NOW}={v:?} is neither epoch seconds nor RFC 3339")
            }),
        }
    }

    #[allow(clippy::disallowed_methods)] // the one place that reads the system clock
    pub fn now(&self) -> OffsetDateTime {
        match self {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Pinned(t) => *t,
        }
    }
}

fn parse_instant(v: &str) -> Option<OffsetDateTime> {
    if let Ok(secs) = v.trim().parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp(secs).ok();
    }
    parse_timestamp(v)
}

/// Parses the timestamps found in AWS caches: RFC 3339 (`Z`, offsets, fractions) and the legacy
/// `2020-01-01T00:00:00UTC` form that CLI v2 wrote before December 2020 (`docs/cache-files.md#what-readers-require`).
pub fn parse_timestamp(v: &str) -> Option<OffsetDateTime> {
    let v = v.trim();
    let normalized;
    let v = if let Some(base) = v.strip_suffix("UTC") {
        normalized = format!("{base}Z");
        normalized.as_str()
    } else {
        v
    };
    OffsetDateTime::parse(v, &Rfc3339)
        .ok()
        .map(|t| t.to_offset(UtcOffset::UTC))
}

/// `YYYY-MM-DDTHH:MM:SSZ` in UTC: what botocore writes in caches and every SDK reads.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.to_offset(UtcOffset::UTC).format(&fmt).unwrap_or_default()
}

/// `YYYY-MM-DDTHH:MM:SS+00:00`: the form `aws configure export-credentials` prints (`docs/output-formats.md#export-credentials-formats`).
pub fn format_timestamp_offset(t: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+00:00");
    t.to_offset(UtcOffset::UTC).format(&fmt).unwrap_or_default()
}

/// True when `expires_at` is less than `margin` away from `now` (or already past).
pub fn needs_refresh(expires_at: OffsetDateTime, now: OffsetDateTime, margin: Duration) -> bool {
    expires_at - now < margin
}

/// Human form of a remaining duration: `42m`, `3h05m`, `expired 2m ago`.
pub fn describe_remaining(expires_at: OffsetDateTime, now: OffsetDateTime) -> String {
    let left = expires_at - now;
    if left.is_negative() {
        format!("expired {} ago", describe_duration(-left))
    } else {
        describe_duration(left)
    }
}

/// `42m`, `3h05m` (rounded to the minute).
pub fn describe_duration(d: Duration) -> String {
    let mins = (d.whole_seconds() + 30) / 60;
    if mins >= 60 {
        format!("{}h{:02}m", mins / 60, mins % 60)
    } else {
        format!("{mins}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn pinned(v: &str) -> Result<Clock, String> {
        Clock::from_env(&Env::from_pairs([(SSOEXEC_TEST_NOW, v)]))
    }

    #[cfg(debug_assertions)]
    #[test]
    fn debug_builds_honour_the_test_pin() {
        let Ok(Clock::Pinned(t)) = pinned("1795687200") else {
            panic!("not pinned");
        };
        assert_eq!(t, datetime!(2026-11-26 10:00:00 UTC));
        assert!(pinned("soon").is_err());
    }

    /// `cargo test --release`: an installed ssoexec never takes its time from the environment.
    #[cfg(not(debug_assertions))]
    #[test]
    fn release_builds_ignore_the_test_pin() {
        assert!(matches!(pinned("1795687200"), Ok(Clock::System)));
        assert!(matches!(pinned("soon"), Ok(Clock::System)));
    }

    #[test]
    fn parses_every_cache_form() {
        let want = datetime!(2026-11-26 17:19:24 UTC);
        for v in [
            "2026-11-26T17:19:24Z",
            "2026-11-26T17:19:24UTC",
            "2026-11-26T17:19:24+00:00",
            "2026-11-26T18:19:24+01:00",
        ] {
            assert_eq!(parse_timestamp(v), Some(want), "{v}");
        }
        assert_eq!(
            parse_timestamp("2026-11-26T17:19:24.500Z").map(|t| t.unix_timestamp()),
            Some(want.unix_timestamp())
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn formats_like_botocore_and_the_cli() {
        let t = datetime!(2026-11-26 10:19:25.9 UTC);
        assert_eq!(format_timestamp(t), "2026-11-26T10:19:25Z");
        assert_eq!(format_timestamp_offset(t), "2026-11-26T10:19:25+00:00");
    }

    #[test]
    fn refresh_window() {
        let now = datetime!(2026-01-01 00:00 UTC);
        assert!(needs_refresh(
            now + Duration::minutes(14),
            now,
            Duration::minutes(15)
        ));
        assert!(!needs_refresh(
            now + Duration::minutes(15),
            now,
            Duration::minutes(15)
        ));
        assert!(needs_refresh(
            now - Duration::minutes(1),
            now,
            Duration::ZERO
        ));
    }
}
