//! A hostile workspace: `dos.toml`, the lane journal, its caches, a session
//! stream, a marker tally or the observation log replaced by a FIFO, by a
//! symlink to `/dev/zero` or `/dev/urandom`, or by a 2 GB sparse file. The
//! real `dos-hook` must exit 0 promptly (it is killed and the case fails
//! past a generous limit, and it runs under an address-space limit and must stay small),
//! and print what it prints when that file is unreadable (a directory: the
//! reference reads a directory as an unreadable file, and
//! tests/hook/corpus.jsonl pins those outputs to it) or, for a sparse file
//! of NULs, absent.

use dos_core::deciders::posttool_sensor::digest_bytes;
use std::fs;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(15);
const RUNTIME: [&str; 11] = [
    "arbiter",
    "admission",
    "self_modify",
    "lane_overlap",
    "_tree",
    "gate_classify",
    "loop_decide",
    "tokens",
    "wedge_reason",
    "reasons",
    "config",
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Fifo,
    Zero,
    Urandom,
    Sparse,
    Dir,
    Absent,
}

struct Case {
    verb: &'static str,
    args: &'static [&'static str],
    target: String,
}

fn event(verb: &str, ws: &str) -> String {
    match verb {
        "pretool" => format!(
            r#"{{"hook_event_name": "PreToolUse", "tool_name": "Edit", "session_id": "s1", "cwd": "{ws}", "tool_input": {{"file_path": "{ws}/src/dos/arbiter.py"}}}}"#
        ),
        "posttool" => format!(
            r#"{{"hook_event_name": "PostToolUse", "tool_name": "Read", "session_id": "s1", "cwd": "{ws}", "tool_input": {{"file_path": "a.md"}}, "tool_response": "same"}}"#
        ),
        _ => format!(r#"{{"session_id": "s1", "cwd": "{ws}"}}"#),
    }
}

fn workspace(tag: &str) -> (PathBuf, String) {
    let base = fs::canonicalize(std::env::temp_dir()).unwrap();
    let tmp = base.join(format!("hookhostile-{}-{tag}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let ws = tmp.join("ws");
    fs::create_dir_all(ws.join("src/dos")).unwrap();
    fs::create_dir_all(ws.join(".dos/streams")).unwrap();
    fs::create_dir_all(ws.join(".dos/markers")).unwrap();
    fs::create_dir_all(ws.join(".dos/metrics")).unwrap();
    for r in RUNTIME {
        fs::write(ws.join(format!("src/dos/{r}.py")), "# runtime\n").unwrap();
    }
    // A journal to read (so its caches are consulted): another session's deny.
    fs::write(
        ws.join(".dos/lane-journal.jsonl"),
        "{\"holder\": \"other\", \"intervention\": \"BLOCK\", \"lane\": \"Edit\", \"op\": \"ENFORCE\", \"seq\": 1, \"ts\": \"2026-01-01T00:00:00Z\"}\n",
    )
    .unwrap();
    let s = ws.to_str().unwrap().to_string();
    (tmp, s)
}

fn plant(p: &Path, kind: Kind) {
    let _ = fs::remove_file(p);
    match kind {
        Kind::Fifo => {
            let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo {p:?}");
        }
        Kind::Zero => std::os::unix::fs::symlink("/dev/zero", p).unwrap(),
        Kind::Urandom => std::os::unix::fs::symlink("/dev/urandom", p).unwrap(),
        Kind::Sparse => fs::File::create(p).unwrap().set_len(2 << 30).unwrap(),
        Kind::Dir => fs::create_dir_all(p).unwrap(),
        Kind::Absent => {}
    }
}

/// The address space a run may use: room for a whole 2 GB file (so reading
/// one whole shows), and a bound on what a reader that never stops can take.
const ADDRESS_SPACE: u64 = 3 << 30;
/// Peak resident memory a run may reach, KiB.
const MAX_RSS_KB: i64 = 128 * 1024;
/// Cases run this many at a time (cases that could take memory, two).
const PARALLEL: usize = 6;
const PARALLEL_HEAVY: usize = 2;

/// What one run did.
struct Ran {
    code: i32,
    stdout: Vec<u8>,
    took: Duration,
    /// Peak resident set, KiB.
    max_rss_kb: i64,
}

/// Run the hook on `ws`, or an error when it had to be killed.
fn run(ws: &str, tmp: &Path, c: &Case) -> Result<Ran, String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dos-hook"));
    cmd.arg(c.verb).args(["--workspace", ws]).args(c.args);
    cmd.current_dir(tmp).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("DOS_") || k.starts_with("DISPATCH_") || k.starts_with("CID_") || k.starts_with("JOB_") {
            cmd.env_remove(k);
        }
    }
    // SAFETY: setrlimit is async-signal-safe; the closure allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit { rlim_cur: ADDRESS_SPACE, rlim_max: ADDRESS_SPACE };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let pid = child.id() as libc::pid_t;
    let _ = child.stdin.take().unwrap().write_all(event(c.verb, ws).as_bytes());
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut b);
        b
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value to be overwritten.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: our own child's pid; status and ru are valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == pid {
            let took = start.elapsed();
            let stdout = reader.join().unwrap_or_default();
            let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -libc::WTERMSIG(status) };
            return Ok(Ran { code, stdout, took, max_rss_kb: ru.ru_maxrss });
        }
        if r < 0 {
            return Err(format!("wait4: {}", std::io::Error::last_os_error()));
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            // SAFETY: as above; reaps the killed child.
            unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
            return Err(format!("still running after {LIMIT:?}; killed"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn cases() -> Vec<(Case, Vec<Kind>, Kind)> {
    let hostile = vec![Kind::Fifo, Kind::Zero, Kind::Urandom];
    let help = format!(".dos/.lane-journal.jsonl.help-{}.fold", digest_bytes(b"s1"));
    let c = |verb, args, target: &str| Case { verb, args, target: target.to_string() };
    vec![
        (c("pretool", &[], "dos.toml"), hostile.clone(), Kind::Dir),
        (c("posttool", &[], "dos.toml"), hostile.clone(), Kind::Dir),
        (c("pretool", &[], ".dos/lane-journal.jsonl"), [hostile.clone(), vec![Kind::Dir]].concat(), Kind::Dir),
        (c("pretool", &[], ".dos/.lane-journal.jsonl.fold"), hostile.clone(), Kind::Absent),
        (c("pretool", &[], &help), hostile.clone(), Kind::Absent),
        (c("pretool", &[], ".dos/metrics/observations.jsonl"), hostile.clone(), Kind::Dir),
        (c("posttool", &[], ".dos/streams/s1.jsonl"), hostile.clone(), Kind::Dir),
        (c("posttool", &[], ".dos/streams/s1.jsonl"), vec![Kind::Sparse], Kind::Absent),
        (c("marker", &["--loop"], ".dos/markers/s1.jsonl"), hostile.clone(), Kind::Dir),
        (c("marker", &["--loop", "--json"], ".dos/markers/s1.jsonl"), hostile, Kind::Dir),
        (c("marker", &["--loop"], ".dos/markers/s1.jsonl"), vec![Kind::Sparse], Kind::Absent),
    ]
}

#[test]
fn a_hostile_workspace_neither_hangs_nor_exhausts_memory() {
    let jobs: Vec<(String, Case, Kind, Kind)> = cases()
        .into_iter()
        .enumerate()
        .flat_map(|(i, (c, kinds, base))| {
            kinds
                .into_iter()
                .enumerate()
                .map(move |(k, kind)| (format!("{i}-{k}"), Case { verb: c.verb, args: c.args, target: c.target.clone() }, kind, base))
        })
        .collect();
    let heavy = |k: &Kind| matches!(k, Kind::Zero | Kind::Urandom | Kind::Sparse);
    let (big, small): (Vec<_>, Vec<_>) = jobs.into_iter().partition(|j| heavy(&j.2));
    let mut failures: Vec<String> = Vec::new();
    for batch in small.chunks(PARALLEL) {
        failures.extend(run_batch(batch));
    }
    for batch in big.chunks(PARALLEL_HEAVY) {
        failures.extend(run_batch(batch));
    }
    assert!(failures.is_empty(), "{} hostile cases failed:\n{}", failures.len(), failures.join("\n"));
}

fn run_batch(jobs: &[(String, Case, Kind, Kind)]) -> Vec<String> {
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|(tag, c, kind, base)| {
                s.spawn(move || -> Option<String> {
                    let what = format!("{} {:?} with {} as {kind:?}", c.verb, c.args, c.target);
                    let (tb, wb) = workspace(&format!("{tag}-base"));
                    plant(&Path::new(&wb).join(&c.target), *base);
                    let want = run(&wb, &tb, c);
                    let (th, wh) = workspace(&format!("{tag}-hostile"));
                    plant(&Path::new(&wh).join(&c.target), *kind);
                    let got = run(&wh, &th, c);
                    let _ = fs::remove_dir_all(&tb);
                    let _ = fs::remove_dir_all(&th);
                    let want = match want {
                        Ok(r) => r,
                        Err(e) => return Some(format!("{what}: the baseline ({base:?}) {e}")),
                    };
                    let got = match got {
                        Ok(r) => r,
                        Err(e) => return Some(format!("{what}: {e}")),
                    };
                    let ours = String::from_utf8_lossy(&got.stdout).replace(&wh, "{ws}");
                    let theirs = String::from_utf8_lossy(&want.stdout).replace(&wb, "{ws}");
                    let took = got.took;
                    if got.code != 0 || want.code != 0 {
                        return Some(format!("{what}: exit {} (baseline {}), want 0", got.code, want.code));
                    }
                    if got.max_rss_kb > MAX_RSS_KB {
                        return Some(format!("{what}: peak RSS {} MiB", got.max_rss_kb / 1024));
                    }
                    if ours != theirs {
                        return Some(format!("{what}: stdout {ours:?}, want the {base:?} output {theirs:?}"));
                    }
                    eprintln!("{what}: ok in {took:?}, {} MiB", got.max_rss_kb / 1024);
                    None
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().unwrap_or_else(|_| Some("a case panicked".into()))).collect()
    })
}
