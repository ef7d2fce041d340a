//! A structure-aware fuzzer of the envelope, driven through the C ABI.
//!
//! It lives in `ffi/tests` (not `core/tests`) so every request crosses the
//! same boundary a C, Go or Python host crosses: `dos_call`,
//! `dos_call_with_config` and the `dos_config_*` builders, with their panic
//! boundary, buffer ownership and status mapping. A panic inside the core
//! comes back from there as `DOS_STATUS_PANIC` and an `INTERNAL` response,
//! which this test treats as a failure.
//!
//! Seeds: the `request` of every line of `tests/golden/cases/*.jsonl.gz` (each
//! op is visited in turn, a random line of its own each time), `{"op":"ops"}`,
//! hand-written requests for the ops that touch files (the golden corpus has
//! none), and a synthetic request for any op left without a seed.
//!
//! Mutations work on the request's tree (replace, insert, delete and
//! duplicate fields and list items; special values: huge and negative
//! integers, 2**63, 2**64, integers with thousands of digits, NaN, Infinity,
//! -0.0, 1e308, empty and very long strings, lone surrogates, NUL and control
//! characters, non-ASCII text, nesting around the depth limit, every wrong
//! type, duplicate and unknown keys, `abi` and `config` variants), and a
//! share of the requests are then damaged as bytes (truncated, garbled,
//! invalid UTF-8). `config` objects are also fed to `dos_config_from_json`
//! and TOML text from the corpus, damaged, to `dos_config_from_toml`.
//!
//! Every response must be JSON of the envelope's shape with a documented
//! error code, never `INTERNAL`, and a `BAD_ARGS` message must name a field.
//!
//! File safety: the process works in a private temporary directory (its
//! current directory and `$DISPATCH_WORKSPACE`; the `DISPATCH_*` path
//! overrides are cleared), every path-like argument and config key is
//! rewritten to a path inside it, and each final request is parsed again and
//! refused if a path-like value still points anywhere else.
//!
//! Scale: `DOS_FUZZ_SECONDS` (default 20) and `DOS_FUZZ_ITERS` (default
//! unbounded) bound the run, whichever ends first; `DOS_FUZZ_SEED` replays a
//! run (the seed is printed at the start and with every failure);
//! `DOS_FUZZ_VERBOSE=1` prints each request. `make fuzz` runs it for ten
//! minutes.

use dos::{
    dos_buffer, dos_buffer_free, dos_call, dos_call_with_config, dos_config, dos_config_free, dos_config_from_json, dos_config_from_toml,
    dos_config_to_json, dos_config_warnings, dos_status,
};
use dos_core::pyjson::{self, Options, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

// ------------------------------------------------------------------ rng

/// xorshift64*: tiny, seedable, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T: 'a, S: AsRef<[T]> + ?Sized>(&mut self, items: &'a S) -> &'a T {
        let items = items.as_ref();
        &items[self.below(items.len())]
    }
}

// ------------------------------------------------------------------ tree

/// A request as a tree whose leaves are JSON text, so a leaf can hold what
/// the core's own value model cannot (an over-long integer, a broken token)
/// and an object can hold duplicate keys.
#[derive(Clone, Debug)]
enum J {
    Raw(String),
    Arr(Vec<J>),
    /// Keys are JSON string literals, quotes included.
    Obj(Vec<(String, J)>),
}

fn dump(v: &Value) -> String {
    pyjson::dumps_string(v, Options::COMPACT).expect("compact dumps escapes surrogates")
}

fn from_value(v: &Value) -> J {
    match v {
        Value::List(l) => J::Arr(l.iter().map(from_value).collect()),
        Value::Dict(d) => J::Obj(d.iter().map(|(k, v)| (dump(&Value::Str(k.clone())), from_value(v))).collect()),
        leaf => J::Raw(dump(leaf)),
    }
}

fn write_j(j: &J, out: &mut String) {
    match j {
        J::Raw(s) => out.push_str(s),
        J::Arr(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_j(x, out);
            }
            out.push(']');
        }
        J::Obj(kv) => {
            out.push('{');
            for (i, (k, v)) in kv.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(k);
                out.push(':');
                write_j(v, out);
            }
            out.push('}');
        }
    }
}

fn text_of(j: &J) -> String {
    let mut s = String::new();
    write_j(j, &mut s);
    s
}

fn q(s: &str) -> String {
    dump(&Value::str(s))
}

/// The decoded name of a raw key, when it is a plain string literal.
fn key_name(raw: &str) -> Option<String> {
    match pyjson::parse_str(raw) {
        Ok(Value::Str(s)) => s.as_str().map(str::to_owned),
        _ => None,
    }
}

fn obj_get<'a>(j: &'a J, key: &str) -> Option<&'a J> {
    let J::Obj(kv) = j else { return None };
    let raw = q(key);
    kv.iter().rev().find(|(k, _)| *k == raw).map(|(_, v)| v)
}

fn obj_get_mut<'a>(j: &'a mut J, key: &str) -> Option<&'a mut J> {
    let J::Obj(kv) = j else { return None };
    let raw = q(key);
    kv.iter_mut().rev().find(|(k, _)| *k == raw).map(|(_, v)| v)
}

fn obj_set(j: &mut J, key: &str, v: J) {
    if let Some(slot) = obj_get_mut(j, key) {
        *slot = v;
    } else if let J::Obj(kv) = j {
        kv.push((q(key), v));
    }
}

/// Index paths to every node below `j` (not `j` itself).
fn node_paths(j: &J, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    let children: Vec<&J> = match j {
        J::Raw(_) => return,
        J::Arr(items) => items.iter().collect(),
        J::Obj(kv) => kv.iter().map(|(_, v)| v).collect(),
    };
    for (i, c) in children.into_iter().enumerate() {
        prefix.push(i);
        out.push(prefix.clone());
        node_paths(c, prefix, out);
        prefix.pop();
    }
}

fn at_mut<'a>(j: &'a mut J, path: &[usize]) -> Option<&'a mut J> {
    let Some((&first, rest)) = path.split_first() else { return Some(j) };
    let child = match j {
        J::Raw(_) => return None,
        J::Arr(items) => items.get_mut(first)?,
        J::Obj(kv) => &mut kv.get_mut(first)?.1,
    };
    at_mut(child, rest)
}

// ------------------------------------------------------------------ special values

