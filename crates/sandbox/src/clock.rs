//! The sandbox clock: the one place that reads the wall clock. It can be frozen, moved and
//! released through the control plane, so relative dates and overdue rules are testable.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Default)]
struct State {
    frozen: Option<Timestamp>,
    offset: SignedDuration,
}

/// A clock that is live by default and can be frozen at, or moved to, any instant.
#[derive(Debug, Default)]
pub struct Clock {
    state: Mutex<State>,
}

impl Clock {
    /// A clock frozen at `at`.
    pub fn frozen(at: Timestamp) -> Clock {
        let clock = Clock::default();
        clock.freeze(at);
        clock
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Now, as the sandbox sees it.
    pub fn now(&self) -> Timestamp {
        let s = self.lock();
        match s.frozen {
            Some(t) => t,
            None => wall().checked_add(s.offset).unwrap_or_else(|_| wall()),
        }
    }

    /// Milliseconds since the epoch, as stored in the database.
    pub fn now_ms(&self) -> i64 {
        self.now().as_millisecond()
    }

    pub fn is_frozen(&self) -> bool {
        self.lock().frozen.is_some()
    }

    pub fn freeze(&self, at: Timestamp) {
        self.lock().frozen = Some(at);
    }

    /// Moves the clock forward (or back, with a negative duration), frozen or not.
    pub fn advance(&self, by: SignedDuration) -> Result<(), jiff::Error> {
        let mut s = self.lock();
        match s.frozen {
            Some(t) => s.frozen = Some(t.checked_add(by)?),
            None => s.offset = s.offset.checked_add(by).unwrap_or(s.offset),
        }
        Ok(())
    }

    /// Back to the wall clock, with no offset.
    pub fn release(&self) {
        *self.lock() = State::default();
    }

    /// A monotonic instant for measuring durations (request timing); never used for dates.
    #[allow(clippy::disallowed_methods)]
    pub fn monotonic(&self) -> std::time::Instant {
        std::time::Instant::now()
    }
}

#[allow(clippy::disallowed_methods)]
fn wall() -> Timestamp {
    Timestamp::now()
}

/// Parses a duration such as `90m`, `1w 2d`, `-3h`, `45s` (units w d h m s; a week is 7 days).
pub fn parse_duration(text: &str) -> Option<SignedDuration> {
    let text = text.trim();
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut any = false;
    for c in rest.chars() {
        if c.is_ascii_digit() {
            number.push(c);
        } else if c.is_whitespace() {
            if !number.is_empty() {
                return None;
            }
        } else {
            let n: i64 = number.parse().ok()?;
            number.clear();
            let unit = match c {
                'w' => 7 * 86_400,
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                's' => 1,
                _ => return None,
            };
            total = total.checked_add(n.checked_mul(unit)?)?;
            any = true;
        }
    }
    if !number.is_empty() || !any {
        return None;
    }
    Some(SignedDuration::from_secs(if negative { -total } else { total }))
}

/// Jira's timestamp format: `2026-01-05T09:00:00.000+0000` (no colon in the offset), in UTC.
pub fn format_ts(ms: i64) -> String {
    JiraTs(ms).to_string()
}

/// A timestamp in milliseconds, displayed as [`format_ts`] gives it: for writing it straight into
/// a response without making the text first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JiraTs(pub i64);

impl JiraTs {
    /// The text as bytes, made digit by digit rather than through `fmt` (a page of issues shows
    /// a few hundred): `None` for years before 0, which only [`Display`](std::fmt::Display) writes.
    pub(crate) fn ascii(self) -> Option<[u8; 28]> {
        let dt = self.datetime();
        let year = u32::try_from(dt.year()).ok().filter(|y| *y <= 9999)?;
        let mut out = *b"0000-00-00T00:00:00.000+0000";
        let fields = [
            (0, 4, year),
            (5, 2, dt.month().unsigned_abs().into()),
            (8, 2, dt.day().unsigned_abs().into()),
            (11, 2, dt.hour().unsigned_abs().into()),
            (14, 2, dt.minute().unsigned_abs().into()),
            (17, 2, dt.second().unsigned_abs().into()),
            (20, 3, dt.subsec_nanosecond().unsigned_abs() / 1_000_000),
        ];
        for (at, width, mut n) in fields {
            for digit in out[at..at + width].iter_mut().rev() {
                *digit = b'0' + (n % 10) as u8;
                n /= 10;
            }
        }
        Some(out)
    }

