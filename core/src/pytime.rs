//! UTC stamps as the reference writes and reads them.
//!
//! Writing is `strftime("%Y-%m-%dT%H:%M:%SZ")` of a UTC instant. Reading is
//! `datetime.strptime(s, fmt)` for the two formats the lane stack uses
//! (`%Y-%m-%dT%H:%MZ` and `%Y-%m-%dT%H:%M:%SZ`), with `strptime`'s
//! tolerance: one-digit month, day, hour, minute and second fields, a day
//! written as space-digit, `t`/`z` in either case, and a backtracking match.
//! (`strptime` also reads non-ASCII decimal digits; these readers do not.)

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `%Y-%m-%dT%H:%M:%SZ` of a UTC instant given in milliseconds since the epoch.
pub fn iso_seconds(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[derive(Clone, Copy)]
enum Field {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

/// The ways `strptime`'s pattern for `f` can match at the start of `s`, in
/// the regex's alternation order: (bytes consumed, value).
fn candidates(f: Field, s: &[u8]) -> Vec<(usize, u32)> {
    let dig = |i: usize| s.get(i).filter(|b| b.is_ascii_digit()).map(|b| (b - b'0') as u32);
    let two = |a: std::ops::RangeInclusive<u32>, b: std::ops::RangeInclusive<u32>| match (dig(0), dig(1)) {
        (Some(x), Some(y)) if a.contains(&x) && b.contains(&y) => Some((2, x * 10 + y)),
        _ => None,
    };
    let one = |a: std::ops::RangeInclusive<u32>| dig(0).filter(|x| a.contains(x)).map(|x| (1, x));
    let mut out = Vec::new();
    match f {
        Field::Year => {
            if let (Some(a), Some(b), Some(c), Some(d)) = (dig(0), dig(1), dig(2), dig(3)) {
                out.push((4, a * 1000 + b * 100 + c * 10 + d));
            }
        }
        Field::Month => out.extend([two(1..=1, 0..=2), two(0..=0, 1..=9), one(1..=9)].into_iter().flatten()),
        Field::Day => {
            out.extend([two(3..=3, 0..=1), two(1..=2, 0..=9), two(0..=0, 1..=9), one(1..=9)].into_iter().flatten());
            if s.first() == Some(&b' ') {
                if let Some(x) = s.get(1).filter(|b| (b'1'..=b'9').contains(b)) {
                    out.push((2, (x - b'0') as u32));
                }
            }
        }
        Field::Hour => out.extend([two(2..=2, 0..=3), two(0..=1, 0..=9), one(0..=9)].into_iter().flatten()),
        Field::Minute => out.extend([two(0..=5, 0..=9), one(0..=9)].into_iter().flatten()),
        Field::Second => out.extend([two(6..=6, 0..=1), two(0..=5, 0..=9), one(0..=9)].into_iter().flatten()),
    }
    out
}

enum Tok {
    F(Field),
    Lit(u8),
}

fn walk(toks: &[Tok], s: &[u8], vals: &mut [u32; 6]) -> bool {
    let Some((first, rest)) = toks.split_first() else { return s.is_empty() };
    match first {
        Tok::Lit(c) => s.first().is_some_and(|b| b.eq_ignore_ascii_case(c)) && walk(rest, &s[1..], vals),
        Tok::F(f) => {
            for (n, v) in candidates(*f, s) {
                let slot = *f as usize;
                let old = vals[slot];
                vals[slot] = v;
                if walk(rest, &s[n..], vals) {
                    return true;
                }
                vals[slot] = old;
            }
            false
        }
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn parse_with(s: &str, with_seconds: bool) -> Option<i64> {
    use Field::*;
    let mut toks = vec![
        Tok::F(Year),
        Tok::Lit(b'-'),
        Tok::F(Month),
        Tok::Lit(b'-'),
        Tok::F(Day),
        Tok::Lit(b'T'),
        Tok::F(Hour),
        Tok::Lit(b':'),
        Tok::F(Minute),
    ];
    if with_seconds {
        toks.extend([Tok::Lit(b':'), Tok::F(Second)]);
    }
    toks.push(Tok::Lit(b'Z'));
    let mut v = [0u32; 6];
    if !walk(&toks, s.as_bytes(), &mut v) {
        return None;
    }
    let [y, m, d, hh, mm, ss] = v;
    // datetime() refuses year 0, day 0 and seconds 60/61 that strptime read.
    if y < 1 || d < 1 || d > days_in_month(y as i64, m) || ss > 59 {
        return None;
    }
    let days = days_from_civil(y as i64, m, d);
    Some((days * 86_400 + hh as i64 * 3600 + mm as i64 * 60 + ss as i64) * 1000)
}

/// `datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")` as UTC milliseconds.
pub fn parse_seconds_stamp(s: &str) -> Option<i64> {
    parse_with(s, true)
}

/// `lease_health.parse_iso`: the minute form first, then the second form.
pub fn parse_iso(s: &str) -> Option<i64> {
    parse_with(s, false).or_else(|| parse_with(s, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerances() {
        let t = parse_seconds_stamp("2026-11-21T12:40:05Z").unwrap();
        assert_eq!(iso_seconds(t), "2026-11-21T12:40:05Z");
        assert_eq!(parse_iso("2026-11-21T12:40Z"), Some(t - 5000));
        assert_eq!(parse_iso("2026-1-2t3:4z"), parse_iso("2026-01-02T03:04Z"));
        assert_eq!(parse_iso("2026-01- 2T03:04Z"), parse_iso("2026-01-02T03:04Z"));
        assert_eq!(parse_iso("2026-02-29T00:00Z"), None);
        assert!(parse_iso("2024-02-29T00:00Z").is_some());
        assert_eq!(parse_seconds_stamp("2026-11-21T12:40:60Z"), None);
        assert_eq!(parse_iso("2026-11-21T12:40:05"), None);
        assert_eq!(parse_iso("2026-11-21 12:40Z"), None);
        assert_eq!(iso_seconds(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_seconds(-1), "1969-12-31T23:59:59Z");
    }
}