fn specials() -> Vec<String> {
    let mut v: Vec<String> = [
        "0",
        "-1",
        "1",
        "2",
        "3",
        "7",
        "255",
        "256",
        "65535",
        "65536",
        "2147483647",
        "2147483648",
        "-2147483649",
        "4294967295",
        "4294967296",
        "9007199254740993",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "-18446744073709551616",
        "340282366920938463463374607431768211456",
        "NaN",
        "Infinity",
        "-Infinity",
        "-0.0",
        "0.0",
        "1e308",
        "-1e308",
        "1.7976931348623157e308",
        "5e-324",
        "1e-320",
        "0.5",
        "-0.5",
        "1.5",
        "3.0",
        "1e19",
        "9.3e18",
        "1e15",
        "1e400",
        "-1e400",
        "0.1",
        "100.0",
        "true",
        "false",
        "null",
        "[]",
        "{}",
        "[[]]",
        "[{}]",
        "[null]",
        "{\"\":null}",
        "[1,2,3]",
        "[\"\"]",
        "\"\"",
        "\" \"",
        "\"\\t\\n\\r\"",
        "\"\\u0000\"",
        "\"a\\u0000b\"",
        "\"\\u0001\\u001f\\u007f\"",
        "\"\\ud800\"",
        "\"\\udfff\"",
        "\"x\\udc00y\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud800\\ud800\"",
        "\"\\uffff\"",
        "\"\\ufeff\"",
        "\"\\u2028\\u2029\"",
        "\"\\u202e\"",
        "\"é\"",
        "\"日本語\"",
        "\"ǅ\"",
        "\"ß\"",
        "\"İ\"",
        "\"Σ\"",
        "\"🙂\"",
        "\"*\"",
        "\"**\"",
        "\"?\"",
        "\"[\"",
        "\"/\"",
        "\"//\"",
        "\".\"",
        "\"..\"",
        "\"../x\"",
        "\"~\"",
        "\"src/**\"",
        "\"a/b/c\"",
        "\"src/\"",
        "\"-\"",
        "\"--\"",
        "\"0\"",
        "\"-1\"",
        "\"1e400\"",
        "\"NaN\"",
        "\"true\"",
        "\"null\"",
        "\"ACQUIRE\"",
        "\"RELEASE\"",
        "\"exclusive\"",
        "\"cluster\"",
        "\"concurrent\"",
        "\"main\"",
        "\"global\"",
        "\"generic\"",
        "\"job\"",
        "\"workshop\"",
        "\"2026-01-01T00:00:00Z\"",
        "\"2026-13-45T99:99:99\"",
        "\"  \\u00a0\\u3000 \"",
        "\"bash -c x\"",
        "\"sudo env A=1 python3 -c 1\"",
        "\"\\\"\"",
        "\"\\\\\"",
        "[\"\\ud800\"]",
        "{\"\\ud800\":1}",
        "[NaN]",
        "[1e308,-1e308]",
        "{\"a\":{\"b\":{\"c\":null}}}",
        "[[\"a\",\"b\"],[\"c\"]]",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Integers with thousands of digits, around CPython's 4,300-digit limit.
    for n in [20usize, 300, 1000, 4299, 4300, 4301, 10_000] {
        v.push("9".repeat(n));
        v.push(format!("-1{}", "0".repeat(n.saturating_sub(1))));
    }
    v.push(format!("1{}.5e3", "0".repeat(400)));
    v.push(format!("0.{}1", "0".repeat(400)));
    v.push("1e99999999999999999999".into());
    // Long strings, ASCII and not.
    for n in [1000usize, 70_000] {
        v.push(q(&"a".repeat(n)));
        v.push(q(&"é/".repeat(n / 2)));
        v.push(q(&"*".repeat(n)));
    }
    v.push(format!("\"{}\"", "\\ud800".repeat(300)));
    v.push(q(&"src/".repeat(4000)));
    // Nesting near and past the depth limit (512).
    for d in [100usize, 250, 500, 508, 509, 510, 511, 512, 513, 600, 5000] {
        v.push(format!("{}{}", "[".repeat(d), "]".repeat(d)));
        v.push(format!("{}null{}", "{\"a\":".repeat(d), "}".repeat(d)));
    }
    v.push(format!("[{}]", vec!["\"x\""; 5000].join(",")));
    v.push(format!("[{}]", (0..3000).map(|i| format!("\"src/d{i}/**\"")).collect::<Vec<_>>().join(",")));
    v.push(format!("{{{}}}", (0..2000).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(",")));
    v.push(format!("[{}]", vec!["{}"; 2000].join(",")));
    v
}

/// Broken JSON tokens (they make the whole request BAD_JSON).
const BROKEN: &[&str] = &[
    "",
    "tru",
    "nul",
    "-",
    "+1",
    "01",
    "1.",
    ".5",
    "1e",
    "0x10",
    "'a'",
    "\"\\x41\"",
    "\"\\u12\"",
    "\"a",
    "[1,]",
    "{\"a\":1,}",
    "{,}",
    "[",
    "{",
    "}",
    "\"\t\"",
    "\"\u{0}\"",
    "\"\\ud800\\u\"",
    "NaNa",
    "inf",
    "Infinityx",
    "1_000",
];

// ------------------------------------------------------------------ environment

/// Removes the temporary tree (and leaves it as the current directory)
/// however the run ends.
struct TmpGuard {
    tmp: PathBuf,
    back_to: PathBuf,
}

impl Drop for TmpGuard {
    fn drop(&mut self) {
        let _ = std::env::set_current_dir(&self.back_to);
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

struct Env {
    tmp: PathBuf,
    crate_dir: PathBuf,
    /// op name -> argument names, from `{"op":"ops"}`.
    ops: BTreeMap<String, Vec<String>>,
    /// op name -> golden record lines.
    golden: BTreeMap<String, Vec<String>>,
    /// hand-written and synthetic seeds by op.
    extra: BTreeMap<String, Vec<String>>,
    /// key name -> values seen under that key in a sample of seeds.
    donors: BTreeMap<String, Vec<J>>,
    /// every donor, flattened (for wrong-type splices).
    all_donors: Vec<J>,
    /// `config` objects: from the corpus plus hand-written variants.
    configs: Vec<J>,
    /// dos.toml texts from the corpus.
    tomls: Vec<String>,
    specials: Vec<String>,
    handles: Vec<*mut dos_config>,
    _guard: TmpGuard,
}

const PATH_KEYS: &[&str] = &[
    "path",
    "journal",
    "lock",
    "dir",
    "run_dir",
    "workspace",
    "root",
    "lane_journal",
    "archive_lock",
    "leases_dir",
    "verdict_journal",
    "execution_state",
    "findings_queue",
    "fanout_runs",
    "dispatch_loops",
    "chained_runs",
    "next_packets",
    "replan_dir",
    "soaks_index",
    "picker_audits",
    "project_card",
];

const ENV_PATHS: &[&str] = &[
    "DISPATCH_ARCHIVE_LOCK_PATH",
    "DISPATCH_EXPORT_CURSOR_PATH",
    "DISPATCH_ID_ALLOC_DIR",
    "DISPATCH_LANE_JOURNAL_PATH",
    "DISPATCH_LANE_LEASE_LOCK_PATH",
    "DISPATCH_VERDICT_JOURNAL_PATH",
];

const TABLES: &[&str] = &[
    "lanes",
    "paths",
    "overlap",
    "reasons",
    "stamp",
    "enumerate",
    "cooldown",
    "supervise",
    "lifecycle",
    "retention",
    "data_class",
    "concurrency_class",
    "intervention",
    "tool_stream",
    "marker",
    "precursor",
    "verify",
    "ci",
];

fn make_tmp() -> PathBuf {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("dos-envfuzz-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::canonicalize(dir).unwrap()
}

/// The file tree the rewritten paths point into.
fn populate(tmp: &Path) {
    let w = |p: &str, b: &[u8]| {
        let p = tmp.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b).unwrap();
    };
    for d in ["ws/.dos", "j", "p", "d", "locks", "runs", "archive", "ws-empty", "é ü/x"] {
        std::fs::create_dir_all(tmp.join(d)).unwrap();
    }
    w(
        "ws/dos.toml",
        b"[lanes]\nconcurrent = [\"api\", \"web\"]\nexclusive = [\"infra\"]\n[lanes.trees]\napi = [\"src/api/**\"]\n[overlap]\nratio_max = 0.5\n[[concurrency_class]]\nname = \"build\"\nbudget = 2\n",
    );
    w("ws/src/dos/config.py", b"");
    w("ws-badutf8/dos.toml", b"[lanes]\nexclusive = [\"\xff\xfe\"]\n");
    w("ws-garbage/dos.toml", b"[lanes\nx = = 1\n\x00\n");
    w("ws-types/dos.toml", b"lanes = 3\n[overlap]\nratio_max = \"x\"\n[tool_stream]\nrepeat_n = [1]\n");
    let mut garbage = Vec::new();
    garbage.extend_from_slice(b"{\"op\":\"ACQUIRE\",\"lane\":\"api\",\"tree\":[\"src/**\"],\"holder\":\"a\",\"seq\":1}\n");
    garbage.extend_from_slice(b"{\"op\":\"RELEASE\",\"lane\":\"api\",\"seq\":99999999999999999999999}\n");
    garbage.extend_from_slice(b"\xff\xfe not utf-8\n{\"a\":NaN}\n[1,2]\n\"str\"\n\x00\x01\n");
    garbage.extend_from_slice(format!("{}{}\n", "[".repeat(600), "]".repeat(600)).as_bytes());
    garbage.extend_from_slice(b"{\"op\":\"ACQUIRE\",\"lane\":\"x\",\"tree\":\"notalist\",\"seq\":-5}\n{\"torn\":");
    w("files/garbage.jsonl", &garbage);
    w("files/plain.txt", b"12\n");
    w("files/empty", b"");
}

impl Env {
    fn path_for(&self, key: &str, rng: &mut Rng) -> String {
        let t = |s: &str| self.tmp.join(s).to_string_lossy().into_owned();
        let n = rng.below(4);
        let choices: Vec<String> = match key {
            "journal" | "lane_journal" => vec![
                t("ws/.dos/lane-journal.jsonl"),
                t(&format!("j/{n}.jsonl")),
                t("files/garbage.jsonl"),
                t("ws"),
                t("j/missing/x.jsonl"),
                t("é ü/x/j.jsonl"),
            ],
            "lock" => vec![t(&format!("locks/{n}.lock")), t("locks/missing/l.lock"), t("locks")],
            "path" | "archive_lock" | "verdict_journal" => vec![
                t(&format!("p/{n}")),
                t(&format!("archive/{n}.lock")),
                t("files/garbage.jsonl"),
                t("files/plain.txt"),
                t("files/empty"),
                t("ws/.dos/lane-journal.jsonl"),
                t("p"),
                t("p/missing/x"),
            ],
            "dir" | "run_dir" | "leases_dir" => {
                vec![t(&format!("d/{n}")), t(&format!("runs/r{n}")), t("files/plain.txt"), t("d/missing/deeper"), t("é ü/x")]
            }
            "workspace" | "root" => vec![
                t("ws"),
                t("ws"),
                t("ws-empty"),
                t("ws-badutf8"),
                t("ws-garbage"),
                t("ws-types"),
                t("ws/src"),
                t("no-such-dir"),
                t("files/plain.txt"),
            ],
            _ => vec![t(&format!("ws/.dos/{key}")), t(&format!("p/{key}-{n}"))],
        };
        rng.pick(&choices).clone()
    }

    fn inside(&self, p: &str) -> bool {
        let tmp = self.tmp.to_string_lossy();
        p.starts_with(&format!("{tmp}/")) && !p.split('/').any(|c| c == "..")
    }
}

// ------------------------------------------------------------------ path safety

/// Point every path-like value into the temporary tree and keep sleeps short.
fn sanitize(j: &mut J, env: &Env, rng: &mut Rng) {
    match j {
        J::Raw(_) => {}
        J::Arr(items) => items.iter_mut().for_each(|x| sanitize(x, env, rng)),
        J::Obj(kv) => {
            for (k, v) in kv.iter_mut() {
                let name = key_name(k).unwrap_or_default();
                if PATH_KEYS.contains(&name.as_str()) {
                    force_paths(v, &name, env, rng);
                } else if !matches!(v, J::Raw(_)) {
                    sanitize(v, env, rng);
                } else if name == "retry_interval" {
                    if let J::Raw(s) = v {
                        if let Ok(f) = s.parse::<f64>() {
                            if f > 0.002 && f < 1e20 {
                                *s = "0.001".into();
                            }
                        }
                    }
                } else if name == "retries" {
                    if let J::Raw(s) = v {
                        if s.parse::<u64>().is_ok_and(|n| n > 4 && n <= u32::MAX as u64) {
                            *s = "3".into();
                        }
                    }
                } else {
                    sanitize(v, env, rng);
                }
            }
        }
    }
}

/// Every string under a path-like key becomes a temporary path; container
/// text that might hide one is replaced by an empty list.
fn force_paths(v: &mut J, key: &str, env: &Env, rng: &mut Rng) {
    match v {
        J::Raw(s) if s.starts_with('"') => *s = q(&env.path_for(key, rng)),
        J::Raw(s) if s.contains('"') => *s = "[]".into(),
        J::Raw(_) => {}
        J::Arr(items) => items.iter_mut().for_each(|x| force_paths(x, key, env, rng)),
        J::Obj(kv) => {
            for (k, x) in kv.iter_mut() {
                let name = key_name(k).unwrap_or_else(|| key.to_string());
                force_paths(x, &name, env, rng)
            }
        }
    }
}

/// Whether a final request (as parsed) keeps every path-like value inside
/// the temporary tree.
fn paths_safe(v: &Value, env: &Env, under_path_key: bool) -> bool {
    match v {
        Value::Str(s) if under_path_key => s.as_str().is_some_and(|p| env.inside(p)) || s.as_str().is_none(),
        Value::List(l) => l.iter().all(|x| paths_safe(x, env, under_path_key)),
        Value::Dict(d) => d.iter().all(|(k, x)| {
            let pk = under_path_key || k.as_str().is_some_and(|k| PATH_KEYS.contains(&k));
            paths_safe(x, env, pk)
        }),
        _ => true,
    }
}

fn bytes_safe(b: &[u8], env: &Env) -> bool {
    match pyjson::parse(b) {
        Ok(v) => paths_safe(&v, env, false),
        // Not JSON: nothing is run. (`paths_safe` ignores lone surrogates:
        // no op takes one as a path.)
        Err(_) => true,
    }
}

// ------------------------------------------------------------------ seeds

/// The golden records by op (a case file is named after its op), kept as
/// lines: a record's request is read only when the line is picked.
fn golden_lines(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("no golden corpus at {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    files.sort();
    let mut out = BTreeMap::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let op = name.trim_end_matches(".jsonl.gz").to_owned();
        // Each file is a gzip member of UTF-8 lines (tests/golden/generate.py).
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&f).unwrap()).read_to_string(&mut text).unwrap();
        // A file may open with a shared `base` line (tests/golden/generate.py):
        // only request records seed the fuzzer.
        out.insert(op, text.lines().filter(|l| !l.starts_with("{\"base\"")).map(str::to_owned).collect());
    }
    out
}

/// The `request` of a golden record line.
fn request_of(line: &str) -> String {
    // Most records sort their keys, so `request` is the last one: read only
    // that string; otherwise read the whole record.
    let fast = line.rfind("\"request\": ").and_then(|i| {
        let lit = line[i + 11..].trim_end().strip_suffix('}')?;
        match pyjson::parse_str(lit) {
            Ok(Value::Str(s)) => s.as_str().map(str::to_owned),
            _ => None,
        }
    });
    fast.unwrap_or_else(|| {
        let rec = pyjson::parse_str(line).unwrap_or_else(|e| panic!("a golden record is not JSON: {e}"));
        rec.get("request").and_then(Value::as_str).expect("a record has a request").to_owned()
    })
}

/// Requests for the ops that touch files (the golden corpus holds none);
/// their paths are rewritten before each call.
fn file_seeds() -> Vec<String> {
    let lease = r#""journal":"J","lane":"api","owner":"agent-1","loop_ts":"t1""#;
    [
        format!(r#"{{"abi":1,"op":"lane_lease.acquire","args":{{{lease},"kind":"cluster","tree":["src/api/**"],"run_id":"r1","extra_leases":[{{"lane":"web","tree":["src/web/**"],"holder":"x"}}]}}}}"#),
        r#"{"abi":1,"op":"lane_lease.acquire","config":{"workspace":"W"},"args":{"lane":"infra","kind":"exclusive","tree":["infra/**"],"owner":"agent-2"}}"#.to_string(),
        format!(r#"{{"abi":1,"op":"lane_lease.release","args":{{{lease}}}}}"#),
        format!(r#"{{"abi":1,"op":"lane_lease.heartbeat","args":{{{lease},"coalesce_within_s":0}}}}"#),
        r#"{"abi":1,"op":"lane_lease.adopt","args":{"journal":"J","lane":"api","new_owner":"agent-2","loop_ts":"t2","new_pid":4242}}"#.to_string(),
        format!(r#"{{"abi":1,"op":"lane_lease.halt","args":{{{lease},"handle":"h1","reason":"stop","run_id":"r1","command":"ls"}}}}"#),
        format!(r#"{{"abi":1,"op":"lane_lease.spawn","args":{{{lease},"run_id":"r1","reason":"go"}}}}"#),
        r#"{"abi":1,"op":"lane_lease.scavenge","args":{"journal":"J","lane":"api","loop_ts":"t1","owner":"s","reason":"dead"}}"#.to_string(),
        r#"{"abi":1,"op":"lane_lease.live_leases","args":{"journal":"J","lock":"L","expire_dead":true}}"#.to_string(),
        r#"{"abi":1,"op":"lane_lease.live_leases","config":{"workspace":"W"},"args":{}}"#.to_string(),
        r#"{"abi":1,"op":"lane_lease.compact_journal","args":{"journal":"J","owner":"c"}}"#.to_string(),
        r#"{"abi":1,"op":"lane_journal.append","args":{"journal":"J","entry":{"op":"ACQUIRE","lane":"api","tree":["src/**"],"holder":"a","loop_ts":"t","lease":{"lane":"api","holder":"a","tree":["src/**"]}}}}"#.to_string(),
        r#"{"abi":1,"op":"lane_journal.append","args":{"journal":"J","entry":{"op":"RELEASE","lane":"api","holder":"a"}}}"#.to_string(),
        r#"{"abi":1,"op":"lane_journal.read_file","args":{"journal":"J"}}"#.to_string(),
        r#"{"abi":1,"op":"lane_journal.live_of_file","args":{"journal":"J"}}"#.to_string(),
        r#"{"abi":1,"op":"lane_journal.next_seq_of_file","args":{"journal":"J"}}"#.to_string(),
        r#"{"abi":1,"op":"archive_lock.acquire","args":{"path":"P","owner":"o1","ttl_seconds":30,"retries":1,"retry_interval":0.001}}"#.to_string(),
        r#"{"abi":1,"op":"archive_lock.release","args":{"path":"P","owner":"o1","force":false}}"#.to_string(),
        r#"{"abi":1,"op":"archive_lock.status","args":{"path":"P","ttl_seconds":30}}"#.to_string(),
        r#"{"abi":1,"op":"id_alloc.allocate","args":{"dir":"D","scope_key":"next-up/2026","start":1,"owner":"o","retries":2,"retry_interval":0.001,"ttl_seconds":30}}"#.to_string(),
        r#"{"abi":1,"op":"id_alloc.allocate","config":{"workspace":"W"},"args":{"scope_key":"s","start":99999999999999999999999}}"#.to_string(),
        r#"{"abi":1,"op":"id_alloc.peek","args":{"dir":"D","scope_key":"next-up/2026"}}"#.to_string(),
        r#"{"abi":1,"op":"intent_ledger.append","args":{"path":"P","run_id":"r1","entry":{"kind":"intent","goal":"g","plan":["a"]}}}"#.to_string(),
        r#"{"abi":1,"op":"intent_ledger.read_file","args":{"path":"P","understands":1}}"#.to_string(),
        r#"{"abi":1,"op":"verdict_journal.record","args":{"path":"P","event":{"run_id":"r1","verdict":"OK","kind":"k","ts":"2026-01-01T00:00:00Z"}}}"#.to_string(),
        r#"{"abi":1,"op":"verdict_journal.read_file","args":{"path":"P"}}"#.to_string(),
        r#"{"abi":1,"op":"export_cursor.write_file","args":{"path":"P","value":"2026-01-01T00:00:00Z"}}"#.to_string(),
        r#"{"abi":1,"op":"export_cursor.read_file","args":{"path":"P"}}"#.to_string(),
        r#"{"abi":1,"op":"run_id.write_run_json","args":{"run_dir":"D","run":{"run_id":"r-1","parent":null,"root_id":"r-1","depth":0}}}"#.to_string(),
        r#"{"abi":1,"op":"run_id.read_run_json","args":{"run_dir":"D"}}"#.to_string(),
        r#"{"abi":1,"op":"config.load_workspace_config","args":{"workspace":"W","preset":"job","overrides":{"overlap":{"ratio_max":0.25}}}}"#.to_string(),
        r#"{"abi":1,"op":"config.resolve_workspace_root","args":{"workspace":"W"}}"#.to_string(),
        r#"{"abi":1,"op":"lane_lease.live_leases","args":{"journal":"J","expire_dead":false,"strict":true}}"#.to_string(),
        format!(r#"{{"abi":1,"op":"lane_lease.acquire","config":{{"lease_store":{{"strict":true}}}},"args":{{{lease},"kind":"cluster","tree":["src/api/**"]}}}}"#),
        r#"{"abi":1,"op":"ops"}"#.to_string(),
    ]
    .into_iter()
    .collect()
}

fn hand_configs() -> Vec<String> {
    [
        r#"{"workspace":"W"}"#,
        r#"{"workspace":null}"#,
        r#"{"workspace":"W","overlap":{"ratio_max":0.25}}"#,
        r#"{"preset":"job"}"#,
        r#"{"preset":"workshop","root":"W","workspace_facts":{"kernel_runtime_files":[]}}"#,
        r#"{"workspace_facts":{"root":"W","kernel_runtime_files":["src/dos/config.py"]}}"#,
        r#"{"lanes":{"concurrent":["api","web"],"exclusive":["infra"],"trees":{"api":["src/api/**"]}}}"#,
        r#"{"lanes":{"concurrent":"api"}}"#,
        r#"{"paths":{"lane_journal":"J","leases_dir":"D"}}"#,
        r#"{"concurrency_class":[{"name":"build","budget":2}]}"#,
        r#"{"concurrency_class":{"name":"build"}}"#,
        r#"{"overlap":{"ratio_max":"NaN","policy":5}}"#,
        r#"{"tool_stream":{"repeat_n":[1]}}"#,
        r#"{"reasons":{"X":{"summary":"s"},"morphology":[{"token":"Y"}]}}"#,
        r#"{"nope":1}"#,
        r#"{"preset":"nope"}"#,
        r#"{"preset":5}"#,
        r#"{"root":5}"#,
        r#"{"workspace_facts":3}"#,
        r#"{"ci":{"started":"2026-01-01T00:00:00Z"}}"#,
        r#"{"stamp":{"subject":"^x$"},"cooldown":{"window_ms":-1}}"#,
        r#"{}"#,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn parse_j(text: &str) -> J {
    from_value(&pyjson::parse_str(text).unwrap_or_else(|e| panic!("seed {text}: {e}")))
}

fn collect_donors(j: &J, out: &mut BTreeMap<String, Vec<J>>) {
    match j {
        J::Raw(_) => {}
        J::Arr(items) => items.iter().for_each(|x| collect_donors(x, out)),
        J::Obj(kv) => {
            for (k, v) in kv {
                if let Some(name) = key_name(k) {
                    let slot = out.entry(name).or_default();
                    if slot.len() < 24 && text_of(v).len() < 4000 {
                        slot.push(v.clone());
                    }
                }
                collect_donors(v, out);
            }
        }
    }
}

fn raw_call(req: &[u8]) -> (dos_status, Vec<u8>) {
    let mut out = dos_buffer { data: std::ptr::null_mut(), len: 0 };
    let st = unsafe { dos_call(req.as_ptr(), req.len(), &mut out) };
    let body = take(&mut out);
    (st, body)
}

fn take(b: &mut dos_buffer) -> Vec<u8> {
    let v = if b.data.is_null() { Vec::new() } else { unsafe { std::slice::from_raw_parts(b.data, b.len) }.to_vec() };
    unsafe { dos_buffer_free(b) };
    v
}

fn setup(rng: &mut Rng) -> Env {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = make_tmp();
    let guard = TmpGuard { tmp: tmp.clone(), back_to: crate_dir.clone() };
    populate(&tmp);
    // The process works inside the temporary tree: a relative path, a
    // missing workspace or `root: "."` all land there.
    for v in ENV_PATHS {
        std::env::remove_var(v);
    }
    std::env::set_var("DISPATCH_WORKSPACE", tmp.join("ws"));
    std::env::set_current_dir(&tmp).unwrap();

    let (st, body) = raw_call(br#"{"abi":1,"op":"ops"}"#);
    assert_eq!(st, dos_status::DOS_STATUS_OK);
    let listing = pyjson::parse(&body).unwrap();
    let mut ops: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for o in listing.get("verdict").and_then(|v| v.get("ops")).and_then(Value::as_list).unwrap() {
        let name = o.get("op").and_then(Value::as_str).unwrap().to_string();
        let args = o.get("args").and_then(Value::as_list).unwrap().iter().filter_map(Value::as_str).map(str::to_owned).collect();
        ops.insert(name, args);
    }
    let golden = golden_lines(&crate_dir.join("../tests/golden/cases"));
    assert!(golden.len() > 50, "the golden corpus looks empty");

    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in file_seeds() {
        let op = parse_j(&s);
        let name = obj_get(&op, "op").and_then(|o| if let J::Raw(r) = o { key_name(r) } else { None }).unwrap();
        extra.entry(name).or_default().push(s);
    }
    // Donors: values by key name, from a few lines of every op.
    let mut donors = BTreeMap::new();
    for lines in golden.values() {
        for _ in 0..4 {
            collect_donors(&parse_j(&request_of(rng.pick(lines))), &mut donors);
        }
    }
    for reqs in extra.values() {
        for r in reqs {
            collect_donors(&parse_j(r), &mut donors);
        }
    }
    // A synthetic seed for any op with none: its arguments filled from the
    // donors of the same name, else null.
    for (op, args) in &ops {
        if golden.contains_key(op) || extra.contains_key(op) {
            continue;
        }
        let mut a = Vec::new();
        for name in args {
            let v = donors.get(name).map(|d| rng.pick(d).clone()).unwrap_or(J::Raw("null".into()));
            a.push((q(name), v));
        }
        let req = J::Obj(vec![(q("abi"), J::Raw("1".into())), (q("op"), J::Raw(q(op))), (q("args"), J::Obj(a))]);
        extra.entry(op.clone()).or_default().push(text_of(&req));
    }
    let all_donors: Vec<J> = donors.values().flatten().cloned().collect();

    let mut configs: Vec<J> = hand_configs().iter().map(|s| parse_j(s)).collect();
    // Config objects and dos.toml texts: from a sample of the records that
    // carry them.
    for lines in golden.values() {
        for _ in 0..12 {
            let line = rng.pick(lines);
            if !line.contains("\"config\": {") {
                continue;
            }
            if let Some(c @ J::Obj(kv)) = obj_get(&parse_j(&request_of(line)), "config") {
                if !kv.is_empty() {
                    configs.push(c.clone());
                }
            }
        }
    }
    let mut tomls = Vec::new();
    if let Some(lines) = golden.get("config.from_toml") {
        for _ in 0..300 {
            let req = parse_j(&request_of(rng.pick(lines)));
            let Some(args) = obj_get(&req, "args") else { continue };
            if let Some(ov @ J::Obj(_)) = obj_get(args, "overrides") {
                configs.push(ov.clone());
            }
            if let Some(J::Raw(t)) = obj_get(args, "text") {
                if let Ok(Value::Str(s)) = pyjson::parse_str(t) {
                    tomls.extend(s.as_str().map(str::to_owned));
                }
            }
        }
    }
    assert!(!tomls.is_empty(), "no dos.toml texts in the corpus");

    let mut env = Env {
        tmp,
        crate_dir,
        ops,
        golden,
        extra,
        donors,
        all_donors,
        configs,
        tomls,
        specials: specials(),
        handles: Vec::new(),
        _guard: guard,
    };
    // Prebuilt handles for dos_call_with_config.
    let mut h = std::ptr::null_mut();
    let st = unsafe { dos_config_from_toml(std::ptr::null(), 0, &mut h, std::ptr::null_mut()) };
    assert_eq!(st, dos_status::DOS_STATUS_OK);
    env.handles.push(h);
    for c in [
        format!(r#"{{"workspace":{}}}"#, q(&env.tmp.join("ws").to_string_lossy())),
        format!(r#"{{"preset":"workshop","root":{},"workspace_facts":null}}"#, q(&env.tmp.join("ws").to_string_lossy())),
    ] {
        let mut h = std::ptr::null_mut();
        let st = unsafe { dos_config_from_json(c.as_ptr(), c.len(), &mut h, std::ptr::null_mut()) };
        assert_eq!(st, dos_status::DOS_STATUS_OK, "{c}");
        env.handles.push(h);
    }
    env
}

// ------------------------------------------------------------------ mutation

fn special(env: &Env, rng: &mut Rng) -> J {
    match rng.below(10) {
        0..=5 => J::Raw(rng.pick(&env.specials).clone()),
        6 | 7 => rng.pick(&env.all_donors).clone(),
        8 => J::Arr((0..rng.below(4)).map(|_| J::Raw(rng.pick(&env.specials).clone())).collect()),
        _ => {
            let n = rng.below(3);
            J::Obj((0..n).map(|_| (q(rng.pick(&["a", "", "lane", "tree", "x\u{0}"])), J::Raw(rng.pick(&env.specials).clone()))).collect())
        }
    }
}

fn random_key(env: &Env, op: &str, rng: &mut Rng) -> String {
    match rng.below(6) {
        0..=2 => match env.ops.get(op) {
            Some(args) if !args.is_empty() => q(rng.pick(args)),
            _ => q("x"),
        },
        3 => {
            let names: Vec<&String> = env.donors.keys().collect();
            q(rng.pick(&names))
        }
        4 => q(rng.pick(&["", "unknown", "\u{0}", "é", "__proto__", "Lane", " lane", "tree "])),
        _ => rng.pick(&["\"\\ud800\"", "\"a\\u0000\"", "\"\\uffff\""]).to_string(),
    }
}

fn mutate_once(j: &mut J, env: &Env, op: &str, rng: &mut Rng) {
    let mut paths = Vec::new();
    node_paths(j, &mut Vec::new(), &mut paths);
    // Objects to insert into: the root and every object below it.
    let mut objs: Vec<Vec<usize>> =
        std::iter::once(Vec::new()).chain(paths.iter().cloned()).filter(|p| matches!(at_mut(j, p), Some(J::Obj(_)))).collect();
    // Mostly below `args` (or `config`): a request whose envelope is broken
    // never reaches an op, and the kinds below break it often enough.
    if let J::Obj(kv) = &*j {
        if rng.chance(85) {
            let inner: Vec<usize> =
                kv.iter().enumerate().filter(|(_, (k, _))| k == "\"args\"" || k == "\"config\"").map(|(i, _)| i).collect();
            let below: Vec<Vec<usize>> = paths.iter().filter(|p| p.len() > 1 && inner.contains(&p[0])).cloned().collect();
            if !below.is_empty() {
                paths = below;
            }
            let inside: Vec<Vec<usize>> = objs.iter().filter(|p| !p.is_empty() && inner.contains(&p[0])).cloned().collect();
            if !inside.is_empty() {
                objs = inside;
            }
        }
    }
    let kind = match rng.below(32) {
        0..=9 | 31 => 0,
        10..=13 => 5,
        14..=17 => 6,
        18..=20 => 8,
        21 | 22 => 10,
        23..=25 => 11,
        26 => 12,
        27 => 13,
        28 | 29 => 14,
        _ => 15,
    };
    match kind {
        // Replace any node with a special value or a donor.
        0..=4 if !paths.is_empty() => {
            let p = rng.pick(&paths).clone();
            if let Some(n) = at_mut(j, &p) {
                *n = special(env, rng);
            }
        }
        // Replace a value with one seen under the same key elsewhere.
        5 => {
            let objs: Vec<Vec<usize>> = objs.into_iter().filter(|p| matches!(at_mut(j, p), Some(J::Obj(kv)) if !kv.is_empty())).collect();
            if let Some(p) = (!objs.is_empty()).then(|| rng.pick(&objs).clone()) {
                if let Some(J::Obj(kv)) = at_mut(j, &p) {
                    let i = rng.below(kv.len());
                    if let Some(d) = key_name(&kv[i].0).and_then(|k| env.donors.get(&k)) {
                        kv[i].1 = rng.pick(d).clone();
                    }
                }
            }
        }
        // Insert a field (known, unknown or duplicate) into an object.
        6 | 7 => {
            let p = rng.pick(&objs).clone();
            let key = random_key(env, op, rng);
            let v = special(env, rng);
            if let Some(J::Obj(kv)) = at_mut(j, &p) {
                if rng.chance(30) && !kv.is_empty() {
                    let k = kv[rng.below(kv.len())].0.clone();
                    kv.push((k, v));
                } else {
                    let at = rng.below(kv.len() + 1);
                    kv.insert(at, (key, v));
                }
            }
        }
        // Delete a field or list item.
        8 | 9 if !paths.is_empty() => {
            let p = rng.pick(&paths).clone();
            let (last, parent) = p.split_last().unwrap();
            match at_mut(j, parent) {
                Some(J::Arr(items)) => {
                    items.remove(*last);
                }
                Some(J::Obj(kv)) => {
                    kv.remove(*last);
                }
                _ => {}
            }
        }
        // Insert or duplicate list items.
        10 => {
            let lists: Vec<Vec<usize>> = paths.iter().filter(|p| matches!(at_mut(j, p), Some(J::Arr(_)))).cloned().collect();
            if !lists.is_empty() {
                let p = rng.pick(&lists).clone();
                let s = special(env, rng);
                let times = *rng.pick(&[1usize, 2, 50, 500]);
                if let Some(J::Arr(items)) = at_mut(j, &p) {
                    let item = if !items.is_empty() && rng.chance(60) { items[rng.below(items.len())].clone() } else { s };
                    for _ in 0..times {
                        let at = rng.below(items.len() + 1);
                        items.insert(at, item.clone());
                    }
                }
            }
        }
        // Wrong types: wrap a node in a list or object, or unwrap it.
        11 if !paths.is_empty() => {
            let p = rng.pick(&paths).clone();
            if let Some(n) = at_mut(j, &p) {
                let old = std::mem::replace(n, J::Raw("null".into()));
                *n = match (rng.below(3), old) {
                    (0, o) => J::Arr(vec![o]),
                    (1, o) => J::Obj(vec![(q("value"), o)]),
                    (_, J::Arr(mut items)) if !items.is_empty() => items.swap_remove(0),
                    (_, J::Obj(mut kv)) if !kv.is_empty() => kv.swap_remove(0).1,
                    (_, J::Raw(s)) => J::Raw(if s.starts_with('"') { s.trim_matches('"').to_string() } else { q(&s) }),
                    (_, o) => o,
                };
                // A bare word from an unquoted string is usually broken JSON;
                // keep it only sometimes.
                if let J::Raw(s) = n {
                    if pyjson::parse_str(s).is_err() && !rng.chance(10) {
                        *s = q(s);
                    }
                }
            }
        }
        // abi variants.
        12 => {
            let v =
                rng.pick(&["1", "1.0", "true", "\"1\"", "2", "0", "-1", "null", "[1]", "{}", "1e0", "18446744073709551617", "NaN", "01"]);
            if rng.chance(10) {
                if let J::Obj(kv) = j {
                    kv.retain(|(k, _)| k != "\"abi\"");
                }
            } else {
                obj_set(j, "abi", J::Raw(v.to_string()));
            }
        }
        // op variants.
        13 => {
            let names: Vec<&String> = env.ops.keys().collect();
            let v = match rng.below(5) {
                0 => q(rng.pick(&names)),
                1 => q(&format!("{op}\u{0}")),
                2 => q(&op.to_uppercase()),
                3 => q(rng.pick(&["", "ops ", ".", "lane_lease", "lane_lease.", "a.b.c", "\u{e9}.x"])),
                _ => rng.pick(&env.specials).clone(),
            };
            obj_set(j, "op", J::Raw(v));
        }
        // config variants.
        14 => {
            let c = match rng.below(6) {
                0 => J::Raw(rng.pick(&["null", "{}", "3", "\"x\"", "[]", "true"]).to_string()),
                1 | 2 => rng.pick(&env.configs).clone(),
                3 => {
                    // An inline table of the wrong type or with junk inside.
                    let t = q(rng.pick(TABLES));
                    J::Obj(vec![(t, special(env, rng))])
                }
                4 => {
                    let mut c = rng.pick(&env.configs).clone();
                    mutate_once(&mut c, env, "", rng);
                    c
                }
                _ => J::Obj(vec![(q("workspace"), J::Raw(q("W"))), (q(rng.pick(TABLES)), special(env, rng))]),
            };
            obj_set(j, "config", c);
        }
        // An unknown top-level field.
        _ => {
            if let J::Obj(kv) = j {
                kv.push((q(rng.pick(&["extra", "verdict", "ok", "Args", ""])), special(env, rng)));
            }
        }
    }
}

/// Damage the bytes of a request.
fn garble(b: &mut Vec<u8>, rng: &mut Rng) {
    const BAD: &[&[u8]] = &[
        b"\xff",
        b"\xfe\xff",
        b"\xc0\x80",
        b"\xed\xa0\x80",
        b"\x80",
        b"\xf4\x90\x80\x80",
        b"\xe2\x82",
        b"\xef\xbb\xbf",
        b"\x00",
        b"\x01",
        b"\x7f",
    ];
    for _ in 0..=rng.below(2) {
        let n = b.len();
        match rng.below(8) {
            0 => b.truncate(rng.below(n + 1)),
            1 if n > 0 => {
                let i = rng.below(n);
                b[i] = rng.next() as u8;
            }
            2 | 3 => {
                let at = rng.below(n + 1);
                let bad = rng.pick(BAD);
                b.splice(at..at, bad.iter().copied());
            }
            4 => b.splice(0..0, b"\xef\xbb\xbf".iter().copied()).for_each(drop),
            5 if n > 2 => {
                let i = rng.below(n);
                let k = rng.below(n - i).min(64);
                b.drain(i..i + k);
            }
            6 if n > 2 => {
                let i = rng.below(n);
                let k = rng.below(n - i).min(64);
                let chunk = b[i..i + k].to_vec();
                let at = rng.below(b.len() + 1);
                b.splice(at..at, chunk);
            }
            _ => {
                let s = rng.pick(BROKEN).as_bytes();
                let at = rng.below(n + 1);
                b.splice(at..at, s.iter().copied());
            }
        }
    }
}

// ------------------------------------------------------------------ checks

const CODES: &[&str] = &["BAD_JSON", "BAD_REQUEST", "ABI_MISMATCH", "UNKNOWN_OP", "BAD_ARGS", "BAD_CONFIG", "BUSY", "IO_ERROR"];

/// A failure's kind (what minimizing must preserve) and its details.
#[derive(Debug)]
struct Fail {
    kind: String,
    detail: String,
}

fn fail(kind: impl Into<String>, detail: impl Into<String>) -> Fail {
    Fail { kind: kind.into(), detail: detail.into() }
}

/// Every key in `v`: as text (when it is UTF-8) and as a JSON literal.
fn names_in(v: &Value, out: &mut BTreeSet<String>, literals: &mut BTreeSet<String>) {
    match v {
        Value::List(l) => l.iter().for_each(|x| names_in(x, out, literals)),
        Value::Dict(d) => {
            for (k, x) in d.iter() {
                if let Some(k) = k.as_str() {
                    out.insert(k.to_string());
                }
                literals.insert(dump(&Value::Str(k.clone())));
                names_in(x, out, literals);
            }
        }
        _ => {}
    }
}

/// Whether `msg` names one of `names`: as a word, and for one-letter names
/// quoted or indexed (`"a"`, `a[0]`) so an English "a" does not count.
fn names_a_field(msg: &str, names: &BTreeSet<String>) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    for name in names.iter().filter(|n| !n.is_empty()) {
        let mut from = 0;
        while let Some(i) = msg[from..].find(name.as_str()) {
            let s = from + i;
            let e = s + name.len();
            let before = msg[..s].chars().next_back();
            let after = msg[e..].chars().next();
            let word = !before.is_some_and(is_word) && !after.is_some_and(is_word);
            if word && (name.chars().count() > 1 || before == Some('"') || matches!(after, Some('[' | '.' | '"'))) {
                return true;
            }
            from = s + name.chars().next().map_or(1, char::len_utf8);
        }
    }
    false
}

/// The envelope checks on one `dos_call`-style response.
fn check_response(env: &Env, request: &[u8], st: dos_status, body: &[u8]) -> Result<(), Fail> {
    match st {
        dos_status::DOS_STATUS_OK | dos_status::DOS_STATUS_ERROR_RESPONSE => {}
        dos_status::DOS_STATUS_PANIC => return Err(fail("PANIC", String::from_utf8_lossy(body))),
        other => return Err(fail(format!("status {other:?}"), "")),
    }
    let v = match pyjson::parse(body) {
        Ok(v) => v,
        // A verdict that echoes a nested input (a lease's `children`) can
        // sit a level or two deeper than the reader's depth limit: still
        // JSON, and still the envelope.
        Err(e)
            if e.message.contains("nested too deeply")
                && st == dos_status::DOS_STATUS_OK
                && body.starts_with(br#"{"abi":1,"ok":true,"verdict":"#)
                && json_any_depth(body) =>
        {
            if let Ok(mut seen) = SEEN.lock() {
                *seen.entry("ok (deeper than the reader's limit)".into()).or_default() += 1;
            }
            return Ok(());
        }
        Err(e) => return Err(fail("response not JSON", format!("{e}: {}", String::from_utf8_lossy(body)))),
    };
    let d = v.as_dict().ok_or_else(|| fail("response not an object", ""))?;
    let keys: Vec<&str> = d.keys().map(|k| k.as_str().unwrap_or("?")).collect();
    let ok = st == dos_status::DOS_STATUS_OK;
    if let Ok(mut seen) = SEEN.lock() {
        let code = d.get("error").and_then(|e| e.get("code")).and_then(Value::as_str).unwrap_or("ok");
        *seen.entry(code.to_string()).or_default() += 1;
    }
    let want: &[&str] = if ok { &["abi", "ok", "verdict"] } else { &["abi", "ok", "error"] };
    if keys != want {
        return Err(fail("response shape", format!("keys {keys:?}, status {st:?}")));
    }
    if d.get("abi").and_then(Value::as_i64) != Some(1) || d.get("ok").and_then(Value::as_bool) != Some(ok) {
        return Err(fail("response abi/ok", String::from_utf8_lossy(body)));
    }
    if ok {
        return Ok(());
    }
    let e = d.get("error").and_then(Value::as_dict).ok_or_else(|| fail("error not an object", ""))?;
    let ekeys: Vec<&str> = e.keys().map(|k| k.as_str().unwrap_or("?")).collect();
    if ekeys != ["code", "message"] {
        return Err(fail("error shape", format!("{ekeys:?}")));
    }
    let code = e.get("code").and_then(Value::as_str).unwrap_or("?");
    let msg = e.get("message").and_then(Value::as_str).ok_or_else(|| fail("error message not text", ""))?;
    if code == "INTERNAL" {
        return Err(fail("INTERNAL", msg));
    }
    if !CODES.contains(&code) {
        return Err(fail(format!("undocumented code {code}"), msg));
    }
    if msg.is_empty() {
        return Err(fail(format!("{code} without a message"), ""));
    }
    if code == "BAD_ARGS" {
        let req = pyjson::parse(request).ok();
        let (mut names, mut literals) = (BTreeSet::new(), BTreeSet::new());
        if let Some(r) = &req {
            if let Some(a) = r.get("args") {
                names_in(a, &mut names, &mut literals);
            }
            if let Some(op) = r.get("op").and_then(Value::as_str) {
                names.extend(env.ops.get(op).into_iter().flatten().cloned());
            }
        }
        // A nested field the request lacks is named too ("missing field
        // \"run_started_ms\""): any field name the corpus uses counts.
        names.extend(env.donors.keys().cloned());
        {}
        // A key that is not a word (`""`, `"\ud800"`) counts when the
        // message quotes it.
        if !names_a_field(msg, &names) && !literals.iter().any(|l| msg.contains(l.as_str())) {
            return Err(fail("BAD_ARGS names no field", msg));
        }
    }
    Ok(())
}

/// Whether `b` is one JSON document (Python's dialect: NaN, Infinity), at
/// any depth: an iterative check for responses deeper than the reader takes.
fn json_any_depth(b: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(b) else { return false };
    let b = s.as_bytes();
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    let string = |i: &mut usize| -> bool {
        *i += 1;
        while *i < b.len() {
            match b[*i] {
                b'"' => {
                    *i += 1;
                    return true;
                }
                b'\\' => {
                    *i += 1;
                    match b.get(*i) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => *i += 1,
                        Some(b'u') if b.len() >= *i + 5 && b[*i + 1..*i + 5].iter().all(u8::is_ascii_hexdigit) => *i += 5,
                        _ => return false,
                    }
                }
                c if c < 0x20 => return false,
                _ => *i += 1,
            }
        }
        false
    };
    let scalar = |i: &mut usize| -> bool {
        for lit in ["true", "false", "null", "NaN", "Infinity", "-Infinity"] {
            if b[*i..].starts_with(lit.as_bytes()) {
                *i += lit.len();
                return true;
            }
        }
        let start = *i;
        if b.get(*i) == Some(&b'-') {
            *i += 1;
        }
        let digits = |i: &mut usize| {
            let s = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            *i > s
        };
        if b.get(*i) == Some(&b'0') {
            *i += 1;
        } else if !digits(i) {
            return false;
        }
        if b.get(*i) == Some(&b'.') {
            *i += 1;
            if !digits(i) {
                return false;
            }
        }
        if matches!(b.get(*i), Some(b'e' | b'E')) {
            *i += 1;
            if matches!(b.get(*i), Some(b'+' | b'-')) {
                *i += 1;
            }
            if !digits(i) {
                return false;
            }
        }
        *i > start
    };
    // The open containers; after a value, expect `,` or the closer.
    let mut stack: Vec<u8> = Vec::new();
    'value: loop {
        ws(&mut i);
        match b.get(i) {
            Some(b'[') => {
                i += 1;
                ws(&mut i);
                if b.get(i) == Some(&b']') {
                    i += 1;
                } else {
                    stack.push(b'[');
                    continue 'value;
                }
            }
            Some(b'{') => {
                i += 1;
                ws(&mut i);
                if b.get(i) == Some(&b'}') {
                    i += 1;
                } else {
                    stack.push(b'{');
                    if b.get(i) != Some(&b'"') || !string(&mut i) {
                        return false;
                    }
                    ws(&mut i);
                    if b.get(i) != Some(&b':') {
                        return false;
                    }
                    i += 1;
                    continue 'value;
                }
            }
            Some(b'"') => {
                if !string(&mut i) {
                    return false;
                }
            }
            Some(_) => {
                if !scalar(&mut i) {
                    return false;
                }
            }
            None => return false,
        }
        // After a value.
        loop {
            ws(&mut i);
            let Some(&top) = stack.last() else {
                return i == b.len();
            };
            match (top, b.get(i)) {
                (b'[', Some(b']')) | (b'{', Some(b'}')) => {
                    stack.pop();
                    i += 1;
                }
                (b'[', Some(b',')) => {
                    i += 1;
                    continue 'value;
                }
                (b'{', Some(b',')) => {
                    i += 1;
                    ws(&mut i);
                    if b.get(i) != Some(&b'"') || !string(&mut i) {
                        return false;
                    }
                    ws(&mut i);
                    if b.get(i) != Some(&b':') {
                        return false;
                    }
                    i += 1;
                    continue 'value;
                }
                _ => return false,
            }
        }
    }
}

/// What one input exercises.
#[derive(Clone, Copy, Debug)]
enum Entry {
    Call,
    CallWith(usize),
    ConfigJson,
    ConfigToml,
}

fn is_utf8(b: &[u8]) -> bool {
    std::str::from_utf8(b).is_ok()
}

fn check_handle(h: *mut dos_config) -> Result<(), Fail> {
    let mut b = dos_buffer { data: std::ptr::null_mut(), len: 0 };
    for (what, f) in [("warnings", dos_config_warnings as unsafe extern "C" fn(_, _) -> _), ("to_json", dos_config_to_json)] {
        let st = unsafe { f(h, &mut b) };
        let body = take(&mut b);
        if st != dos_status::DOS_STATUS_OK {
            return Err(fail(format!("dos_config_{what} status {st:?}"), ""));
        }
        pyjson::parse(&body).map_err(|e| fail(format!("dos_config_{what} not JSON"), e.to_string()))?;
    }
    Ok(())
}

fn run_entry(env: &Env, entry: Entry, input: &[u8]) -> Result<(), Fail> {
    begin_call(input);
    let t = Instant::now();
    let r = run_entry_inner(env, entry, input);
    let ms = t.elapsed().as_millis() as u64;
    end_call();
    sweep_locks(env, input);
    if ms >= 200 {
        if let Ok(mut slow) = SLOW.lock() {
            let shown = String::from_utf8_lossy(&input[..input.len().min(300)]).into_owned();
            slow.push((ms, format!("{entry:?} {shown}")));
            slow.sort_by_key(|e| std::cmp::Reverse(e.0));
            slow.truncate(8);
        }
    }
    r
}

fn run_entry_inner(env: &Env, entry: Entry, input: &[u8]) -> Result<(), Fail> {
    match entry {
        Entry::Call => {
            let (st, body) = raw_call(input);
            check_response(env, input, st, &body)
        }
        Entry::CallWith(i) => {
            let mut out = dos_buffer { data: std::ptr::null_mut(), len: 0 };
            let st = unsafe { dos_call_with_config(env.handles[i], input.as_ptr(), input.len(), &mut out) };
            let body = take(&mut out);
            check_response(env, input, st, &body)
        }
        Entry::ConfigJson | Entry::ConfigToml => {
            let mut h = std::ptr::null_mut();
            let mut err = dos_buffer { data: std::ptr::null_mut(), len: 0 };
            let st = unsafe {
                if matches!(entry, Entry::ConfigJson) {
                    dos_config_from_json(input.as_ptr(), input.len(), &mut h, &mut err)
                } else {
                    dos_config_from_toml(input.as_ptr(), input.len(), &mut h, &mut err)
                }
            };
            let body = take(&mut err);
            let result = (|| {
                match st {
                    dos_status::DOS_STATUS_OK => {
                        if h.is_null() || !body.is_empty() {
                            return Err(fail("config OK without a handle, or with an error", ""));
                        }
                        if matches!(entry, Entry::ConfigToml) && !is_utf8(input) {
                            return Err(fail("dos_config_from_toml took text that is not UTF-8", ""));
                        }
                        check_handle(h)?;
                        // A call under the fresh handle.
                        let mut rng = Rng::new(input.len() as u64 + 7);
                        let (req, _) = env.seed_text(&mut rng);
                        let mut j = parse_j(&req);
                        sanitize(&mut j, env, &mut rng);
                        let req = text_of(&j);
                        let mut out = dos_buffer { data: std::ptr::null_mut(), len: 0 };
                        let st = unsafe { dos_call_with_config(h, req.as_ptr(), req.len(), &mut out) };
                        let body = take(&mut out);
                        check_response(env, req.as_bytes(), st, &body)
                    }
                    dos_status::DOS_STATUS_ERROR_RESPONSE => {
                        if !h.is_null() {
                            return Err(fail("config refused but a handle returned", ""));
                        }
                        check_response(env, b"{}", st, &body)
                    }
                    dos_status::DOS_STATUS_INVALID_UTF8 if matches!(entry, Entry::ConfigToml) && !is_utf8(input) => {
                        if !h.is_null() {
                            return Err(fail("INVALID_UTF8 with a handle", ""));
                        }
                        if !body.is_empty() {
                            check_response(env, b"{}", dos_status::DOS_STATUS_ERROR_RESPONSE, &body)?;
                        }
                        Ok(())
                    }
                    other => Err(fail(format!("config status {other:?}"), String::from_utf8_lossy(&body))),
                }
            })();
            unsafe { dos_config_free(h) };
            result
        }
    }
}

// ------------------------------------------------------------------ lock sweeping

/// Lock files of mutexes a call holds only while it runs (the lane-lease
/// lock, the id_alloc scope locks) that are still there after it returned.
///
/// A known leak, the reference's too: the lock body is read back stripped
/// and line by line, so an `owner` with surrounding whitespace or a newline
/// never matches its own lock, which is then left behind and makes every
/// later call on that lock wait its retry budget and answer BUSY until the
/// TTL (300 s) passes. The fuzzer removes such locks after each call and
/// counts them, so one such request does not slow the rest of the run.
fn sweep_locks(env: &Env, input: &[u8]) {
    fn walk(dir: &Path, skip: &[PathBuf], found: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if skip.contains(&p) {
                continue;
            }
            match e.file_type() {
                Ok(t) if t.is_dir() => walk(&p, skip, found),
                Ok(_) if p.extension().is_some_and(|x| x == "lock") => found.push(p),
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    walk(&env.tmp, &[env.tmp.join("archive"), env.tmp.join("p")], &mut found);
    if found.is_empty() {
        return;
    }
    for p in &found {
        let _ = std::fs::remove_file(p);
    }
    if let Ok(mut l) = LEAKS.lock() {
        l.0 += found.len() as u64;
        if l.1.is_empty() {
            l.1 = String::from_utf8_lossy(&input[..input.len().min(400)]).into_owned();
        }
    }
}

static LEAKS: Mutex<(u64, String)> = Mutex::new((0, String::new()));

// ------------------------------------------------------------------ watchdog

static CURRENT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static STARTED_MS: AtomicU64 = AtomicU64::new(0);
static SEED: AtomicU64 = AtomicU64::new(0);
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());
static EPOCH: OnceLock<Instant> = OnceLock::new();
static SLOW: Mutex<Vec<(u64, String)>> = Mutex::new(Vec::new());
static SEEN: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

fn now_ms() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

fn begin_call(input: &[u8]) {
    if std::env::var_os("DOS_FUZZ_VERBOSE").is_some() {
        let _ = writeln!(std::io::stderr(), "fuzz: {}", String::from_utf8_lossy(&input[..input.len().min(2000)]));
    }
    if let Ok(mut c) = CURRENT.lock() {
        c.clear();
        c.extend_from_slice(input);
    }
    STARTED_MS.store(now_ms(), Ordering::SeqCst);
}

fn end_call() {
    STARTED_MS.store(0, Ordering::SeqCst);
}

/// A call that runs for more than a minute is a hang: print it and stop.
fn start_watchdog() {
    let limit: u64 = std::env::var("DOS_FUZZ_CALL_TIMEOUT_MS").ok().and_then(|s| s.parse().ok()).unwrap_or(60_000);
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(500));
        let s = STARTED_MS.load(Ordering::SeqCst);
        if s != 0 && now_ms().saturating_sub(s) > limit {
            let req = CURRENT.lock().map(|c| c.clone()).unwrap_or_default();
            let _ = writeln!(
                std::io::stderr(),
                "envelope fuzz: a call hung for {limit} ms (seed {}); request:\n{}",
                SEED.load(Ordering::SeqCst),
                String::from_utf8_lossy(&req)
            );
            std::process::exit(3);
        }
    });
}

// ------------------------------------------------------------------ minimizing

fn minimize_tree(j: &J, kind: &str, test: &dyn Fn(&[u8]) -> Option<String>) -> J {
    let mut best = j.clone();
    let mut budget = 400;
    let mut progress = true;
    while progress && budget > 0 {
        progress = false;
        let mut paths = Vec::new();
        node_paths(&best, &mut Vec::new(), &mut paths);
        for p in paths.iter().rev() {
            if budget == 0 {
                break;
            }
            let mut candidates = Vec::new();
            // Remove the node.
            let mut c = best.clone();
            let (last, parent) = p.split_last().unwrap();
            match at_mut(&mut c, parent) {
                Some(J::Arr(items)) if *last < items.len() => {
                    items.remove(*last);
                    candidates.push(c);
                }
                Some(J::Obj(kv)) if *last < kv.len() => {
                    kv.remove(*last);
                    candidates.push(c);
                }
                _ => {}
            }
            // Simplify it.
            let mut c = best.clone();
            if let Some(n) = at_mut(&mut c, p) {
                match n {
                    J::Raw(s) if s.len() > 40 => {
                        let cut = s.len() / 2;
                        let mut cut = cut;
                        while !s.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        *s = format!("{}{}", &s[..cut], if s.starts_with('"') { "\"" } else { "" });
                        candidates.push(c);
                    }
                    J::Arr(items) if items.len() > 1 => {
                        items.truncate(items.len() / 2);
                        candidates.push(c);
                    }
                    _ => {}
                }
            }
            for c in candidates {
                budget -= 1;
                if test(text_of(&c).as_bytes()).as_deref() == Some(kind) {
                    best = c;
                    progress = true;
                    break;
                }
            }
            if progress {
                break;
            }
        }
    }
    best
}

fn minimize_bytes(b: &[u8], kind: &str, test: &dyn Fn(&[u8]) -> Option<String>) -> Vec<u8> {
    let mut best = b.to_vec();
    let mut chunk = best.len() / 2;
    let mut budget = 400;
    while chunk > 0 && budget > 0 {
        let mut i = 0;
        let mut progressed = false;
        while i < best.len() && budget > 0 {
            let mut c = best.clone();
            c.drain(i..(i + chunk).min(c.len()));
            budget -= 1;
            if test(&c).as_deref() == Some(kind) {
                best = c;
                progressed = true;
            } else {
                i += chunk;
            }
        }
        if !progressed {
            chunk /= 2;
        }
    }
    best
}

impl Env {
    /// A seed request: a random line of a random op (all ops in turn when
    /// `turn` is given).
    fn seed_text(&self, rng: &mut Rng) -> (String, String) {
        let names: Vec<&String> = self.ops.keys().collect();
        let op = (*rng.pick(&names)).clone();
        (self.seed_of(&op, rng), op)
    }

    fn seed_of(&self, op: &str, rng: &mut Rng) -> String {
        let g = self.golden.get(op);
        let e = self.extra.get(op);
        match (g, e) {
            (Some(g), Some(e)) => {
                if rng.chance(50) {
                    request_of(rng.pick(g))
                } else {
                    rng.pick(e).clone()
                }
            }
            (Some(g), None) => request_of(rng.pick(g)),
            (None, Some(e)) => rng.pick(e).clone(),
            (None, None) => r#"{"abi":1,"op":"ops"}"#.to_string(),
        }
    }

    /// Wipe what the ops wrote, so a long run does not grow its files.
    fn reset_files(&self) {
        for d in ["ws/.dos", "j", "p", "d", "locks", "runs", "archive"] {
            let p = self.tmp.join(d);
            let _ = std::fs::remove_dir_all(&p);
            let _ = std::fs::create_dir_all(&p);
        }
    }
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.trim().parse().ok())
}

#[test]
fn envelope_fuzz() {
    let seed = env_num("DOS_FUZZ_SEED").unwrap_or_else(|| {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1) ^ (std::process::id() as u64) << 32
    });
    SEED.store(seed, Ordering::SeqCst);
    let seconds = env_num("DOS_FUZZ_SECONDS").unwrap_or(20);
    let iters = env_num("DOS_FUZZ_ITERS").unwrap_or(u64::MAX);
    let max_failures = env_num("DOS_FUZZ_MAX_FAILURES").unwrap_or(12) as usize;
    // Multi-megabyte requests (a large item duplicated hundreds of times)
    // cost seconds each in a debug build; `make fuzz` raises the cap.
    let max_bytes = env_num("DOS_FUZZ_MAX_BYTES").unwrap_or(256 * 1024) as usize;
    let mut skipped = 0u64;
    eprintln!("envelope fuzz: seed {seed} (DOS_FUZZ_SEED={seed} replays), {seconds} s, {iters} iterations at most");

    // Caught panics are failures reported below; keep their message, not
    // the default hook's noise.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if STARTED_MS.load(Ordering::SeqCst) == 0 {
            default_hook(info);
        } else if let Ok(mut p) = LAST_PANIC.lock() {
            *p = info.to_string();
        }
    }));
    let mut rng = Rng::new(seed);
    let t0 = Instant::now();
    let env = setup(&mut rng);
    eprintln!("envelope fuzz: seeds ready in {:.1} s", t0.elapsed().as_secs_f64());
    start_watchdog();
    let before: BTreeSet<_> = std::fs::read_dir(&env.crate_dir).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();

    let op_names: Vec<String> = env.ops.keys().cloned().chain(std::iter::once("ops".to_string())).collect();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    let (mut n, mut by_entry) = (0u64, [0u64; 4]);
    let mut progress_at = Instant::now();
    while n < iters && Instant::now() < deadline && failures.len() < max_failures {
        n += 1;
        if progress_at.elapsed() >= Duration::from_secs(60) {
            progress_at = Instant::now();
            eprintln!("envelope fuzz: {n} inputs, {:.0} s, {} distinct failure(s) so far", start.elapsed().as_secs_f64(), failures.len());
        }
        if n % 3000 == 0 {
            env.reset_files();
        }
        let op = op_names[(n as usize) % op_names.len()].clone();
        let entry = match rng.below(100) {
            0..=74 => Entry::Call,
            75..=84 => Entry::CallWith(rng.below(env.handles.len())),
            85..=94 => Entry::ConfigJson,
            _ => Entry::ConfigToml,
        };
        by_entry[match entry {
            Entry::Call => 0,
            Entry::CallWith(_) => 1,
            Entry::ConfigJson => 2,
            Entry::ConfigToml => 3,
        }] += 1;
        // Build the input.
        let mut tree = None;
        let mut bytes: Vec<u8> = match entry {
            Entry::ConfigToml => {
                let mut t = rng.pick(&env.tomls).clone().into_bytes();
                if rng.chance(70) {
                    garble(&mut t, &mut rng);
                }
                t
            }
            _ => {
                let mut j =
                    if matches!(entry, Entry::ConfigJson) { rng.pick(&env.configs).clone() } else { parse_j(&env.seed_of(&op, &mut rng)) };
                for _ in 0..=rng.below(3) {
                    mutate_once(&mut j, &env, &op, &mut rng);
                }
                sanitize(&mut j, &env, &mut rng);
                // A missing (or null) retry_interval means the op's default (a second
                // or so per retry against a held lock): keep runs quick.
                if op == "archive_lock.acquire" || op == "id_alloc.allocate" {
                    if let Some(a @ J::Obj(_)) = obj_get_mut(&mut j, "args") {
                        let unset = match obj_get(a, "retry_interval") {
                            None => true,
                            Some(J::Raw(r)) => r == "null",
                            Some(_) => false,
                        };
                        if unset {
                            obj_set(a, "retry_interval", J::Raw("0.001".into()));
                        }
                    }
                }
                let b = text_of(&j).into_bytes();
                tree = Some(j);
                b
            }
        };
        if !matches!(entry, Entry::ConfigToml) && rng.chance(8) {
            let keep = bytes.clone();
            garble(&mut bytes, &mut rng);
            if bytes.len() > max_bytes {
                skipped += 1;
                continue;
            }
            if !bytes_safe(&bytes, &env) {
                bytes = keep;
            } else {
                tree = None;
            }
        }
        if bytes.len() > max_bytes {
            skipped += 1;
            continue;
        }
        if !bytes_safe(&bytes, &env) {
            let _ = std::panic::take_hook();
            panic!("seed {seed}: a request escaped the temporary tree: {}", String::from_utf8_lossy(&bytes));
        }
        if let Err(f) = run_entry(&env, entry, &bytes) {
            let key = match entry {
                Entry::Call | Entry::CallWith(_) => format!("{} / {}", f.kind, op),
                Entry::ConfigJson | Entry::ConfigToml => format!("{} / {:?}", f.kind, entry),
            };
            if failures.contains_key(&key) {
                continue;
            }
            let test = |b: &[u8]| -> Option<String> {
                // Minimizing gets a few seconds past the run's budget.
                if Instant::now() > deadline + Duration::from_secs(5) || !bytes_safe(b, &env) {
                    return None;
                }
                run_entry(&env, entry, b).err().map(|f| f.kind)
            };
            let min = match &tree {
                Some(j) => text_of(&minimize_tree(j, &f.kind, &test)).into_bytes(),
                None => minimize_bytes(&bytes, &f.kind, &test),
            };
            let min_detail = run_entry(&env, entry, &min).err().map(|f| f.detail).unwrap_or_default();
            let panic = LAST_PANIC.lock().map(|p| p.clone()).unwrap_or_default();
            let shown = String::from_utf8_lossy(&min);
            let shown: String =
                if shown.chars().count() > 3000 { shown.chars().take(3000).collect::<String>() + "…" } else { shown.into_owned() };
            failures.insert(
                key,
                format!(
                    "  entry {entry:?}, seed {seed}, iteration {n}\n  detail: {}\n  last panic: {panic}\n  minimized input ({} bytes): {shown}\n  minimized input (escaped): {:?}",
                    if min_detail.is_empty() { f.detail } else { min_detail },
                    min.len(),
                    if min.len() < 600 { format!("{:?}", String::from_utf8_lossy(&min)) } else { String::new() },
                ),
            );
        }
    }
    let elapsed = start.elapsed();
    for h in &env.handles {
        unsafe { dos_config_free(*h) };
    }
    let after: BTreeSet<_> = std::fs::read_dir(&env.crate_dir).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    drop(env);
    eprintln!(
        "envelope fuzz: {n} inputs in {:.1} s (call {}, call_with_config {}, config_from_json {}, config_from_toml {}; {skipped} over {max_bytes} bytes skipped); responses {:?}",
        elapsed.as_secs_f64(),
        by_entry[0],
        by_entry[1],
        by_entry[2],
        by_entry[3],
        SEEN.lock().map(|c| c.clone()).unwrap_or_default()
    );
    let _ = std::panic::take_hook();
    if let Ok(l) = LEAKS.lock() {
        if l.0 > 0 {
            eprintln!("envelope fuzz: {} lock file(s) outlived their call (see sweep_locks), first after: {}", l.0, l.1);
        }
    }
    for (ms, what) in SLOW.lock().map(|s| s.clone()).unwrap_or_default() {
        eprintln!("envelope fuzz: slow input, {ms} ms: {what}");
    }
    assert_eq!(before, after, "the fuzz run wrote into the crate directory");
    if !failures.is_empty() {
        let mut report =
            format!("envelope fuzz found {} distinct failure(s) (seed {seed}; DOS_FUZZ_SEED={seed} replays):\n", failures.len());
        for (k, v) in &failures {
            report.push_str(&format!("\n* {k}\n{v}\n"));
        }
        panic!("{report}");
    }
}

#[test]
fn the_depth_free_json_check() {
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    for ok in
        [&deep[..], "1", "-0.5e+3", "NaN", "-Infinity", "\"a\\u00e9\\n\"", "[]", "{}", " [1, {\"a\": [null, true]}] ", "{\"a\":{\"b\":{}}}"]
    {
        assert!(json_any_depth(ok.as_bytes()), "{ok}");
    }
    for bad in ["", "[", "[1,]", "{\"a\"}", "{\"a\":1,}", "01", "1.", "\"\u{1}\"", "[1]]", "nul", "{1:2}", "\"\\x\"", "[1 2]"] {
        assert!(!json_any_depth(bad.as_bytes()), "{bad}");
    }
    assert!(!json_any_depth(b"\"\xff\""));
}
