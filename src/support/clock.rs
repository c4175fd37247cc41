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
                format!("{SSOEXEC_TEST_NOW}={v:?} is not epoch seconds or an RFC 3339 time between 1970 and 9000")
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

/// The latest instant `SSOEXEC_TEST_NOW` may pin: "now" plus any lifetime ssoexec computes (at
/// most years) must stay a date, so a pin near the end of year 9999 is refused, not a panic later.
const LATEST_PIN: OffsetDateTime = time::macros::datetime!(9000-01-01 00:00 UTC);

fn parse_instant(v: &str) -> Option<OffsetDateTime> {
    let t = match v.trim().parse::<i64>() {
        Ok(secs) => OffsetDateTime::from_unix_timestamp(secs).ok()?,
        Err(_) => parse_timestamp(v)?,
    };
    (OffsetDateTime::UNIX_EPOCH..=LATEST_PIN)
        .contains(&t)
        .then_some(t)
}

/// Parses the timestamps found in AWS caches: RFC 3339 (`Z`, offsets, fractions) and the legacy
/// `2020-01-01T00:00:00UTC` form that CLI v2 wrote before December 2020 (`docs/cache-files.md#what-readers-require`).
/// A time whose UTC form is not a date (`9999-12-31T23:59:59-23:59` is in year 10000) is not a
/// timestamp: `None`, never a panic.
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
        .ok()?
        .checked_to_offset(UtcOffset::UTC)
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

/// The one way ssoexec shows an instant to a person: how far it is from `now`, then its UTC clock
/// time, with the date when that is not today's (UTC): `in 59 min (at 14:03 UTC)`,
/// `5 min ago (at 09:55 UTC)`, `in 89 d 23 h (at 2027-02-24 10:00 UTC)`. UTC, not local time:
/// ssoexec reads no time-zone database, and UTC is what the cache files and AWS consoles show.
/// Machine documents (cache files, `credential_process` JSON, ExecCredential, env files) keep
/// their RFC 3339 forms ([`format_timestamp`]).
pub fn describe_instant(t: OffsetDateTime, now: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let clock = if t.date() == now.to_offset(UtcOffset::UTC).date() {
        t.format(format_description!("[hour]:[minute]"))
    } else {
        t.format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
    }
    .unwrap_or_default();
    if t > now {
        format!("in {} (at {clock} UTC)", describe_duration(t - now))
    } else {
        format!("{} ago (at {clock} UTC)", describe_duration(now - t))
    }
}

/// The one way ssoexec shows a length of time to a person: the largest unit and the next one
/// when it is not zero, truncated (never more than is left): `45 s`, `1 min 30 s`, `59 min`,
/// `8 h`, `3 h 5 min`, `89 d 23 h`. The sign is ignored (callers say "ago" or "in").
pub fn describe_duration(d: Duration) -> String {
    let secs = d.whole_seconds().unsigned_abs();
    let (days, hours, mins, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let (major, minor) = if days > 0 {
        ((days, "d"), (hours, "h"))
    } else if hours > 0 {
        ((hours, "h"), (mins, "min"))
    } else if mins > 0 {
        ((mins, "min"), (s, "s"))
    } else {
        return format!("{s} s");
    };
    match minor {
        (0, _) => format!("{} {}", major.0, major.1),
        (n, unit) => format!("{} {} {n} {unit}", major.0, major.1),
    }
}

/// [`describe_duration`] of a `std` duration (timeouts, waits).
pub fn describe_std_duration(d: std::time::Duration) -> String {
    describe_duration(Duration::seconds(
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
    ))
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any RFC 3339-shaped text, with any offset, parses to a UTC date or to `None`.
        #[test]
        fn any_timestamp_is_a_utc_date_or_none(
            y in 0i32..=9999, mo in 1u8..=12, d in 1u8..=31, h in 0u8..=23, mi in 0u8..=59,
            s in 0u8..=60, sign in prop::sample::select(vec!['+', '-']), oh in 0u8..=25, om in 0u8..=60,
            frac in proptest::option::of("[0-9]{1,12}"), utc in any::<bool>()
        ) {
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            let v = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{sign}{oh:02}:{om:02}");
            if let Some(t) = parse_timestamp(&v) {
                prop_assert_eq!(t.offset(), UtcOffset::UTC);
            }
            let z = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{}", if utc { "UTC" } else { "Z" });
            if let Some(t) = parse_timestamp(&z) {
                prop_assert_eq!(t.year(), y);
            }
        }

        /// Whatever the text, parsing a timestamp or a pinned clock never panics.
        #[test]
        fn any_text_never_panics(v in "[0-9TZUC:+\\-. ]{0,40}") {
            let _ = parse_timestamp(&v);
            let _ = parse_instant(&v);
        }
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
    fn out_of_range_is_not_a_timestamp() {
        for v in ["9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59-00:01"] {
            assert_eq!(parse_timestamp(v), None, "{v}");
        }
        assert_eq!(
            parse_timestamp("9999-12-31T23:59:59Z").map(|t| t.year()),
            Some(9999)
        );
    }

    #[test]
    fn a_pinned_clock_is_a_date_with_room_after_it() {
        let env = |v: &str| Env::from_pairs([(SSOEXEC_TEST_NOW, v)]);
        for bad in [
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:59:59Z",
            "253402300799",
            "-1",
            "soon",
        ] {
            assert!(Clock::from_env(&env(bad)).is_err(), "{bad}");
        }
        assert!(Clock::from_env(&env("2026-11-26T10:00:00+01:00")).is_ok());
    }

    #[test]
    fn formats_like_botocore_and_the_cli() {
        let t = datetime!(2026-11-26 10:19:25.9 UTC);
        assert_eq!(format_timestamp(t), "2026-11-26T10:19:25Z");
        assert_eq!(format_timestamp_offset(t), "2026-11-26T10:19:25+00:00");
    }

    /// Every person-facing time has one form: a duration, then the UTC clock (and the date when it
    /// is not today's).
    #[test]
    fn one_form_for_times_shown_to_people() {
        let now = datetime!(2026-11-26 10:00:00 UTC);
        let d = Duration::seconds;
        for (secs, want) in [
            (0, "0 s"),
            (45, "45 s"),
            (59, "59 s"),
            (60, "1 min"),
            (90, "1 min 30 s"),
            (3599, "59 min 59 s"),
            (3600, "1 h"),
            (3660, "1 h 1 min"),
            (11_100, "3 h 5 min"),
            (86_400, "1 d"),
            (90 * 86_400 - 3600, "89 d 23 h"),
            (-180, "3 min"),
        ] {
            assert_eq!(describe_duration(d(secs)), want, "{secs}");
        }
        assert_eq!(
            describe_std_duration(std::time::Duration::from_millis(10_900)),
            "10 s"
        );
        for (t, want) in [
            (now + d(3540), "in 59 min (at 10:59 UTC)"),
            (now + d(3599), "in 59 min 59 s (at 10:59 UTC)"),
            (now - d(300), "5 min ago (at 09:55 UTC)"),
            (now, "0 s ago (at 10:00 UTC)"),
            (now + d(14 * 3600), "in 14 h (at 2026-11-27 00:00 UTC)"),
            (now - d(11 * 3600), "11 h ago (at 2026-11-25 23:00 UTC)"),
            (
                datetime!(2026-11-26 11:00:00 +01:00),
                "0 s ago (at 10:00 UTC)",
            ),
        ] {
            assert_eq!(describe_instant(t, now), want, "{t}");
        }
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