    fn datetime(self) -> jiff::civil::DateTime {
        let ts = Timestamp::from_millisecond(self.0).unwrap_or(Timestamp::UNIX_EPOCH);
        jiff::tz::Offset::UTC.to_datetime(ts)
    }
}

impl std::fmt::Display for JiraTs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(text) = self.ascii() {
            return f.write_str(std::str::from_utf8(&text).map_err(|_| std::fmt::Error)?);
        }
        let dt = self.datetime();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.subsec_nanosecond() / 1_000_000
        )
    }
}

/// Reads the date-times clients send: RFC 3339, Jira's own `+0000` form, with or without
/// milliseconds, or a bare `YYYY-MM-DD` (midnight UTC).
pub fn parse_datetime(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Some(ts.as_millisecond());
    }
    // `+0000` → `+00:00`
    if t.len() > 5 {
        let (head, tail) = t.split_at(t.len() - 5);
        if (tail.starts_with('+') || tail.starts_with('-')) && tail[1..].chars().all(|c| c.is_ascii_digit()) {
            let fixed = format!("{head}{}:{}", &tail[..3], &tail[3..]);
            if let Ok(ts) = fixed.parse::<Timestamp>() {
                return Some(ts.as_millisecond());
            }
        }
    }
    if let Ok(d) = t.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_millisecond());
    }
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_millisecond());
    }
    None
}

/// A calendar date `YYYY-MM-DD`, validated.
pub fn parse_date(text: &str) -> Option<String> {
    let d: jiff::civil::Date = text.trim().parse().ok()?;
    Some(d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_add_up_their_units() {
        assert_eq!(parse_duration("90m"), Some(SignedDuration::from_secs(5400)));
        assert_eq!(
            parse_duration("1w 2d"),
            Some(SignedDuration::from_secs(9 * 86_400))
        );
        assert_eq!(parse_duration("-3h"), Some(SignedDuration::from_secs(-10_800)));
        assert_eq!(parse_duration("3"), None);
        assert_eq!(parse_duration("3x"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn timestamps_use_jiras_offset_without_colon() {
        assert_eq!(format_ts(0), "1970-01-01T00:00:00.000+0000");
        assert_eq!(format_ts(1_767_603_600_123), "2026-01-05T09:00:00.123+0000");
    }

    #[test]
    fn datetimes_parse_in_every_form_clients_send() {
        let want = Some(1_767_603_600_000);
        assert_eq!(parse_datetime("2026-01-05T09:00:00Z"), want);
        assert_eq!(parse_datetime("2026-01-05T09:00:00.000+0000"), want);
        assert_eq!(parse_datetime("2026-01-05T10:00:00.000+0100"), want);
        assert_eq!(parse_datetime("nonsense"), None);
    }

    #[test]
    fn a_frozen_clock_moves_only_when_told() {
        let c = Clock::frozen("2026-01-05T09:00:00Z".parse().unwrap());
        assert_eq!(c.now_ms(), 1_767_603_600_000);
        c.advance(SignedDuration::from_secs(60)).unwrap();
        assert_eq!(c.now_ms(), 1_767_603_660_000);
    }

    #[test]
    fn timestamps_made_digit_by_digit_match_the_formatted_text() {
        let formatted = |ms: i64| {
            let dt = JiraTs(ms).datetime();
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                dt.subsec_nanosecond() / 1_000_000
            )
        };
        let year_one = -62_135_596_800_000;
        // Year 0 is a leap year; a millisecond before it is in year -1, which only `fmt` writes.
        let before_year_zero = year_one - 366 * 86_400_000 - 1;
        for ms in [
            0,
            1,
            -1,
            999,
            1_767_603_600_123,
            year_one,
            year_one - 1,
            before_year_zero,
            253_402_300_799_999,
            i64::MIN,
            i64::MAX,
        ] {
            assert_eq!(JiraTs(ms).to_string(), formatted(ms), "{ms}");
            if let Some(text) = JiraTs(ms).ascii() {
                assert_eq!(std::str::from_utf8(&text).unwrap(), formatted(ms));
            }
        }
        assert!(JiraTs(before_year_zero).ascii().is_none());
    }
}
