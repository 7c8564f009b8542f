//! The emulator's clock: real time plus an offset that only moves forward, so tests can jump
//! ahead to expiry, `nbf`, rotation policies firing, scheduled purges, certificate lifetime
//! actions and the end of pending operations without waiting. Moved by
//! `POST /_emulator/clock` (`{"advanceSeconds": N}` or `{"advance": "P30D"}`; `GET` shows it)
//! or started ahead with `EmulatorOptions::with_clock_offset` (`--clock-offset-days`).
//!
//! Each emulator has its own offset (several run in one test process); a request's handlers
//! read it through a task-local set around routing, so every "now" in the handlers is the
//! emulator's.

use std::time::{Duration, Instant};

use time::OffsetDateTime;

tokio::task_local! {
    static OFFSET: Duration;
}

/// The offset of the emulator whose request is being handled (zero outside a request).
fn offset() -> Duration {
    OFFSET.try_with(|offset| *offset).unwrap_or_default()
}

/// Runs `f` with the clock of an emulator whose offset is `offset`.
pub(crate) fn with_offset<T>(offset: Duration, f: impl FnOnce() -> T) -> T {
    OFFSET.sync_scope(offset, f)
}

/// Runs `f` with the emulator's clock at `unix` seconds (or real time, when that is later):
/// for what happened at a moment between two looks (a renewal when it fell due).
pub(crate) fn with_offset_at<T>(unix: i64, f: impl FnOnce() -> T) -> T {
    let ahead = unix - OffsetDateTime::now_utc().unix_timestamp();
    with_offset(Duration::from_secs(ahead.max(0) as u64), f)
}

/// The emulator's now.
pub(crate) fn now_utc() -> OffsetDateTime {
    OffsetDateTime::now_utc() + offset()
}

/// The emulator's now as an `Instant`, for deadlines (deletions settling, provisioning, jobs).
pub(crate) fn instant() -> Instant {
    Instant::now() + offset()
}

/// Seconds since the epoch, the emulator's now.
pub(crate) fn unix_now() -> i64 {
    now_utc().unix_timestamp()
}

/// An ISO 8601 duration as Key Vault's policies write them (`P90D`, `P1Y2M`, `PT12H`,
/// `P1Y2M10DT2H30M`; a year is 365 days, a month 30), in seconds.
pub(crate) fn parse_iso_duration(text: &str) -> Option<i64> {
    let rest = text
        .trim()
        .strip_prefix('P')
        .or_else(|| text.trim().strip_prefix('p'))?;
    let (date, clock) = match rest.split_once(['T', 't']) {
        Some((date, clock)) => (date, Some(clock)),
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let mut any = false;
    let mut add = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let (_, seconds) = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?;
            let n: i64 = number.parse().ok()?;
            total = total.checked_add(n.checked_mul(*seconds)?)?;
            number.clear();
            any = true;
        }
        number.is_empty().then_some(())
    };
    add(
        date,
        &[
            ('Y', 365 * 86_400),
            ('M', 30 * 86_400),
            ('W', 7 * 86_400),
            ('D', 86_400),
        ],
    )?;
    if let Some(clock) = clock {
        add(clock, &[('H', 3_600), ('M', 60), ('S', 1)])?;
    }
    any.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations() {
        assert_eq!(parse_iso_duration("P90D"), Some(90 * 86_400));
        assert_eq!(parse_iso_duration("P1Y2M"), Some(425 * 86_400));
        assert_eq!(parse_iso_duration("PT12H"), Some(12 * 3_600));
        assert_eq!(
            parse_iso_duration("P1DT2H30M5S"),
            Some(86_400 + 2 * 3_600 + 30 * 60 + 5)
        );
        for bad in [
            "",
            "P",
            "90D",
            "PXD",
            "P1",
            "P-1D",
            "PT",
            "P99999999999999999999D",
        ] {
            assert_eq!(parse_iso_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_offset_applies_inside_its_scope_only() {
        let real = OffsetDateTime::now_utc();
        let ahead = with_offset(Duration::from_secs(86_400), now_utc);
        assert!(ahead - real >= time::Duration::days(1));
        assert!(now_utc() - real < time::Duration::hours(1));
    }
}
