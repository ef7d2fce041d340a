//! The PostgreSQL lease store against a real server (`make test-pg` starts
//! one and sets `DOS_TEST_PG_URL`; without it every test here says so and
//! passes without running).
//!
//! - every verb through the envelope, and the same decisions as the file
//!   journal on the same sequence;
//! - 8 processes ("machines": distinct `DISPATCH_HOST_ID`, separate
//!   workspace clones) racing acquire/release over overlapping lanes: never
//!   two colliding live grants, every acknowledged record present once;
//! - faults: a client killed with SIGKILL mid-loop, `pg_ctl restart -m
//!   immediate` mid-loop, a stopped server, a contended advisory lock (BUSY),
//!   an unreachable server (IO_ERROR, in bounded time, no password shown);
//! - fairness of the grants under contention (the file journal's test).

use dos_core::pyjson::{self, Dict, Value};
use dos_io::boundary::pg::{lock_key, PgStore};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CHILD_ENV: &str = "DOS_PG_TEST_CHILD";

fn pg_url() -> Option<String> {
    match std::env::var("DOS_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            eprintln!("skipped: DOS_TEST_PG_URL is not set (make test-pg starts a server and sets it)");
            None
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// A workspace key no other run has used.
fn fresh_key(tag: &str) -> String {
    format!("test-{tag}-{}-{}", std::process::id(), SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos())
}

fn json_str(s: &str) -> String {
    String::from_utf8(pyjson::dumps(&Value::str(s), pyjson::Options::COMPACT).unwrap()).unwrap()
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dos-pgtest-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn example_workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/workspace")
}

/// A clone of the example workspace whose dos.toml points at the store.
fn clone_workspace(dest: &Path, url: &str, key: &str) {
    copy_dir(&example_workspace(), dest);
    let mut toml = fs::read_to_string(dest.join("dos.toml")).unwrap();
    toml.push_str(&format!("\n[lease_store]\nurl = {}\nworkspace = {}\n", json_str(url), json_str(key)));
    fs::write(dest.join("dos.toml"), toml).unwrap();
}

/// One envelope call: `Ok(verdict)` or `Err((code, message))`.
fn call(config: &str, op: &str, args: &str) -> Result<Value, (String, String)> {
    let req = format!(r#"{{"abi":1,"op":"{op}","config":{config},"args":{args}}}"#);
    let (_, out) = dos_ops::call(req.as_bytes());
    let resp = pyjson::parse(&out).expect("the envelope answers JSON");
    if resp.get("ok").and_then(Value::as_bool) == Some(true) {
        Ok(resp.get("verdict").cloned().unwrap_or(Value::Null))
    } else {
        let e = resp.get("error");
        let s = |k: &str| e.and_then(|e| e.get(k)).and_then(Value::as_str).unwrap_or("?").to_string();
        Err((s("code"), s("message")))
    }
}

/// The inline config of the example workspace's lanes, on PostgreSQL
/// (`Some((url, key))`) or on the journal file.
fn inline_config(pg: Option<(&str, &str)>) -> String {
    let lanes = r#""lanes": {"concurrent": ["api", "web", "docs"], "exclusive": ["release"], "autopick": ["api", "web", "docs"],
        "trees": {"api": ["src/api/**"], "web": ["src/web/**", "docs/UI-*"], "docs": ["docs/"], "release": ["deploy/**", "**/VERSION"]}},
        "overlap": {"ratio_max": 0.25}, "concurrency_class": [{"name": "cluster", "max_concurrent": 2}]"#;
    match pg {
        Some((url, key)) => format!(r#"{{{lanes}, "lease_store": {{"url": {}, "workspace": {}}}}}"#, json_str(url), json_str(key)),
        None => format!("{{{lanes}}}"),
    }
}

fn store(url: &str, key: &str) -> PgStore {
    PgStore::new(url, key)
}

fn s<'a>(d: &'a Dict, k: &str) -> &'a str {
    d.get(k).and_then(Value::as_str).unwrap_or("")
}

/// A lease without the fields that depend on the clock or the process.
fn normalized(v: &Value) -> Value {
    match v {
        Value::Dict(d) => {
            let mut out = Dict::new();
            for (k, x) in d.iter() {
                let key = k.as_str().unwrap_or("");
                if ["acquired_at", "heartbeat_at", "ts", "pid", "seq", "adopted_at"].contains(&key) {
                    continue;
                }
                out.push(key, normalized(x));
            }
            Value::Dict(out)
        }
        Value::List(items) => Value::List(items.iter().map(normalized).collect()),
        other => other.clone(),
    }
}

// ------------------------------------------------------------------ verbs

#[test]
fn every_verb_works_on_postgres_and_decides_as_the_file_journal_does() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key("verbs");
    let dir = scratch("verbs");
    let file_cfg = inline_config(None);
    let pg_cfg = inline_config(Some((&url, &key)));
    let journal = dir.join("lane-journal.jsonl");
    let jarg = |extra: &str| format!(r#"{{"journal": {}, {extra}}}"#, json_str(&journal.display().to_string()));
    // A fixed sequence over overlapping lanes; each step on both backends.
    let steps: Vec<(&str, String)> = vec![
        ("lane_lease.acquire", r#""lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": "a1", "loop_ts": "t1""#.into()),
        ("lane_lease.acquire", r#""lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": "a2", "loop_ts": "t2""#.into()),
        ("lane_lease.acquire", r#""lane": "web", "kind": "cluster", "tree": ["src/web/**"], "owner": "a3", "loop_ts": "t3""#.into()),
        ("lane_lease.acquire", r#""lane": "docs", "kind": "cluster", "tree": ["docs/"], "owner": "a4", "loop_ts": "t4""#.into()),
        ("lane_lease.acquire", r#""lane": "release", "kind": "exclusive", "tree": ["deploy/**"], "owner": "a5", "loop_ts": "t5""#.into()),
        ("lane_lease.heartbeat", r#""lane": "api", "owner": "a1", "loop_ts": "t1""#.into()),
        ("lane_lease.heartbeat", r#""lane": "api", "owner": "nobody""#.into()),
        ("lane_lease.adopt", r#""lane": "web", "new_owner": "a6", "new_pid": 4242"#.into()),
        ("lane_lease.release", r#""lane": "api", "owner": "a1", "loop_ts": "t1""#.into()),
        ("lane_lease.release", r#""lane": "api", "owner": "a1", "loop_ts": "t1""#.into()),
        ("lane_lease.scavenge", r#""lane": "web", "reason": "supervisor: STALLED""#.into()),
        ("lane_lease.scavenge", r#""lane": "docs", "loop_ts": "nope""#.into()),
        ("lane_lease.spawn", r#""lane": "docs", "owner": "a7", "loop_ts": "t7", "run_id": "r7""#.into()),
        ("lane_lease.halt", r#""handle": "4242", "owner": "sup""#.into()),
        ("lane_lease.acquire", r#""lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": "a8", "loop_ts": "t8""#.into()),
        ("lane_lease.live_leases", r#""expire_dead": false"#.into()),
        ("lane_lease.live_leases", r#""expire_dead": true"#.into()),
        ("lane_lease.compact_journal", r#""owner": "compactor""#.into()),
        ("lane_lease.live_leases", r#""expire_dead": false"#.into()),
        ("lane_lease.acquire", r#""lane": "docs", "kind": "cluster", "tree": ["docs/"], "owner": "a9", "loop_ts": "t9""#.into()),
        ("lane_lease.live_leases", r#""expire_dead": true"#.into()),
    ];
    for (op, args) in &steps {
        let f = call(&file_cfg, op, &jarg(args));
        let p = call(&pg_cfg, op, &format!("{{{args}}}"));
        let (f, p) = match (f, p) {
            (Ok(f), Ok(p)) => (f, p),
            other => panic!("{op} {args}: {other:?}"),
        };
        if *op == "lane_lease.compact_journal" {
            // Sizes differ by backend; the counts do not.
            for k in ["entries_before", "entries_after"] {
                assert_eq!(f.get(k), p.get(k), "{op}: {k}");
            }
            continue;
        }
        assert_eq!(normalized(&f), normalized(&p), "{op} {args}");
    }
    // A heartbeat within the coalescing window writes nothing.
    let n = store(&url, &key).read_all().unwrap().len();
    let hb = call(&pg_cfg, "lane_lease.heartbeat", r#"{"lane": "docs", "owner": "a9", "loop_ts": "t9", "coalesce_within_s": 3600}"#);
    assert_eq!(hb.map(|v| v.as_bool()), Ok(Some(true)));
    assert_eq!(store(&url, &key).read_all().unwrap().len(), n);
    // The rows hold the file journal's exact line format (sorted keys,
    // ", " and ": " separators), seq monotonic from 1.
    let rows = store(&url, &key).read_all().unwrap();
    let text = store(&url, &key).lines().unwrap();
    for (line, rec) in text.lines().zip(&rows) {
        let again = dos_core::journal::encode_line(&Value::Dict(rec.clone())).unwrap();
        assert_eq!(format!("{line}\n").as_bytes(), &again[..], "a row is not a journal line");
    }
    let seqs: Vec<i64> = rows.iter().filter_map(|r| r.get("seq").and_then(Value::as_i64)).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq not monotonic: {seqs:?}");
    // Records carry the database's clock (ISO seconds, Z).
    let ts = s(&rows[rows.len() - 1], "ts");
    assert!(ts.len() == 20 && ts.ends_with('Z'), "{ts}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn the_store_comes_from_dos_toml_and_from_the_environment_variable() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key("toml");
    let dir = scratch("toml");
    let ws = dir.join("ws");
    clone_workspace(&ws, &url, &key);
    let cfg = format!(r#"{{"workspace": {}}}"#, json_str(&ws.display().to_string()));
    let args = r#"{"lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": "t", "loop_ts": "x1"}"#;
    let v = call(&cfg, "lane_lease.acquire", args).unwrap();
    assert_eq!(v.get("journaled").and_then(Value::as_bool), Some(true));
    // Nothing on disk: the record went to the database.
    assert!(!ws.join(".dos/lane-journal.jsonl").exists());
    assert_eq!(store(&url, &key).live().unwrap().len(), 1);
    // A host that passes the journal path explicitly reaches the store too.
    let j = ws.join(".dos/lane-journal.jsonl");
    let live = call(&cfg, "lane_lease.live_leases", &format!(r#"{{"journal": {}}}"#, json_str(&j.display().to_string()))).unwrap();
    assert_eq!(live.as_list().map(|l| l.len()), Some(1));
    let _ = fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------ failures

#[test]
fn an_unreachable_server_fails_every_verb_closed_in_bounded_time_without_the_password() {
    // No server needed: this one runs in every test run.
    let secret = "hunter2-sekrit";
    for url in [
        // No server on this socket.
        format!("postgresql://dos:{secret}@%2Ftmp%2Fdos-no-such-server-dir:5999/dos"),
        // A closed loopback port.
        format!("postgresql://dos:{secret}@127.0.0.1:1/dos?connect_timeout=2"),
    ] {
        let cfg = inline_config(Some((&url, "unreachable")));
        for (op, args) in [
            ("lane_lease.acquire", r#"{"lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": "x"}"#),
            ("lane_lease.release", r#"{"lane": "api", "owner": "x"}"#),
            ("lane_lease.heartbeat", r#"{"lane": "api", "owner": "x"}"#),
            ("lane_lease.adopt", r#"{"lane": "api", "new_owner": "y"}"#),
            ("lane_lease.scavenge", r#"{"lane": "api"}"#),
            ("lane_lease.halt", r#"{"handle": "1"}"#),
            ("lane_lease.spawn", r#"{"lane": "api"}"#),
            ("lane_lease.compact_journal", r#"{}"#),
            ("lane_lease.live_leases", r#"{"expire_dead": true}"#),
            ("lane_lease.live_leases", r#"{}"#),
        ] {
            let t0 = Instant::now();
            let r = call(&cfg, op, args);
            let took = t0.elapsed();
            match &r {
                Err((code, msg)) => {
                    assert_eq!(code, "IO_ERROR", "{op}: {msg}");
                    assert!(!msg.contains(secret), "{op}: the password leaked: {msg}");
                    assert!(msg.contains("***"), "{op}: {msg}");
                }
                Ok(v) => {
                    // halt and spawn answer "not recorded" as on the file journal.
                    assert!(
                        ["lane_lease.halt", "lane_lease.spawn"].contains(&op) && v.get("recorded").and_then(Value::as_bool) == Some(false),
                        "{op} succeeded against no server: {v:?}"
                    );
                }
            }
            assert!(took < Duration::from_secs(10), "{op} took {took:?}");
        }
    }
}

#[test]
fn a_contended_workspace_lock_is_busy_and_never_a_grant() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key("busy");
    let mut holder = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    holder.batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({})", lock_key(&key))).unwrap();
    let dir = scratch("busy");
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["child_entry", "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD_ENV, format!("once|{}|{url}|{key}", dir.display()))
        .env("DOS_LEASE_STORE_LOCK_TIMEOUT_MS", "300")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("RESULT BUSY"), "{text}");
    holder.batch_execute("ROLLBACK").unwrap();
    // Free again: the same call goes through, and nothing was written before.
    assert!(store(&url, &key).read_all().unwrap().is_empty());
    let cfg = inline_config(Some((&url, &key)));
    let v = call(&cfg, "lane_lease.acquire", r#"{"lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": "o"}"#).unwrap();
    assert_eq!(v.get("journaled").and_then(Value::as_bool), Some(true));
    let _ = fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------ children

/// What a racing child acknowledged, one line each:
/// `A <seq> <lane> <loop_ts>` for a granted acquire, `R <lane> <loop_ts>`
/// for a release that answered true, `E <code>` for an error.
fn racer(dir: &Path, ws: &Path, owner: &str, stop_at: u64, seed: u64, lanes: &[&str], hold: Duration) -> String {
    let cfg = format!(r#"{{"workspace": {}}}"#, json_str(&ws.display().to_string()));
    let mut log = String::new();
    let mut rng = seed | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut i = 0;
    let stop_file = dir.join("stop");
    while now_ms() < stop_at && !stop_file.exists() {
        i += 1;
        let lane = lanes[(next() % lanes.len() as u64) as usize];
        let (kind, tree) = match lane {
            "api" => ("cluster", "src/api/**"),
            "web" => ("cluster", "src/web/**"),
            "docs" => ("cluster", "docs/"),
            _ => ("exclusive", "deploy/**"),
        };
        let ts = format!("{owner}-{i}");
        let args = format!(
            r#"{{"lane": "{lane}", "kind": "{kind}", "tree": ["{tree}"], "owner": {}, "loop_ts": {}}}"#,
            json_str(owner),
            json_str(&ts)
        );
        match call(&cfg, "lane_lease.acquire", &args) {
            Ok(v) if v.get("journaled").and_then(Value::as_bool) == Some(true) => {
                let rec = v.get("record").and_then(Value::as_dict).cloned().unwrap_or_default();
                let got = s(&rec, "lane").to_string();
                let seq = rec.get("seq").and_then(Value::as_i64).unwrap_or(-1);
                log.push_str(&format!("A {seq} {got} {ts}\n"));
                thread::sleep(hold);
                let rel = format!(r#"{{"lane": {}, "owner": {}, "loop_ts": {}}}"#, json_str(&got), json_str(owner), json_str(&ts));
                // A release is retried until it answers (a lost one would
                // keep the lease live until it expires).
                let deadline = Instant::now() + Duration::from_secs(60);
                let mut failed = false;
                loop {
                    match call(&cfg, "lane_lease.release", &rel) {
                        Ok(v) => {
                            if v.as_bool() == Some(true) {
                                log.push_str(&format!("R {got} {ts}\n"));
                            } else if failed {
                                // An earlier try committed but its answer was
                                // lost (the server went down mid-COMMIT).
                                log.push_str(&format!("F {got} {ts}\n"));
                            } else {
                                log.push_str(&format!("X {got} {ts}\n"));
                            }
                            break;
                        }
                        Err((code, msg)) => {
                            failed = true;
                            log.push_str(&format!("E {code} {}\n", msg.replace('\n', " ")));
                            if Instant::now() > deadline {
                                break;
                            }
                            thread::sleep(Duration::from_millis(50));
                        }
                    }
                }
            }
            Ok(_) => log.push_str("N\n"),
            Err((code, msg)) => {
                log.push_str(&format!("E {code} {}\n", msg.replace('\n', " ")));
                thread::sleep(Duration::from_millis(20));
            }
        }
    }
    let out = dir.join(format!("{owner}.log"));
    fs::write(out.with_extension("tmp"), &log).unwrap();
    fs::rename(out.with_extension("tmp"), &out).unwrap();
    log
}

/// Child mode (a no-op in a normal test run): `race|dir|ws|owner|stop_at|seed|lanes|hold_ms`
/// or `once|dir|url|key`.
#[test]
fn child_entry() {
    let Some(spec) = std::env::var_os(CHILD_ENV) else { return };
    let spec = spec.to_string_lossy().into_owned();
    let p: Vec<&str> = spec.split('|').collect();
    match p[0] {
        "race" => {
            let lanes: Vec<&str> = p[6].split(',').collect();
            racer(
                Path::new(p[1]),
                Path::new(p[2]),
                p[3],
                p[4].parse().unwrap(),
                p[5].parse().unwrap(),
                &lanes,
                Duration::from_millis(p[7].parse().unwrap()),
            );
        }
        "once" => {
            let cfg = inline_config(Some((p[2], p[3])));
            let t0 = Instant::now();
            let r = call(&cfg, "lane_lease.acquire", r#"{"lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": "c"}"#);
            match r {
                Ok(v) => println!("RESULT OK {:?} in {:?}", v.get("journaled"), t0.elapsed()),
                Err((code, m)) => println!("RESULT {code} in {:?}: {m}", t0.elapsed()),
            }
        }
        "pretool" => {
            // A fresh process, as the hook is: what one pretool call sends.
            let (out, _) = pretool_on(Path::new(p[1]), p[2]);
            println!("TRIPS {} EXIT {} OUT {}", dos_io::boundary::pg::round_trips(), out.exit, out.stdout.len());
        }
        other => panic!("unknown child mode {other}"),
    }
}

struct Kid(std::process::Child);

impl Drop for Kid {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[allow(clippy::too_many_arguments)] // one child process per racer, each argument an env var
fn spawn_racer(dir: &Path, ws: &Path, owner: &str, host: &str, stop_at: u64, seed: u64, lanes: &str, hold_ms: u64) -> Kid {
    Kid(Command::new(std::env::current_exe().unwrap())
        .args(["child_entry", "--exact", "--test-threads=1", "--quiet"])
        .env(CHILD_ENV, format!("race|{}|{}|{owner}|{stop_at}|{seed}|{lanes}|{hold_ms}", dir.display(), ws.display()))
        .env("DISPATCH_HOST_ID", host)
        .env_remove("DOS_LEASE_STORE_URL")
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn a child"))
}

fn wait_all(kids: Vec<Kid>, limit: Duration) {
    let deadline = Instant::now() + limit;
    for mut k in kids {
        loop {
            if let Some(st) = k.0.try_wait().unwrap() {
                assert!(st.success(), "a child failed: {st}");
                break;
            }
            assert!(Instant::now() < deadline, "a child did not finish");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Replay the store's records: seq strictly increasing, no lane granted
/// while held, and every ACQUIRE one the arbiter admits over the live set
/// the records before it leave (the history is serializable: no grant was
/// decided over a stale live set). Returns the counts per (op, lane, loop_ts).
fn check_history(rows: &[Dict]) -> BTreeMap<(String, String, String), usize> {
    use dos_core::deciders::admission::Lease;
    use dos_core::deciders::arbiter::{arbitrate, ArbitrateRequest, NoHooks};
    let cfg = dos_io::boundary::load_workspace_config(Some(&example_workspace().display().to_string()), dos_core::config::Preset::Generic)
        .unwrap()
        .config;
    let mut fold = dos_core::journal::Fold::new();
    let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut last_seq = 0i64;
    for r in rows {
        let op = s(r, "op");
        if let Some(q) = r.get("seq").and_then(Value::as_i64) {
            assert!(q > last_seq, "seq {q} after {last_seq}");
            last_seq = q;
        }
        let lane = s(r, "lane").to_string();
        let ts = s(r, "loop_ts").to_string();
        if op == "ACQUIRE" {
            let live: Vec<Dict> = fold.leases().into_iter().cloned().collect();
            assert!(!live.iter().any(|l| s(l, "lane") == lane), "{lane} granted to {ts} while held: {live:?}");
            let leases: Vec<Lease> = live.iter().map(|l| Lease::from_dict(l).unwrap()).collect();
            let lease = r.get("lease").and_then(Value::as_dict).unwrap();
            let tree: Vec<String> =
                lease.get("tree").and_then(Value::as_list).unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect();
            let req = ArbitrateRequest {
                requested_lane: &lane,
                requested_kind: s(lease, "lane_kind"),
                requested_tree: &tree,
                live_leases: &leases,
                auto_pick_order: None,
                named_lanes: None,
                derived_lanes: None,
                force: false,
                predicates: None,
                class_budgets: None,
                live_siblings: None,
            };
            let d = arbitrate(&req, &cfg, &mut NoHooks).unwrap();
            assert!(
                d.acquire && d.lane == lane.as_str(),
                "{lane} ({ts}) was granted over a live set the arbiter refuses it on: {live:?} ({})",
                d.reason
            );
        }
        fold.apply_owned(r.clone());
        *seen.entry((op.to_string(), lane, ts)).or_default() += 1;
    }
    seen
}

/// Every acknowledged acquire and release of the children's logs is in the
/// store exactly once (acquires with the seq they were told).
fn check_acknowledged(dir: &Path, owners: &[String], rows: &[Dict], seen: &BTreeMap<(String, String, String), usize>) -> (usize, usize) {
    let by_seq: BTreeMap<i64, &Dict> = rows.iter().filter_map(|r| Some((r.get("seq")?.as_i64()?, r))).collect();
    let (mut grants, mut errors) = (0, 0);
    for o in owners {
        let log = fs::read_to_string(dir.join(format!("{o}.log"))).unwrap_or_default();
        for line in log.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            match f[0] {
                "A" => {
                    grants += 1;
                    let seq: i64 = f[1].parse().unwrap();
                    let r = by_seq.get(&seq).unwrap_or_else(|| panic!("acknowledged seq {seq} is missing"));
                    assert_eq!((s(r, "op"), s(r, "lane"), s(r, "loop_ts")), ("ACQUIRE", f[2], f[3]));
                    assert_eq!(seen.get(&("ACQUIRE".into(), f[2].into(), f[3].into())), Some(&1), "{line}");
                }
                "R" => assert_eq!(seen.get(&("RELEASE".into(), f[1].into(), f[2].into())), Some(&1), "{line}"),
                // A retried release whose first try landed unanswered.
                "F" => assert_eq!(seen.get(&("RELEASE".into(), f[1].into(), f[2].into())), Some(&1), "{line}"),
                "X" => panic!("a release found no lease: {line}"),
                "E" => errors += 1,
                _ => {}
            }
        }
    }
    (grants, errors)
}

fn race_seconds() -> u64 {
    std::env::var("DOS_TEST_PG_RACE_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(20)
}

#[test]
fn eight_machines_race_without_colliding_grants_and_lose_no_acknowledged_record() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key("race");
    let dir = scratch("race");
    let owners: Vec<String> = (0..8).map(|k| format!("agent-{k}")).collect();
    let start = now_ms() + 500;
    let stop_at = start + race_seconds() * 1000;
    let kids: Vec<Kid> = owners
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let ws = dir.join(format!("machine-{k}"));
            clone_workspace(&ws, &url, &key);
            spawn_racer(&dir, &ws, o, &format!("machine-{k}"), stop_at, 7 + k as u64, "api,web,docs,release", 2)
        })
        .collect();
    wait_all(kids, Duration::from_secs(race_seconds() + 90));
    let rows = store(&url, &key).read_all().unwrap();
    let seen = check_history(&rows);
    let (grants, errors) = check_acknowledged(&dir, &owners, &rows, &seen);
    eprintln!("8 machines, {}s: {grants} grants, {errors} errors, {} records", race_seconds(), rows.len());
    assert!(grants >= 50, "too few grants to judge ({grants})");
    assert!(store(&url, &key).live().unwrap().is_empty(), "leases left live");
    // Each machine stamped its own host id.
    let hosts: BTreeSet<String> = rows
        .iter()
        .filter(|r| s(r, "op") == "ACQUIRE")
        .map(|r| s(r.get("lease").and_then(Value::as_dict).unwrap(), "host_id").to_string())
        .collect();
    assert_eq!(hosts.len(), 8, "{hosts:?}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn four_processes_share_grants_fairly_on_postgres() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key("fair");
    let dir = scratch("fair");
    let owners: Vec<String> = (0..4).map(|k| format!("agent-{k}")).collect();
    let start = now_ms() + 500;
    let stop_at = start + 3000;
    let kids: Vec<Kid> = owners
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let ws = dir.join(format!("machine-{k}"));
            clone_workspace(&ws, &url, &key);
            spawn_racer(&dir, &ws, o, &format!("m{k}"), stop_at, 11 + k as u64, "api", 2)
        })
        .collect();
    wait_all(kids, Duration::from_secs(60));
    let rows = store(&url, &key).read_all().unwrap();
    let seen = check_history(&rows);
    check_acknowledged(&dir, &owners, &rows, &seen);
    let grants: Vec<usize> = owners
        .iter()
        .map(|o| fs::read_to_string(dir.join(format!("{o}.log"))).unwrap().lines().filter(|l| l.starts_with("A ")).count())
        .collect();
    let busy: usize = owners
        .iter()
        .map(|o| fs::read_to_string(dir.join(format!("{o}.log"))).unwrap().lines().filter(|l| l.starts_with("E ")).count())
        .sum();
    let total: usize = grants.iter().sum();
    eprintln!("grants per process {grants:?}, errors {busy}");
    assert!(total >= 16, "too few grants to judge: {grants:?}");
    for g in &grants {
        assert!(*g as f64 >= 0.15 * total as f64, "a process got under 15% of the grants: {grants:?}");
    }
    assert_eq!(busy, 0, "an acquire or release failed under contention");
    let _ = fs::remove_dir_all(&dir);
}

fn pg_ctl(cmd: &str) {
    let script = std::env::var("DOS_TEST_PG_CTL").expect("DOS_TEST_PG_CTL names tests/pg/pg.sh");
    let st = Command::new("bash").arg(script).arg(cmd).status().unwrap();
    assert!(st.success(), "pg.sh {cmd} failed");
}

#[test]
fn a_client_killed_mid_transaction_leaves_no_partial_record() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key("kill");
    let dir = scratch("kill");
    let ws = dir.join("ws");
    clone_workspace(&ws, &url, &key);
    for round in 0..6u64 {
        let kid = spawn_racer(&dir, &ws, &format!("victim{round}"), "m", now_ms() + 60_000, round + 3, "api,web,docs", 0);
        // Let it loop, then SIGKILL it wherever it is (most of its time is
        // spent inside a transaction).
        thread::sleep(Duration::from_millis(400 + 97 * round));
        drop(kid);
    }
    // The server rolled every cut transaction back: each row is a whole
    // record, the folded live set equals a replay of the rows, and the
    // workspace lock is free again at once.
    let p = store(&url, &key);
    let text = p.lines().unwrap();
    for line in text.lines() {
        assert!(matches!(pyjson::parse_str(line), Ok(Value::Dict(_))), "a partial record: {line}");
    }
    let rows = p.read_all().unwrap();
    assert!(rows.len() > 10, "the victims wrote too little ({})", rows.len());
    check_history(&rows);
    let replayed: Vec<Value> = dos_core::journal::replay(&rows).into_iter().map(Value::Dict).collect();
    let folded: Vec<Value> = p.live().unwrap().into_iter().map(Value::Dict).collect();
    assert_eq!(replayed, folded);
    let cfg = inline_config(Some((&url, &key)));
    let t0 = Instant::now();
    call(&cfg, "lane_lease.compact_journal", "{}").expect("the lock is free");
    assert!(t0.elapsed() < Duration::from_secs(2));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn an_immediate_restart_mid_loop_gives_errors_never_a_false_grant_and_loses_nothing_acknowledged() {
    let Some(url) = pg_url() else { return };
    if std::env::var("DOS_TEST_PG_CTL").is_err() {
        eprintln!("skipped: DOS_TEST_PG_CTL is not set");
        return;
    }
    let key = fresh_key("restart");
    let dir = scratch("restart");
    let owners: Vec<String> = (0..4).map(|k| format!("agent-{k}")).collect();
    // The children run until told to stop: 2 s after the server is back.
    let stop_at = now_ms() + 120_000;
    let kids: Vec<Kid> = owners
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let ws = dir.join(format!("machine-{k}"));
            clone_workspace(&ws, &url, &key);
            spawn_racer(&dir, &ws, o, &format!("m{k}"), stop_at, 21 + k as u64, "api,web,docs,release", 1)
        })
        .collect();
    thread::sleep(Duration::from_millis(2500));
    pg_ctl("restart-immediate");
    thread::sleep(Duration::from_millis(2500));
    fs::write(dir.join("stop"), "").unwrap();
    wait_all(kids, Duration::from_secs(90));
    let rows = store(&url, &key).read_all().unwrap();
    let seen = check_history(&rows);
    let (grants, errors) = check_acknowledged(&dir, &owners, &rows, &seen);
    eprintln!("restart: {grants} grants, {errors} errors");
    assert!(errors > 0, "the restart went unnoticed");
    // Recovery: grants after the restart.
    let last_err_free = owners.iter().any(|o| {
        let log = fs::read_to_string(dir.join(format!("{o}.log"))).unwrap();
        let lines: Vec<&str> = log.lines().collect();
        let last_e = lines.iter().rposition(|l| l.starts_with("E "));
        last_e.is_some_and(|i| lines[i..].iter().any(|l| l.starts_with("A ")))
    });
    assert!(last_err_free, "no client recovered after the restart");
    // Every acknowledged release landed, so nothing is left live except
    // leases whose release never got an answer.
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_stopped_server_fails_every_verb_closed_within_its_timeout() {
    let Some(url) = pg_url() else { return };
    if std::env::var("DOS_TEST_PG_CTL").is_err() {
        eprintln!("skipped: DOS_TEST_PG_CTL is not set");
        return;
    }
    let key = fresh_key("stopped");
    let cfg = inline_config(Some((&url, &key)));
    // A pooled connection exists before the stop.
    call(&cfg, "lane_lease.live_leases", "{}").unwrap();
    pg_ctl("stop-keep");
    let result = std::panic::catch_unwind(|| {
        for (op, args) in [
            ("lane_lease.acquire", r#"{"lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": "x"}"#),
            ("lane_lease.release", r#"{"lane": "api", "owner": "x"}"#),
            ("lane_lease.heartbeat", r#"{"lane": "api", "owner": "x"}"#),
            ("lane_lease.adopt", r#"{"lane": "api", "new_owner": "y"}"#),
            ("lane_lease.scavenge", r#"{"lane": "api"}"#),
            ("lane_lease.compact_journal", r#"{}"#),
            ("lane_lease.live_leases", r#"{"expire_dead": true}"#),
        ] {
            let t0 = Instant::now();
            let r = call(&cfg, op, args);
            assert!(matches!(&r, Err((c, _)) if c == "IO_ERROR"), "{op}: {r:?}");
            assert!(t0.elapsed() < Duration::from_secs(10), "{op} took {:?}", t0.elapsed());
        }
    });
    pg_ctl("start");
    result.unwrap();
    // And it recovers.
    let v = call(&cfg, "lane_lease.acquire", r#"{"lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": "x"}"#).unwrap();
    assert_eq!(v.get("journaled").and_then(Value::as_bool), Some(true));
}

// ------------------------------------------------------------------ migration

#[test]
fn migration_needs_a_store_and_a_bad_url_is_a_config_error() {
    // No server needed.
    let r = call(&inline_config(None), "lane_lease.import_journal", r#"{"journal": "/nonexistent/lane-journal.jsonl"}"#);
    assert!(matches!(&r, Err((c, _)) if c == "BAD_CONFIG"), "{r:?}");
    let r = call(&inline_config(None), "lane_lease.export_journal", r#"{"journal": "/tmp/x.jsonl"}"#);
    assert!(matches!(&r, Err((c, _)) if c == "BAD_CONFIG"), "{r:?}");
    let bad = r#"{"lease_store": {"url": "mysql://u:pw@h/db"}}"#;
    let r = call(bad, "lane_lease.live_leases", "{}");
    assert!(matches!(&r, Err((c, m)) if c == "BAD_CONFIG" && !m.contains(":pw@")), "{r:?}");
    let bad = r#"{"lease_store": {"url": "postgresql://h/db", "pool_size": 4}}"#;
    let r = call(bad, "lane_lease.live_leases", "{}");
    assert!(matches!(&r, Err((c, _)) if c == "BAD_CONFIG"), "{r:?}");
}

#[test]
fn a_file_journal_migrates_into_postgres_and_back() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key("migrate");
    let dir = scratch("migrate");
    let src = dir.join("lane-journal.jsonl");
    let file_cfg = inline_config(None);
    let j = |extra: &str| format!(r#"{{"journal": {}, {extra}}}"#, json_str(&src.display().to_string()));
    for (lane, tree, owner) in [("api", "src/api/**", "a"), ("web", "src/web/**", "b"), ("docs", "docs/", "c")] {
        call(
            &file_cfg,
            "lane_lease.acquire",
            &j(&format!(r#""lane": "{lane}", "kind": "cluster", "tree": ["{tree}"], "owner": "{owner}", "loop_ts": "{owner}1""#)),
        )
        .unwrap();
    }
    call(&file_cfg, "lane_lease.release", &j(r#""lane": "web", "owner": "b", "loop_ts": "b1""#)).unwrap();
    // A corrupt line in the middle survives the trip as a corrupt line.
    let mut text = fs::read_to_string(&src).unwrap();
    text.push_str("{\"op\": \"ACQ\n");
    fs::write(&src, &text).unwrap();
    call(&file_cfg, "lane_lease.heartbeat", &j(r#""lane": "api", "owner": "a", "loop_ts": "a1""#)).unwrap();
    let before = call(&file_cfg, "lane_lease.live_leases", &j(r#""expire_dead": false"#)).unwrap();
    let file_next =
        call(&file_cfg, "lane_journal.next_seq_of_file", &format!(r#"{{"journal": {}}}"#, json_str(&src.display().to_string())))
            .unwrap()
            .as_i64()
            .unwrap();
    let pg_cfg = inline_config(Some((&url, &key)));
    let imp = call(&pg_cfg, "lane_lease.import_journal", &j("\"replace\": false")).unwrap();
    assert_eq!(imp.get("live").and_then(Value::as_i64), Some(2));
    // A second import without replace is refused.
    assert!(call(&pg_cfg, "lane_lease.import_journal", &j("\"replace\": false")).is_err());
    assert_eq!(call(&pg_cfg, "lane_lease.live_leases", "{}").unwrap(), before);
    // New activity lands after the imported seqs.
    let v =
        call(&pg_cfg, "lane_lease.acquire", r#"{"lane": "web", "kind": "cluster", "tree": ["src/web/**"], "owner": "d", "loop_ts": "d1"}"#)
            .unwrap();
    let seq = v.get("record").and_then(|r| r.get("seq")).and_then(Value::as_i64).unwrap();
    assert_eq!(seq, file_next);
    let out = dir.join("export/lane-journal.jsonl");
    call(&pg_cfg, "lane_lease.export_journal", &format!(r#"{{"journal": {}}}"#, json_str(&out.display().to_string()))).unwrap();
    let exported = fs::read_to_string(&out).unwrap();
    assert!(exported.starts_with(&text), "the export does not start with the file's records");
    assert!(exported.contains("{\"op\": \"ACQ\n"));
    let after = call(&file_cfg, "lane_lease.live_leases", &format!(r#"{{"journal": {}}}"#, json_str(&out.display().to_string()))).unwrap();
    assert_eq!(after, call(&pg_cfg, "lane_lease.live_leases", "{}").unwrap());
    let _ = fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------ the hook

fn pretool(ws: &Path) -> (dos_io::hook::Outcome, Duration) {
    pretool_on(ws, "docs/notes.md")
}

fn pretool_on(ws: &Path, file: &str) -> (dos_io::hook::Outcome, Duration) {
    let ws = fs::canonicalize(ws).unwrap();
    let w = ws.display().to_string();
    let event = format!(
        r#"{{"hook_event_name": "PreToolUse", "tool_name": "Read", "session_id": "s1", "cwd": {}, "tool_input": {{"file_path": {}}}}}"#,
        json_str(&w),
        json_str(&format!("{w}/{file}"))
    );
    let t0 = Instant::now();
    let out = dos_io::hook::run(&["pretool".to_string()], &mut || event.clone().into_bytes());
    (out, t0.elapsed())
}

/// A scratch directory with two clones of the example workspace, one on the
/// store at `url` (workspace key `key`) and one on its journal file, each
/// with the same lease held by another session: (dir, store clone, file clone).
fn lease_held_in_both(tag: &str, url: &str, key: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = scratch(tag);
    let pg_ws = dir.join("pg");
    clone_workspace(&pg_ws, url, key);
    let file_ws = dir.join("file");
    copy_dir(&example_workspace(), &file_ws);
    let args = r#"{"lane": "docs", "kind": "cluster", "tree": ["docs/"], "owner": "other", "loop_ts": "L1"}"#;
    for ws in [&pg_ws, &file_ws] {
        let cfg = format!(r#"{{"workspace": {}}}"#, json_str(&ws.display().to_string()));
        let v = call(&cfg, "lane_lease.acquire", args).unwrap();
        assert_eq!(v.get("journaled").and_then(Value::as_bool), Some(true));
    }
    (dir, pg_ws, file_ws)
}

#[test]
fn the_hook_reads_and_enforces_through_postgres_and_falls_back_as_for_an_unreadable_journal() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key("hook");
    let (dir, pg_ws, file_ws) = lease_held_in_both("hook", &url, &key);
    let (on_pg, _) = pretool(&pg_ws);
    let (on_file, _) = pretool(&file_ws);
    assert_eq!(on_pg.exit, 0);
    assert!(!on_pg.stdout.is_empty(), "the live lease in PostgreSQL was not seen");
    assert_eq!(String::from_utf8_lossy(&on_pg.stdout), String::from_utf8_lossy(&on_file.stdout));
    // The ENFORCE record went to the database, not to a file.
    let rows = store(&url, &key).read_all().unwrap();
    assert!(rows.iter().any(|r| s(r, "op") == "ENFORCE" && s(r, "holder") == "s1"), "{rows:?}");
    assert!(!pg_ws.join(".dos/lane-journal.jsonl").exists());

    // An unreachable store: exit 0 and the same answer as a journal file
    // that cannot be read (a directory in its place), in bounded time.
    let down_ws = dir.join("down");
    clone_workspace(&down_ws, "postgresql://dos:pw@%2Ftmp%2Fdos-no-such-server-dir:5999/dos", &key);
    let unreadable_ws = dir.join("unreadable");
    copy_dir(&example_workspace(), &unreadable_ws);
    fs::create_dir_all(unreadable_ws.join(".dos/lane-journal.jsonl")).unwrap();
    let (down, took) = pretool(&down_ws);
    let (unreadable, _) = pretool(&unreadable_ws);
    assert_eq!((down.exit, unreadable.exit), (0, 0));
    assert_eq!(down.stdout, unreadable.stdout);
    assert!(took < Duration::from_secs(3), "{took:?}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_random_sequence_decides_the_same_on_both_backends() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key("seq");
    let dir = scratch("seq");
    let file_cfg = inline_config(None);
    let pg_cfg = inline_config(Some((&url, &key)));
    let journal = dir.join("lane-journal.jsonl");
    let jpath = json_str(&journal.display().to_string());
    let lanes = [
        ("api", "cluster", "src/api/**"),
        ("web", "cluster", "src/web/**"),
        ("docs", "cluster", "docs/"),
        ("release", "exclusive", "deploy/**"),
    ];
    let owners = ["o1", "o2", "o3"];
    let mut rng = 0x9e3779b97f4a7c15u64;
    let mut next = move |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    for step in 0..150 {
        let (lane, kind, tree) = lanes[next(lanes.len())];
        let owner = owners[next(owners.len())];
        let ts = format!("t{}", next(6));
        let (op, args) = match next(6) {
            0 | 1 => (
                "lane_lease.acquire",
                format!(r#""lane": "{lane}", "kind": "{kind}", "tree": ["{tree}"], "owner": "{owner}", "loop_ts": "{ts}""#),
            ),
            2 => ("lane_lease.release", format!(r#""lane": "{lane}", "owner": "{owner}", "loop_ts": "{ts}""#)),
            3 => ("lane_lease.heartbeat", format!(r#""lane": "{lane}", "owner": "{owner}""#)),
            4 => ("lane_lease.adopt", format!(r#""lane": "{lane}", "new_owner": "{owner}""#)),
            _ => ("lane_lease.scavenge", format!(r#""lane": "{lane}", "reason": "gone""#)),
        };
        let f = call(&file_cfg, op, &format!(r#"{{"journal": {jpath}, {args}}}"#)).unwrap();
        let p = call(&pg_cfg, op, &format!("{{{args}}}")).unwrap();
        assert_eq!(normalized(&f), normalized(&p), "step {step}: {op} {args}");
        let lf = call(&file_cfg, "lane_lease.live_leases", &format!(r#"{{"journal": {jpath}}}"#)).unwrap();
        let lp = call(&pg_cfg, "lane_lease.live_leases", "{}").unwrap();
        assert_eq!(normalized(&lf), normalized(&lp), "step {step}: the live sets differ");
    }
    // The same records, field for field but the clock's.
    let rows = store(&url, &key).read_all().unwrap();
    let file_rows = dos_io::boundary::journal::read_all(&journal);
    assert_eq!(rows.len(), file_rows.len());
    let seqs = |v: &[Dict]| v.iter().map(|r| r.get("seq").and_then(Value::as_i64)).collect::<Vec<_>>();
    assert_eq!(seqs(&rows), seqs(&file_rows));
    for (a, b) in rows.iter().zip(&file_rows) {
        assert_eq!(normalized(&Value::Dict(a.clone())), normalized(&Value::Dict(b.clone())));
    }
    let _ = fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------ TLS

/// The server's TCP URL and the directory of its test CA (`tests/pg/pg.sh
/// tcp-url` / `tls-dir`, set by `make test-pg`).
fn tls_target() -> Option<(String, PathBuf)> {
    match (std::env::var("DOS_TEST_PG_TCP_URL"), std::env::var("DOS_TEST_PG_TLS_DIR")) {
        (Ok(u), Ok(d)) if !u.is_empty() && !d.is_empty() => Some((u, PathBuf::from(d))),
        _ => {
            eprintln!("skipped: DOS_TEST_PG_TCP_URL / DOS_TEST_PG_TLS_DIR are not set (make test-pg sets them)");
            None
        }
    }
}

/// `base` (which has a query already) with more parameters.
fn with_params(base: &str, params: &str) -> String {
    format!("{base}&{params}")
}

#[test]
fn tls_is_used_as_the_url_asks_and_the_server_sees_an_encrypted_session() {
    let Some((tcp, dir)) = tls_target() else { return };
    let ca = dir.join("ca.crt");
    let ca = ca.to_str().unwrap();
    let localhost = tcp.replace("127.0.0.1", "localhost");
    // (url, encrypted as the server sees it)
    let cases = [
        (with_params(&tcp, "sslmode=disable"), false),
        (tcp.clone(), true), // prefer, libpq's default: TLS when offered
        (with_params(&tcp, "sslmode=prefer"), true),
        (with_params(&tcp, "sslmode=require"), true),
        // The server's certificate names localhost only: verify-ca checks the chain, not the name.
        (with_params(&tcp, &format!("sslmode=verify-ca&sslrootcert={ca}")), true),
        (with_params(&localhost, &format!("sslmode=verify-full&sslrootcert={ca}")), true),
        (with_params(&tcp, &format!("sslmode=require&sslrootcert={ca}")), true),
    ];
    for (url, encrypted) in cases {
        let (ssl, version) = store(&url, "tls").session_tls().unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(ssl, encrypted, "{url}");
        if encrypted {
            assert!(version.as_deref().unwrap_or("").starts_with("TLS"), "{url}: {version:?}");
        }
        // Every verb goes the same way: an acquire and a release over that session.
        let key = fresh_key("tls");
        let cfg = inline_config(Some((&url, &key)));
        let got =
            call(&cfg, "lane_lease.acquire", r#"{"lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": "t", "loop_ts": "L"}"#)
                .unwrap_or_else(|e| panic!("{url}: {e:?}"));
        assert_eq!(got.get("journaled").and_then(Value::as_bool), Some(true), "{url}: {got:?}");
        let live = call(&cfg, "lane_lease.live_leases", "{}").unwrap();
        assert_eq!(live.as_list().map(<[Value]>::len), Some(1), "{url}: {live:?}");
        assert_eq!(call(&cfg, "lane_lease.release", r#"{"lane": "api", "owner": "t", "loop_ts": "L"}"#).unwrap(), Value::Bool(true));
    }
}

#[test]
fn a_certificate_that_does_not_verify_is_refused_without_the_password() {
    let Some((tcp, dir)) = tls_target() else { return };
    let secret = "tls-sekrit-pw";
    let tcp = tcp.replacen("dos@", &format!("dos:{secret}@"), 1);
    let localhost = tcp.replace("127.0.0.1", "localhost");
    let (ca, wrong) = (dir.join("ca.crt"), dir.join("wrong-ca.crt"));
    let (ca, wrong) = (ca.to_str().unwrap(), wrong.to_str().unwrap());
    let Some(sock) = pg_url() else { return };
    for (url, why) in [
        // A CA that signed nothing of the server's.
        (with_params(&localhost, &format!("sslmode=verify-full&sslrootcert={wrong}")), "certificate"),
        (with_params(&tcp, &format!("sslmode=verify-ca&sslrootcert={wrong}")), "certificate"),
        // The right CA, but the certificate does not name 127.0.0.1.
        (with_params(&tcp, &format!("sslmode=verify-full&sslrootcert={ca}")), "certificate"),
        // sslrootcert makes require verify the chain (libpq's rule).
        (with_params(&tcp, &format!("sslmode=require&sslrootcert={wrong}")), "certificate"),
        // Verifying needs a CA file.
        (with_params(&tcp, "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"), "/nonexistent/ca.pem"),
        // The server offers no TLS on its Unix socket.
        (with_params(&sock.replacen("dos@", &format!("dos:{secret}@"), 1), "sslmode=require"), "TLS"),
    ] {
        let cfg = inline_config(Some((&url, "tls-refused")));
        for (op, args) in [
            ("lane_lease.acquire", r#"{"lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": "x"}"#),
            ("lane_lease.live_leases", r#"{"expire_dead": true}"#),
        ] {
            match call(&cfg, op, args) {
                Err((code, msg)) => {
                    assert_eq!(code, "IO_ERROR", "{url} {op}: {msg}");
                    assert!(msg.contains(why), "{url} {op}: {msg}");
                    assert!(!msg.contains(secret), "{url} {op}: the password leaked: {msg}");
                }
                Ok(v) => panic!("{url} {op}: connected over an unverified session: {v:?}"),
            }
        }
    }
}

// ------------------------------------------------------------------ one round trip per verb

fn acquire_api(cfg: &str, owner: &str) -> Value {
    let args =
        format!(r#"{{"lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": {}, "loop_ts": "L-{owner}"}}"#, json_str(owner));
    call(cfg, "lane_lease.acquire", &args).unwrap_or_else(|e| panic!("acquire {owner}: {e:?}"))
}

fn outcome(v: &Value) -> String {
    v.get("decision").and_then(|d| d.get("outcome")).and_then(Value::as_str).unwrap_or("?").to_string()
}

#[test]
fn a_verb_on_a_current_view_is_one_round_trip() {
    let Some(url) = pg_url() else { return };
    let cfg = inline_config(Some((&url, &fresh_key("onetrip"))));
    // The first verb reads the workspace (no view yet) and then commits.
    assert_eq!(outcome(&acquire_api(&cfg, "w")), "acquire");
    assert_eq!(call(&cfg, "lane_lease.release", r#"{"lane": "api", "owner": "w", "loop_ts": "L-w"}"#).unwrap(), Value::Bool(true));
    let before = dos_io::boundary::pg::round_trips();
    for i in 0..10 {
        let owner = format!("w{i}");
        assert_eq!(outcome(&acquire_api(&cfg, &owner)), "acquire");
        let args = format!(r#"{{"lane": "api", "owner": "{owner}", "loop_ts": "L-{owner}"}}"#);
        assert_eq!(call(&cfg, "lane_lease.release", &args).unwrap(), Value::Bool(true));
    }
    // A heartbeat that coalesces and a release that matches nothing write
    // nothing, and still check the view under the lock in their one trip.
    assert_eq!(call(&cfg, "lane_lease.release", r#"{"lane": "api", "owner": "nobody"}"#).unwrap(), Value::Bool(false));
    let trips = dos_io::boundary::pg::round_trips() - before;
    assert_eq!(trips, 21, "10 acquires, 10 releases and a release of nothing took {trips} round trips");
}

#[test]
fn a_stale_view_is_decided_again_under_the_lock_never_a_false_grant() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key("stale");
    let cfg = inline_config(Some((&url, &key)));
    // This process's view: api is free.
    let docs = r#"{"lane": "docs", "kind": "cluster", "tree": ["docs/"], "owner": "d", "loop_ts": "L-d"}"#;
    assert_eq!(call(&cfg, "lane_lease.acquire", docs).map(|v| outcome(&v)).unwrap(), "acquire");
    // Another machine takes api meanwhile.
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["child_entry", "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD_ENV, format!("once|-|{url}|{key}"))
        .env("DISPATCH_HOST_ID", "other-machine")
        .env_remove("DOS_LEASE_STORE_URL")
        .output()
        .expect("run a child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("RESULT OK Some(Bool(true))"), "{text}");
    // Decided on the stale view, api would be granted; the commit sees the
    // workspace changed, and the verb is decided again on what is live.
    let before = dos_io::boundary::pg::round_trips();
    let got = acquire_api(&cfg, "late");
    assert_eq!(outcome(&got), "refuse", "{got:?}");
    assert_eq!(dos_io::boundary::pg::round_trips() - before, 2);
    let live = call(&cfg, "lane_lease.live_leases", "{}").unwrap();
    let holders: BTreeSet<String> =
        live.as_list().unwrap().iter().map(|l| l.get("holder").and_then(Value::as_str).unwrap_or("").to_string()).collect();
    assert_eq!(holders, ["c", "d"].iter().map(|s| s.to_string()).collect());
    // A write by a client that does not know the function (schema 1)
    // changes the row's version all the same.
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    raw.execute("UPDATE dos_lane_state SET fold = fold WHERE workspace = $1", &[&key]).unwrap();
    let before = dos_io::boundary::pg::round_trips();
    let rel = r#"{"lane": "docs", "owner": "d", "loop_ts": "L-d"}"#;
    assert_eq!(call(&cfg, "lane_lease.release", rel).unwrap(), Value::Bool(true));
    assert_eq!(dos_io::boundary::pg::round_trips() - before, 2);
}

#[test]
fn the_schema_is_versioned_and_an_older_one_is_brought_up() {
    let Some(url) = pg_url() else { return };
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let key = fresh_key("schema");
    // Any verb has created the schema by now (or does so here).
    let cfg = inline_config(Some((&url, &key)));
    assert_eq!(outcome(&acquire_api(&cfg, "s")), "acquire");
    let versions: Vec<i32> =
        raw.query("SELECT version FROM dos_lease_schema ORDER BY version", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(versions, vec![1, 2]);
    let has_fn: bool = raw.query_one("SELECT to_regproc('dos_lease_commit') IS NOT NULL", &[]).unwrap().get(0);
    assert!(has_fn);
}

#[test]
fn a_pretool_call_sends_one_statement_to_read_and_three_to_enforce() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key("hooktrips");
    let dir = scratch("hooktrips");
    let ws = dir.join("ws");
    clone_workspace(&ws, &url, &key);
    let run = |file: &str| {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["child_entry", "--exact", "--test-threads=1", "--nocapture"])
            .env(CHILD_ENV, format!("pretool|{}|{file}", ws.display()))
            .env_remove("DOS_LEASE_STORE_URL")
            .output()
            .expect("run a child");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let at = text.find("TRIPS ").unwrap_or_else(|| panic!("{text}"));
        let line = text[at..].lines().next().unwrap_or("").to_string();
        let f: Vec<&str> = line.split(' ').collect();
        (f[1].parse::<u64>().unwrap(), f[3].to_string(), f[5].parse::<usize>().unwrap())
    };
    // No live lease: the schema check and the live set in one statement,
    // and nothing else.
    let (trips, exit, out) = run("docs/notes.md");
    assert_eq!((exit.as_str(), out), ("0", 0));
    assert_eq!(trips, 1, "a passthrough pretool took {trips} round trips");
    // Another session holds docs: the read, the ENFORCE record (one trip on
    // the view just read) and the help tally.
    let cfg = format!(r#"{{"workspace": {}}}"#, json_str(&ws.display().to_string()));
    let args = r#"{"lane": "docs", "kind": "cluster", "tree": ["docs/"], "owner": "other", "loop_ts": "L1"}"#;
    assert_eq!(call(&cfg, "lane_lease.acquire", args).unwrap().get("journaled").and_then(Value::as_bool), Some(true));
    let (trips, exit, out) = run("docs/notes.md");
    assert_eq!(exit, "0");
    assert!(out > 0);
    assert_eq!(trips, 3, "an enforcing pretool took {trips} round trips");
}

// ------------------------------------------------------------------ through a pooler

/// The PgBouncer in front of the test server (`tests/pg/pg.sh
/// pgbouncer-up`, session pooling, `options` ignored at startup), or None.
fn pgbouncer_url() -> Option<String> {
    match std::env::var("DOS_TEST_PGBOUNCER_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            eprintln!("skipped: DOS_TEST_PGBOUNCER_URL is not set (make test-pg starts PgBouncer and sets it)");
            None
        }
    }
}

/// `url` naming database `db` instead of `dos`.
fn on_database(url: &str, db: &str) -> String {
    url.replacen("/dos?", &format!("/{db}?"), 1)
}

#[test]
fn through_pgbouncer_the_verbs_and_the_hook_work_and_a_contended_lock_is_busy() {
    let (Some(url), Some(pooled)) = (pg_url(), pgbouncer_url()) else { return };
    let key = fresh_key("pooler");
    let (dir, ws, file_ws) = lease_held_in_both("pooler", &pooled, &key);
    // The hook sees the lease through the pooler and answers as over a file.
    let (through, _) = pretool(&ws);
    let (on_file, _) = pretool(&file_ws);
    assert_eq!(through.exit, 0);
    assert!(!through.stdout.is_empty(), "the live lease was not seen through the pooler");
    assert_eq!(String::from_utf8_lossy(&through.stdout), String::from_utf8_lossy(&on_file.stdout));
    // What went through the pooler is in the server, as a direct reader sees it.
    let rows = store(&url, &key).read_all().unwrap();
    assert!(rows.iter().any(|r| s(r, "op") == "ENFORCE" && s(r, "holder") == "s1"), "{rows:?}");
    assert!(rows.iter().any(|r| s(r, "op") == "ACQUIRE" && s(r, "lane") == "docs"), "{rows:?}");

    // The workspace lock held by a direct session: a verb through the
    // pooler is BUSY within its budget, never a grant.
    let mut holder = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    holder.batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({})", lock_key(&key))).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["child_entry", "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD_ENV, format!("once|{}|{pooled}|{key}", dir.display()))
        .env("DOS_LEASE_STORE_LOCK_TIMEOUT_MS", "300")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("RESULT BUSY"), "{text}");
    holder.batch_execute("ROLLBACK").unwrap();
    assert!(!store(&url, &key).read_all().unwrap().iter().any(|r| s(r, "lane") == "api"));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn literals_read_the_same_when_a_pooler_drops_the_session_settings() {
    // A database whose sessions start with standard_conforming_strings off
    // (what an old server may still have). Directly, libdos's startup
    // `options` turn it on; through PgBouncer (`options` ignored) the
    // session keeps it off, and every literal must still read the same.
    let (Some(url), Some(pooled)) = (pg_url(), pgbouncer_url()) else { return };
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let exists = !admin.query("SELECT 1 FROM pg_database WHERE datname = 'dos_sco_off'", &[]).unwrap().is_empty();
    if !exists {
        admin.batch_execute("CREATE DATABASE dos_sco_off").unwrap();
    }
    admin.batch_execute("ALTER DATABASE dos_sco_off SET standard_conforming_strings = off").unwrap();
    let (direct, pooled) = (on_database(&url, "dos_sco_off"), on_database(&pooled, "dos_sco_off"));
    let mut probe = postgres::Client::connect(&pooled, postgres::NoTls).unwrap();
    let sco: String = probe.query_one("SHOW standard_conforming_strings", &[]).unwrap().get(0);
    assert_eq!(sco, "off", "the pooler passed libdos's session settings on: this test proves nothing");

    let key = format!("{} it's a \\ key \\", fresh_key("sco"));
    let owner = "o\\\"'\\";
    let args = format!(r#"{{"lane": "api", "kind": "cluster", "tree": ["src/api/**"], "owner": {}, "loop_ts": "t\\1"}}"#, json_str(owner));
    let v = call(&inline_config(Some((&pooled, &key))), "lane_lease.acquire", &args).unwrap();
    assert_eq!(v.get("journaled").and_then(Value::as_bool), Some(true), "{v:?}");
    // Read back through the pooler and directly (settings on): one lease,
    // the same bytes, under the same workspace key.
    let live = |u: &str| call(&inline_config(Some((u, &key))), "lane_lease.live_leases", "{}").unwrap();
    let (a, b) = (live(&pooled), live(&direct));
    assert_eq!(a, b);
    let leases = match &a {
        Value::List(l) => l.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(leases.len(), 1, "{a:?}");
    let d = match &leases[0] {
        Value::Dict(d) => d,
        other => panic!("{other:?}"),
    };
    assert_eq!((s(d, "holder"), s(d, "loop_ts")), (owner, "t\\1"), "{d:?}");
    let mut db = postgres::Client::connect(&direct, postgres::NoTls).unwrap();
    let stored: i64 = db.query_one("SELECT count(*) FROM dos_lane_journal WHERE workspace = $1", &[&key]).unwrap().get(0);
    assert_eq!(stored, 1, "the workspace key was not stored as given");
}
