//! Per-scope id counters (the reference's `id_alloc`), without the disk.
//!
//! Every scope key maps to one file stem: a readable part (the key with each
//! run of characters outside `[A-Za-z0-9._-]` turned into one `-`, dashes
//! trimmed from both ends, at most 48 characters, `scope` when nothing is
//! left) and a 13-character digest (64-bit FNV-1a of the key's UTF-8 bytes,
//! lowercase base 36, zero-padded on the left). The counter lives in
//! `<stem>.id` as a bare decimal integer with no newline, its mutex in
//! `<stem>.lock`, both in an `id-alloc` directory under the state home.
//! The next id is `start` for a scope with no readable counter, otherwise the
//! counter plus one: a scope never goes back.

use super::{int_add_one, int_gt};
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::{Int, Value};
use crate::pystr;

/// The directory (under the state home) holding every scope's files.
pub const SUBDIR: &str = "id-alloc";
/// The first id of a scope that has none yet.
pub const DEFAULT_START: i64 = 1;
/// How many times a busy lock is retried.
pub const DEFAULT_RETRIES: u32 = 200;
/// The pause between retries, in seconds (jittered by ±50%).
pub const DEFAULT_RETRY_INTERVAL_S: f64 = 0.01;
/// A lock older than this many seconds is stale and may be taken over.
pub const DEFAULT_LOCK_TTL_SECONDS: f64 = 30.0;
/// The environment variable that moves the id-alloc directory.
pub const ENV_DIR: &str = "DISPATCH_ID_ALLOC_DIR";

const READABLE_MAX: usize = 48;
const FNV_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01B3;
const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// 64-bit FNV-1a.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

/// The 13-character digest part of a scope's stem.
pub fn digest(scope_key: &str) -> String {
    // A zero hash is written as if it were 1 (as the reference does).
    let mut n = fnv1a64(scope_key.as_bytes()).max(1);
    let mut rev = Vec::with_capacity(13);
    while n > 0 {
        rev.push(BASE36[(n % 36) as usize]);
        n /= 36;
    }
    while rev.len() < 13 {
        rev.push(b'0');
    }
    rev.reverse();
    String::from_utf8(rev).unwrap_or_default()
}

fn safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// The readable part of a scope's stem.
pub fn readable_part(scope_key: &str) -> String {
    let mut out = String::with_capacity(scope_key.len());
    let mut in_run = false;
    for c in scope_key.chars() {
        if safe(c) {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('-');
            in_run = true;
        }
    }
    // Every character left is ASCII, so bytes are characters here.
    let trimmed = out.trim_matches('-');
    let cut = &trimmed[..trimmed.len().min(READABLE_MAX)];
    if cut.is_empty() {
        "scope".to_string()
    } else {
        cut.to_string()
    }
}

/// The file stem of `scope_key`: `<readable>.<digest>`.
pub fn scope_filename(scope_key: &str) -> String {
    format!("{}.{}", readable_part(scope_key), digest(scope_key))
}

/// The counter file's name.
pub fn counter_name(scope_key: &str) -> String {
    format!("{}.id", scope_filename(scope_key))
}

/// The lock file's name.
pub fn lock_name(scope_key: &str) -> String {
    format!("{}.lock", scope_filename(scope_key))
}

/// The counter a file's text holds: `int(text.strip())`, `None` when it is
/// not an integer (a corrupt counter reseeds from `start`).
pub fn parse_counter(text: &str) -> Option<Int> {
    pystr::int_from_str(pystr::strip(text))
}

/// The id to hand out after `current` (`None`: the scope has no counter).
pub fn next_id(current: Option<&Int>, start: &Int) -> Int {
    match current {
        None => start.clone(),
        Some(c) => {
            let next = int_add_one(c);
            debug_assert!(int_gt(&next, c));
            next
        }
    }
}

/// The counter file's bytes for `value`.
pub fn counter_text(value: &Int) -> String {
    value.to_string()
}

/// The lock owner an allocation uses when the caller names none: unique per
/// process and thread, so two threads never pass for a re-entry.
pub fn default_owner(pid: u32, thread: u64) -> String {
    format!("id-alloc:{pid}:{thread}")
}

fn op_scope_filename(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::str(scope_filename(a.str("scope_key")?)))
}

fn op_next_id(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let current = a.opt_str("counter")?.and_then(parse_counter);
    let start = match a.get("start") {
        None => Int::Small(DEFAULT_START),
        Some(Value::Int(i)) => i.clone(),
        Some(other) => return Err(a.err(format_args!("start must be an integer, not {}", other.type_name()))),
    };
    Ok(Value::Int(next_id(current.as_ref(), &start)))
}

pub(crate) const OPS: &[OpSpec] = &[
    OpSpec { name: "id_alloc.scope_filename", args: &["scope_key"], run: op_scope_filename },
    OpSpec { name: "id_alloc.next_id", args: &["counter", "start"], run: op_next_id },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_match_the_reference_vectors() {
        assert_eq!(scope_filename("next-up/2026-06-01"), "next-up-2026-06-01.1o01arlwjhnau");
        assert_eq!(scope_filename("ünï cödé"), "n-c-d.35dxsd7qa3c9a");
        assert_eq!(scope_filename("a"), "a.2o0ongoiv4rrg");
        assert!(scope_filename("///").starts_with("scope."));
    }

    #[test]
    fn counters_never_go_back() {
        assert_eq!(next_id(None, &Int::Small(5)), Int::Small(5));
        assert_eq!(next_id(Some(&Int::Small(7)), &Int::Small(100)), Int::Small(8));
        assert_eq!(parse_counter(" 12\n"), Some(Int::Small(12)));
        assert_eq!(parse_counter("x"), None);
        assert_eq!(counter_text(&Int::Small(2)), "2");
    }
}
