//! Dates in JQL: absolute values in the user's time zone, relative periods, and the
//! startOf/endOf functions.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// The user's calendar date of an instant, `YYYY-MM-DD`.
pub fn local_date(ms: i64, tz: &str) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(zone(tz)).date().to_string())
        .unwrap_or_default()
}

/// A relative period such as `-1d`, `-2w 3d`, `4h`, `+30m` in milliseconds (24-hour days, 7-day
/// weeks, as Jira reads them in field clauses).
pub fn period(text: &str) -> Option<i64> {
    let t = text.trim();
    let (sign, rest) = match t.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    if rest.is_empty() || !rest.chars().next()?.is_ascii_digit() {
        return None;
    }
    let mut total = 0i64;
    let mut n = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' => n.push(c),
            ' ' if n.is_empty() => {}
            'w' | 'd' | 'h' | 'm' => {
                let v: i64 = n.parse().ok()?;
                n.clear();
                total += v * match c {
                    'w' => 7 * 86_400_000,
                    'd' => 86_400_000,
                    'h' => 3_600_000,
                    _ => 60_000,
                };
            }
            _ => return None,
        }
    }
    if !n.is_empty() {
        return None;
    }
    Some(sign * total)
}

/// An instant from a JQL date value.
pub fn instant(text: &str, now: i64, tz: &str) -> Option<i64> {
    let t = text.trim();
    if let Some(p) = period(t) {
        return Some(now + p);
    }
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) && t.len() > 8 {
        return t.parse().ok();
    }
    let norm = t.replace('/', "-");
    let z = zone(tz);
    // jiff also reads "2026-01-05 10:00" as a date: the time must not be dropped.
    if let Some(d) = norm.parse::<Date>().ok().filter(|_| !norm.contains(':')) {
        return d.to_zoned(z).ok().map(|x| x.timestamp().as_millisecond());
    }
    let dt = DateTime::strptime("%Y-%m-%d %H:%M", &norm).ok()?;
    dt.to_zoned(z).ok().map(|x| x.timestamp().as_millisecond())
}

/// The finest unit of a period (`'d'` for days and weeks, `'h'`, `'m'`), for implied precision.
fn finest_unit(text: &str) -> Option<char> {
    let mut unit = None;
    for c in text.chars() {
        let rank = |u: char| match u {
            'd' => 0,
            'h' => 1,
            _ => 2,
        };
        let u = match c {
            'w' | 'd' => 'd',
            'h' => 'h',
            'm' => 'm',
            _ => continue,
        };
        if unit.is_none_or(|old| rank(u) > rank(old)) {
            unit = Some(u);
        }
    }
    unit
}

/// A JQL date at its implied precision, as `[lo, hi)` in ms: the whole day for `2026-01-05`
/// and for `-1d`/`-2w`, the hour for `-3h`, the minute for `-30m` and `2026-01-05 10:00`. This is
/// how WAS/CHANGED predicates read dates (BEFORE takes `lo`, AFTER `hi`).
pub fn range(text: &str, now: i64, tz: &str) -> Option<(i64, i64)> {
    let t = text.trim();
    let z = zone(tz);
    if let Some(p) = period(t) {
        let at = Timestamp::from_millisecond(now + p).ok()?.to_zoned(z);
        return match finest_unit(t)? {
            'd' => {
                let lo = at.start_of_day().ok()?;
                let hi = lo.checked_add(1.day()).ok()?;
                Some((lo.timestamp().as_millisecond(), hi.timestamp().as_millisecond()))
            }
            'h' => {
                let ms = at.timestamp().as_millisecond();
                let lo = ms - ms.rem_euclid(3_600_000);
                Some((lo, lo + 3_600_000))
            }
            _ => {
                let ms = at.timestamp().as_millisecond();
                let lo = ms - ms.rem_euclid(60_000);
                Some((lo, lo + 60_000))
            }
        };
    }
    let norm = t.replace('/', "-");
    // jiff reads "2026-01-05 10:00" as a date too: only a value without a time is a whole day.
    if let Some(d) = norm.parse::<Date>().ok().filter(|_| !norm.contains(':')) {
        let lo = d.to_zoned(z.clone()).ok()?;
        let hi = lo.checked_add(1.day()).ok()?;
        return Some((lo.timestamp().as_millisecond(), hi.timestamp().as_millisecond()));
    }
    let lo = instant(t, now, tz)?;
    Some((lo, lo + 60_000))
}

