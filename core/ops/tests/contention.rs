//! Lane leases under contention: four OS processes (this test binary re-run
//! in child mode) loop acquire / hold 2 ms / release on lane `api` of a copy
//! of examples/workspace, through the envelope every host calls. Each must
//! get a fair share of the grants, no release may fail BUSY, and no two
//! leases may ever share a lane.
//!
//! And the lane-lease mutex when a process dies: a holder SIGKILLed while
//! holding it is taken over at once (not after the 300 s TTL) when it is
//! provably gone, and only then; a waiter killed (or stopped) in the queue
//! does not hold up the ones behind it.

use dos_core::pyjson::{self, Value};
use dos_io::boundary::filelock::{self, LockError, MutexOptions};
use dos_io::boundary::{host, journal};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CHILD_ENV: &str = "DOS_CONTENTION_CHILD";
/// Child mode for the lock tests: `hold|<lock>|<owner>|<marker>` takes the
/// lane-lease mutex and sleeps holding it; `slow|…` holds it for 1.5 s and
/// lets it go; `wait|…` waits in line for it (with a long budget) and sleeps
/// once it has it.
const LOCK_CHILD_ENV: &str = "DOS_LOCK_CHILD";
const PROCS: usize = 4;
const RUN_MS: u64 = 3000;
const HOLD: Duration = Duration::from_millis(2);

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
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

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One envelope call on the workspace: `Ok(verdict)` or `Err(error code)`.
fn call(root: &Path, op: &str, args: &str) -> Result<Value, String> {
    let req = format!(r#"{{"abi":1,"op":"{op}","config":{{"workspace":{}}},"args":{args}}}"#, json_str(&root.display().to_string()));
    let (_, out) = dos_ops::call(req.as_bytes());
    let resp = pyjson::parse(&out).expect("the envelope answers JSON");
    if resp.get("ok").and_then(Value::as_bool) == Some(true) {
        Ok(resp.get("verdict").cloned().unwrap_or(Value::Null))
    } else {
        let code = resp.get("error").and_then(|e| e.get("code")).and_then(Value::as_str).unwrap_or("?");
        Err(code.to_string())
    }
}

#[derive(Default, Debug)]
struct Counts {
    grants: u64,
    refused: u64,
    acquire_busy: u64,
    release_busy: u64,
    release_false: u64,
    /// The slowest call, in ms, and when it started (ms after the start).
    slowest_ms: u64,
    slowest_at: u64,
}

/// The worker loop of one process, until `stop_at` (Unix ms).
fn worker(root: &Path, owner: &str, stop_at: u64, start_at: u64) -> Counts {
    let mut c = Counts::default();
    let timed = |c: &mut Counts, op: &str, args: &str| {
        let t0 = now_ms();
        let r = call(root, op, args);
        let took = now_ms() - t0;
        if took > c.slowest_ms {
            c.slowest_ms = took;
            c.slowest_at = t0.saturating_sub(start_at);
        }
        r
    };
    let mut i = 0u64;
    while now_ms() < stop_at {
        i += 1;
        let ts = format!("{owner}-{i}");
        let args =
            format!(r#"{{"lane":"api","kind":"cluster","tree":["src/api/**"],"owner":{},"loop_ts":{}}}"#, json_str(owner), json_str(&ts));
        let v = match timed(&mut c, "lane_lease.acquire", &args) {
            Ok(v) => v,
            Err(code) if code == "BUSY" => {
                c.acquire_busy += 1;
                continue;
            }
            Err(code) => panic!("acquire failed: {code}"),
        };
        if v.get("journaled").and_then(Value::as_bool) != Some(true) {
            c.refused += 1;
            continue;
        }
        c.grants += 1;
        // `api` busy: the arbiter may auto-pick another free cluster lane.
        let lane = v.get("decision").and_then(|d| d.get("lane")).and_then(Value::as_str).unwrap_or("api").to_string();
        thread::sleep(HOLD);
        let args = format!(r#"{{"lane":{},"owner":{},"loop_ts":{}}}"#, json_str(&lane), json_str(owner), json_str(&ts));
        loop {
            match timed(&mut c, "lane_lease.release", &args) {
                Ok(v) => {
                    if v.as_bool() != Some(true) {
                        c.release_false += 1;
                    }
                    break;
                }
                Err(code) if code == "BUSY" => c.release_busy += 1,
                Err(code) => panic!("release failed: {code}"),
            }
        }
    }
    c
}

/// Child mode: run when this binary is started with `CHILD_ENV` set (a
/// no-op in a normal test run). Writes its counts to `<dir>/<owner>.txt`.
#[test]
fn child_process_entry() {
    let Some(spec) = std::env::var_os(CHILD_ENV) else { return };
    let spec = spec.to_string_lossy().into_owned();
    let mut parts = spec.splitn(4, '|');
    let (dir, owner, start_at, stop_at) = (
        PathBuf::from(parts.next().unwrap()),
        parts.next().unwrap().to_string(),
        parts.next().unwrap().parse::<u64>().unwrap(),
        parts.next().unwrap().parse::<u64>().unwrap(),
    );
    while now_ms() < start_at {
        thread::sleep(Duration::from_millis(1));
    }
    let c = worker(&dir.join("ws"), &owner, stop_at, start_at);
    let text =
        format!("{} {} {} {} {} {} {}\n", c.grants, c.refused, c.acquire_busy, c.release_busy, c.release_false, c.slowest_ms, c.slowest_at);
    let out = dir.join(format!("{owner}.txt"));
    fs::write(out.with_extension("tmp"), text).unwrap();
    fs::rename(out.with_extension("tmp"), out).unwrap();
}

#[test]
fn four_processes_share_lane_grants_fairly_and_never_lose_a_release() {
    let dir = std::env::temp_dir().join(format!("dos-contention-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let ws = dir.join("ws");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/workspace"), &ws);
    let exe = std::env::current_exe().unwrap();
    // Start together once every child is running.
    let start_at = now_ms() + 700;
    let stop_at = start_at + RUN_MS;
    let owners: Vec<String> = (0..PROCS).map(|k| format!("agent-{k}")).collect();
    let children: Vec<_> = owners
        .iter()
        .map(|owner| {
            Command::new(&exe)
                .args(["child_process_entry", "--exact", "--test-threads=1", "--quiet"])
                .env(CHILD_ENV, format!("{}|{owner}|{start_at}|{stop_at}", dir.display()))
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawn a child")
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    for mut ch in children {
        loop {
            if let Some(st) = ch.try_wait().unwrap() {
                assert!(st.success(), "a child failed: {st}");
                break;
            }
            if Instant::now() > deadline {
                let _ = ch.kill();
                panic!("a child did not finish");
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
    let counts: Vec<Vec<u64>> = owners
        .iter()
        .map(|o| fs::read_to_string(dir.join(format!("{o}.txt"))).unwrap().split_whitespace().map(|n| n.parse().unwrap()).collect())
        .collect();
    let grants: Vec<u64> = counts.iter().map(|c| c[0]).collect();
    let total: u64 = grants.iter().sum();
    let report = format!(
        "grants per process {grants:?}, counts (grants refused acquire_busy release_busy release_false slowest_ms slowest_at) {counts:?}"
    );
    eprintln!("{report}");
    assert!(total >= PROCS as u64 * 4, "too few grants to judge: {report}");
    for g in &grants {
        assert!(*g as f64 >= 0.15 * total as f64, "a process got under 15% of the grants: {report}");
    }
    assert!(counts.iter().all(|c| c[3] == 0), "a release failed BUSY: {report}");
    assert!(counts.iter().all(|c| c[4] == 0), "a release found no lease: {report}");

    // The journal: as many ACQUIREs as grants, and no lane ever held twice.
    let entries = journal::read_all(&ws.join(".dos/lane-journal.jsonl"));
    let mut live: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut acquires = 0u64;
    for e in &entries {
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        match s("op").as_str() {
            "ACQUIRE" => {
                acquires += 1;
                let held = live.entry(s("lane")).or_default();
                assert!(held.is_empty(), "{} granted {} while {held:?} held it", s("loop_ts"), s("lane"));
                held.push(s("loop_ts"));
            }
            "RELEASE" => {
                let ts = s("loop_ts");
                live.entry(s("lane")).or_default().retain(|t| *t != ts);
            }
            _ => {}
        }
    }
    assert_eq!(acquires, total, "{report}");
    assert!(live.values().all(Vec::is_empty), "leases left live: {live:?}");
    let _ = fs::remove_dir_all(&dir);
}

/// A child process that is killed (and reaped) when dropped, so a failing
/// test leaves none behind, stopped or not.
struct Kid(std::process::Child);

impl Kid {
    fn id(&self) -> u32 {
        self.0.id()
    }
    fn signal(&self, sig: libc::c_int) {
        // SAFETY: signalling our own child, not yet reaped.
        unsafe { libc::kill(self.0.id() as libc::pid_t, sig) };
    }
}

impl Drop for Kid {
    fn drop(&mut self) {
        self.signal(libc::SIGCONT);
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn lock_child(mode: &str, lock: &Path, owner: &str, marker: &Path) -> Kid {
    Kid(Command::new(std::env::current_exe().unwrap())
        .args(["lock_child_entry", "--exact", "--test-threads=1", "--quiet"])
        .env(LOCK_CHILD_ENV, format!("{mode}|{}|{owner}|{}", lock.display(), marker.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn a child"))
}

/// Child mode for the lock tests (a no-op in a normal test run).
#[test]
fn lock_child_entry() {
    let Some(spec) = std::env::var_os(LOCK_CHILD_ENV) else { return };
    let spec = spec.to_string_lossy().into_owned();
    let parts: Vec<&str> = spec.splitn(4, '|').collect();
    let (mode, lock, owner, marker) = (parts[0], Path::new(parts[1]), parts[2], Path::new(parts[3]));
    let opts = match mode {
        "hold" => MutexOptions::lane_lease(),
        _ => MutexOptions { retries: 6000, retry_interval: Duration::from_millis(10), ..MutexOptions::lane_lease() },
    };
    if mode == "wait" {
        fs::write(marker.with_extension("waiting"), "").unwrap();
    }
    let g = filelock::lock(lock, owner, &opts).expect("the child takes the mutex");
    fs::write(marker, "").unwrap();
    if mode == "slow" {
        thread::sleep(Duration::from_millis(1500));
        drop(g);
    }
    thread::sleep(Duration::from_secs(60));
}

fn wait_for(p: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !p.exists() {
        assert!(Instant::now() < deadline, "{} never appeared", p.display());
        thread::sleep(Duration::from_millis(2));
    }
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dos-lanelock-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

/// A short budget: these tests only ask whether the lock is taken, and a
/// held one answers BUSY after it.
fn brief() -> MutexOptions {
    MutexOptions { retries: 5, retry_interval: Duration::from_millis(20), ..MutexOptions::lane_lease() }
}

#[test]
fn a_lane_lease_holder_killed_while_holding_is_taken_over_at_once() {
    let d = scratch("killed");
    let ws = d.join("ws");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/workspace"), &ws);
    let lock = ws.join(".dos/.lane-lease.lock");
    let marker = d.join("held");
    let mut child = lock_child("hold", &lock, "victim", &marker);
    wait_for(&marker);
    let body = fs::read_to_string(&lock).unwrap();
    assert!(body.starts_with("owner: victim\nacquired_at: "), "{body}");
    assert!(body.contains(&format!("\npid: {}\n", child.id())), "{body}");
    // While the holder lives, its lock is honoured.
    assert!(matches!(filelock::lock(&lock, "other", &brief()), Err(LockError::Busy { .. })));
    child.0.kill().unwrap();
    // Not reaped yet: a zombie holds nothing. The next lease op goes
    // through (it used to answer BUSY until the 300 s TTL ran out).
    let args = r#"{"lane":"api","kind":"cluster","tree":["src/api/**"],"owner":"next","loop_ts":"n1"}"#;
    let v = call(&ws, "lane_lease.acquire", args).expect("the lease op takes over the dead holder's lock");
    assert_eq!(v.get("journaled").and_then(Value::as_bool), Some(true));
    child.0.wait().unwrap();
    // Reaped, with the lock left behind again: the same.
    fs::write(&lock, &body).unwrap();
    let rel = r#"{"lane":"api","owner":"next","loop_ts":"n1"}"#;
    assert_eq!(call(&ws, "lane_lease.release", rel).map(|v| v.as_bool()), Ok(Some(true)));
    assert!(!lock.exists());
    let _ = fs::remove_dir_all(&d);
}

/// A lock body as libdos writes it, naming `pid` with start time `start`,
/// in namespace `ns`.
fn our_body(owner: &str, pid: u32, start: u64, boot_id: &str, pid_ns: u64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    format!(
        "{}host: {}\nboot_id: {boot_id}\npid_ns: {pid_ns}\npid_start: {start}\n",
        filelock::lock_body(owner, now, pid),
        host::hostname()
    )
}

#[test]
fn only_a_provably_gone_holder_is_taken_over() {
    let d = scratch("proof");
    let lock = d.join(".lane-lease.lock");
    let ns = host::namespace().expect("this test needs /proc");
    // A live process, and one that has exited (and been reaped).
    let mut live = Command::new("sleep").arg("30").spawn().unwrap();
    let live_pid = live.id();
    let (_, live_start) = host::proc_stat(live_pid).unwrap();
    let mut gone = Command::new("true").spawn().unwrap();
    let gone_pid = gone.id();
    gone.wait().unwrap();

    let taken = |body: &str| -> bool {
        fs::write(&lock, body).unwrap();
        match filelock::lock(&lock, "me", &brief()) {
            Ok(g) => {
                drop(g);
                assert!(!lock.exists());
                true
            }
            Err(LockError::Busy { .. }) => {
                assert_eq!(fs::read_to_string(&lock).unwrap(), body, "an honoured lock is left as it was");
                false
            }
            Err(e) => panic!("{e}"),
        }
    };
    // Its holder runs: honoured.
    assert!(!taken(&our_body("h", live_pid, live_start, &ns.boot_id, ns.pid_ns)));
    // The pid runs, but started at another time than the holder recorded
    // (the pid was reused): taken over.
    assert!(taken(&our_body("h", live_pid, live_start.saturating_sub(100), &ns.boot_id, ns.pid_ns)));
    assert!(taken(&our_body("h", live_pid, live_start + 100, &ns.boot_id, ns.pid_ns)));
    // Its holder has exited: taken over.
    assert!(taken(&our_body("h", gone_pid, 1, &ns.boot_id, ns.pid_ns)));
    // The same, but written on another boot or in another pid namespace:
    // the pid cannot be judged here, so the TTL rules.
    assert!(!taken(&our_body("h", gone_pid, 1, "00000000-0000-0000-0000-000000000000", ns.pid_ns)));
    assert!(!taken(&our_body("h", gone_pid, 1, &ns.boot_id, ns.pid_ns + 1)));
    // A reference lock (no such lines) naming an exited pid: TTL too.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!(!taken(&filelock::lock_body("h", now, gone_pid)));
    // ... and after the TTL it is stolen as before.
    assert!(taken(&filelock::lock_body("h", now - 301_000, gone_pid)));
    live.kill().unwrap();
    live.wait().unwrap();
    let _ = fs::remove_dir_all(&d);
}

/// The `pid` of each waiter in the queue file, in order.
fn queued_pids(lock: &Path) -> Vec<u32> {
    fs::read_to_string(filelock::queue_path(lock))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect()
}

#[test]
fn a_waiter_killed_or_stopped_in_line_does_not_hold_up_the_rest() {
    let d = scratch("queue");
    let lock = d.join(".lane-lease.lock");
    for stop in [false, true] {
        let held = filelock::lock(&lock, "holder", &MutexOptions::lane_lease()).unwrap();
        let marker = d.join(format!("got-{stop}"));
        let mut child = lock_child("wait", &lock, "waiter", &marker);
        wait_for(&marker.with_extension("waiting"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while !queued_pids(&lock).contains(&child.id()) {
            assert!(Instant::now() < deadline, "the child never joined the line");
            thread::sleep(Duration::from_millis(2));
        }
        if stop {
            child.signal(libc::SIGSTOP);
            // Stopped for sure before the lock is let go.
            while host::proc_stat(child.id()).map(|(st, _)| st) != Some('T') {
                assert!(Instant::now() < deadline, "the child never stopped");
                thread::sleep(Duration::from_millis(1));
            }
        } else {
            child.0.kill().unwrap();
            child.0.wait().unwrap();
        }
        drop(held);
        // The dead waiter is first in line; a budget of half the time a
        // stalled waiter is given (1 s) still gets the lock: the dead one is
        // dropped because its process is gone. A stopped one is dropped
        // once it has not been seen to wait for that second.
        let opts = if stop {
            MutexOptions { retries: 300, retry_interval: Duration::from_millis(10), ..MutexOptions::lane_lease() }
        } else {
            MutexOptions { retries: 50, retry_interval: Duration::from_millis(10), ..MutexOptions::lane_lease() }
        };
        let g = filelock::lock(&lock, "next", &opts).unwrap_or_else(|e| {
            panic!("the lock does not pass the {} waiter: {e}; line {:?}", if stop { "stopped" } else { "dead" }, queued_pids(&lock))
        });
        assert!(!marker.exists(), "the stopped waiter cannot have had it");
        drop(g);
        if stop {
            // Woken, it finds itself out of line, joins again and gets it.
            child.signal(libc::SIGCONT);
            wait_for(&marker);
        }
        drop(child);
        let _ = fs::remove_file(&lock);
    }
    // A process stopped while inside the queue file (holding its flock):
    // the others poll the lock file instead of blocking behind it.
    let q = fs::File::open(filelock::queue_path(&lock)).unwrap();
    // SAFETY: a valid descriptor, flocked and released by us.
    assert_eq!(unsafe { libc::flock(std::os::unix::io::AsRawFd::as_raw_fd(&q), libc::LOCK_EX) }, 0);
    let g = filelock::lock(&lock, "next", &MutexOptions::lane_lease()).expect("the lock is free");
    drop(g);
    drop(q);
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn a_release_waits_out_a_slow_holder_but_not_a_stopped_one() {
    let d = scratch("release");
    let ws = d.join("ws");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/workspace"), &ws);
    let lock = ws.join(".dos/.lane-lease.lock");
    let acq = r#"{"lane":"api","kind":"cluster","tree":["src/api/**"],"owner":"me","loop_ts":"m1"}"#;
    let rel = r#"{"lane":"api","owner":"me","loop_ts":"m1"}"#;
    let held = |v: Result<Value, String>| v.unwrap().get("journaled").and_then(Value::as_bool) == Some(true);
    assert!(held(call(&ws, "lane_lease.acquire", acq)));
    // A holder that keeps the mutex for longer than the budget (about 1 s)
    // but is running: the release waits for it instead of answering BUSY.
    let marker = d.join("slow");
    let slow = lock_child("slow", &lock, "slow", &marker);
    wait_for(&marker);
    assert_eq!(call(&ws, "lane_lease.release", rel).map(|v| v.as_bool()), Ok(Some(true)));
    drop(slow);
    // A holder that is stopped makes no progress: the release gives up.
    assert!(held(call(&ws, "lane_lease.acquire", acq)));
    let marker = d.join("stopped");
    let stopped = lock_child("hold", &lock, "stopped", &marker);
    wait_for(&marker);
    stopped.signal(libc::SIGSTOP);
    assert_eq!(call(&ws, "lane_lease.release", rel), Err("BUSY".to_string()));
    // Killed, it is gone: the release goes through.
    drop(stopped);
    assert_eq!(call(&ws, "lane_lease.release", rel).map(|v| v.as_bool()), Ok(Some(true)));
    let _ = fs::remove_dir_all(&d);
}
