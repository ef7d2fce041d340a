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
use crate::envelope::{CallError, Ctx};
use crate::pyjson::Int;
use crate::pystr;
use crate::route::{self, Describe, Op};
use serde::Deserialize;

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

/// A start where None reads as [`DEFAULT_START`] (the envelope's reading of
/// a `null` argument).
pub fn start_or_default<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Int, D::Error> {
    Option::<Int>::deserialize(d).map(|s| s.unwrap_or(Int::Small(DEFAULT_START)))
}

/// [`DEFAULT_START`] as an `Int` (a serde default).
pub fn default_start_int() -> Int {
    Int::Small(DEFAULT_START)
}

/// The file stem of a scope key: its readable part and its 13-character
/// digest (`<readable>.<digest>`), shared by its `.id` counter and `.lock`.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ScopeFilename {
    /// The scope (any text).
    pub scope_key: String,
}

impl Op for ScopeFilename {
    const NAME: &'static str = "id_alloc.scope_filename";
    const PY_NAME: &'static str = "_scope_filename";
    type Verdict = String;

    fn run(self, _: &Ctx<'_>) -> Result<String, CallError> {
        Ok(scope_filename(&self.scope_key))
    }
}

/// The id `allocate` hands out after a counter file's text: `start` when
/// there is no readable counter (None: no file), else the counter plus one.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct NextId {
    /// The counter file's text, None when there is no file.
    #[serde(default)]
    pub counter: Option<String>,
    /// The first id of a scope that has none.
    #[serde(default = "default_start_int", deserialize_with = "start_or_default")]
    pub start: Int,
}

impl Op for NextId {
    const NAME: &'static str = "id_alloc.next_id";
    const PY_NAME: &'static str = "_next_id";
    type Verdict = Int;

    fn run(self, _: &Ctx<'_>) -> Result<Int, CallError> {
        let current = self.counter.as_deref().and_then(parse_counter);
        Ok(next_id(current.as_ref(), &self.start))
    }
}

/// What the module is about (the hosts' module doc).
pub const DOC: &str = "Per-scope id counters that only go up, shared with every process on the workspace: `allocate` takes the scope's lock file, reads `<stem>.id`, writes the next id through a temporary file and a rename and returns it; `peek` reads the last id without locking. The counters live in `$DISPATCH_ID_ALLOC_DIR`, else `id-alloc` under the state home. A lock that stays busy is BUSY (a `TimeoutError` in Python).";

const CONSTS: &[route::Const] = &[
    route::Const { name: "DEFAULT_START", doc: "The first id of a new scope.", eval: |reg| route::konst(reg, DEFAULT_START) },
    route::Const {
        name: "DEFAULT_RETRIES",
        doc: "How many times a busy lock is retried.",
        eval: |reg| route::konst(reg, i64::from(DEFAULT_RETRIES)),
    },
    route::Const {
        name: "DEFAULT_RETRY_INTERVAL",
        doc: "The pause between retries, in seconds.",
        eval: |reg| route::konst(reg, DEFAULT_RETRY_INTERVAL_S),
    },
    route::Const {
        name: "DEFAULT_LOCK_TTL_SECONDS",
        doc: "A lock older than this (seconds) is stale and taken over.",
        eval: |reg| route::konst(reg, DEFAULT_LOCK_TTL_SECONDS as i64),
    },
];

/// `dos.id_alloc`'s pure ops (`allocate` and `peek` join from `dos-io`).
pub const MODULE: route::Module =
    route::Module { name: "id_alloc", doc: DOC, routes: &[route::route::<ScopeFilename>(), route::route::<NextId>()], consts: CONSTS };

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