/// `startOfDay(-1)`, `endOfMonth("+2M")`, ... in the user's time zone.
pub fn boundary(func: &str, arg: Option<&str>, now: i64, tz: &str) -> Result<i64, String> {
    let z: Zoned = Timestamp::from_millisecond(now)
        .map_err(|e| e.to_string())?
        .to_zoned(zone(tz));
    let (unit_default, start) = match func {
        "startofday" => ('d', true),
        "endofday" => ('d', false),
        "startofweek" => ('w', true),
        "endofweek" => ('w', false),
        "startofmonth" => ('M', true),
        "endofmonth" => ('M', false),
        "startofyear" => ('y', true),
        _ => ('y', false),
    };
    let base = match unit_default {
        'd' => z.start_of_day().map_err(|e| e.to_string())?,
        'w' => {
            let back = z.weekday().to_sunday_zero_offset() as i64;
            z.start_of_day()
                .map_err(|e| e.to_string())?
                .checked_sub(back.days())
                .map_err(|e| e.to_string())?
        }
        'M' => z
            .first_of_month()
            .map_err(|e| e.to_string())?
            .start_of_day()
            .map_err(|e| e.to_string())?,
        _ => z
            .first_of_year()
            .map_err(|e| e.to_string())?
            .start_of_day()
            .map_err(|e| e.to_string())?,
    };
    let mut at = base;
    if let Some(a) = arg {
        let a = a.trim();
        let (sign, rest) = match a.strip_prefix('-') {
            Some(r) => (-1i64, r),
            None => (1, a.strip_prefix('+').unwrap_or(a)),
        };
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let unit = rest[digits.len()..].trim();
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("'{a}' is not an increment such as -1, +2d or -1M"))?;
        let n = sign * n;
        let unit = if unit.is_empty() {
            unit_default.to_string()
        } else {
            unit.to_string()
        };
        at = match unit.as_str() {
            "d" => at.checked_add(n.days()),
            "w" => at.checked_add((7 * n).days()),
            "M" => at.checked_add(n.months()),
            "y" => at.checked_add(n.years()),
            "h" => at.checked_add(n.hours()),
            "m" => at.checked_add(n.minutes()),
            other => return Err(format!("unknown unit '{other}'")),
        }
        .map_err(|e| e.to_string())?;
    }
    if !start {
        let next = match unit_default {
            'd' => at.checked_add(1.day()),
            'w' => at.checked_add(7.days()),
            'M' => at.checked_add(1.month()),
            _ => at.checked_add(1.year()),
        }
        .map_err(|e| e.to_string())?;
        return Ok(next.timestamp().as_millisecond() - 1);
    }
    Ok(at.timestamp().as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_767_603_600_000; // 2026-01-05T09:00:00Z, a Monday

    #[test]
    fn periods_use_24_hour_days_and_7_day_weeks() {
        assert_eq!(period("-1d"), Some(-86_400_000));
        assert_eq!(period("-2w 3d"), Some(-(17 * 86_400_000)));
        assert_eq!(period("4h"), Some(4 * 3_600_000));
        assert_eq!(period("d"), None);
    }

    #[test]
    fn start_of_day_without_a_unit_counts_days() {
        let y = boundary("startofday", Some("-1"), NOW, "UTC").unwrap();
        assert_eq!(y, NOW - 9 * 3_600_000 - 86_400_000);
        assert_eq!(boundary("startofday", Some("-1d"), NOW, "UTC"), Ok(y));
    }

    #[test]
    fn history_dates_take_their_implied_precision() {
        let day = 86_400_000;
        let midnight = NOW - 9 * 3_600_000;
        assert_eq!(range("2026-01-05", NOW, "UTC"), Some((midnight, midnight + day)));
        assert_eq!(range("-1d", NOW, "UTC"), Some((midnight - day, midnight)));
        assert_eq!(
            range("-2h", NOW, "UTC"),
            Some((NOW - 2 * 3_600_000, NOW - 3_600_000))
        );
        let ten = midnight + 10 * 3_600_000;
        assert_eq!(range("2026/01/05 10:00", NOW, "UTC"), Some((ten, ten + 60_000)));
    }

    #[test]
    fn absolute_dates_are_midnight_in_the_users_zone() {
        let utc = instant("2026-01-05", NOW, "UTC").unwrap();
        let paris = instant("2026/01/05", NOW, "Europe/Paris").unwrap();
        assert_eq!(utc - paris, 3_600_000);
        assert_eq!(
            instant("2026-01-05 10:30", NOW, "UTC"),
            Some(utc + 10 * 3_600_000 + 30 * 60_000)
        );
    }
}
