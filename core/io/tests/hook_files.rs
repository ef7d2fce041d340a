//! The hook's files next to the lane journal and the workspace config
//! cache: linear time over a journal stretch with no newline, caches that
//! do not pile up, temp files of dead writers swept, and a config cache
//! that notices a same-size rewrite whose mtime was put back.

use dos_core::config::layer::Preset;
use dos_io::boundary::{self, journal};
use dos_io::hook;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dos-hookfiles-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    fs::canonicalize(d).unwrap()
}

fn enforce(holder: &str, seq: u64) -> String {
    format!(
        "{{\"holder\": \"{holder}\", \"intervention\": \"BLOCK\", \"lane\": \"Edit\", \"op\": \"ENFORCE\", \"seq\": {seq}, \"tool\": \"Edit\", \"ts\": \"2026-01-01T00:00:00Z\"}}\n"
    )
}

/// Eight ENFORCE records (holders `s0`…`s7`), then `bytes` NULs with no
/// newline (the tail a crash can leave), sparse.
fn nul_journal(dir: &Path, name: &str, bytes: u64) -> PathBuf {
    let p = dir.join(name);
    let text: String = (0..8).map(|i| enforce(&format!("s{i}"), i + 1)).collect();
    fs::write(&p, &text).unwrap();
    fs::OpenOptions::new().write(true).open(&p).unwrap().set_len(text.len() as u64 + bytes).unwrap();
    p
}

/// The fastest of `n` tallies of `p`, each for a session with no tally
/// cached yet.
fn best_count(p: &Path, n: u64) -> f64 {
    (0..n)
        .map(|i| {
            let t = Instant::now();
            let c = hook::help_count(p, &format!("s{i}"));
            let dt = t.elapsed();
            assert_eq!((c.total, c.blocked), (1, 1), "s{i}");
            dt.as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
        .max(1e-6)
}

/// `help_count` over a newline-free stretch is linear: four times the
/// bytes costs about four times the time (a quadratic scan costs sixteen).
#[test]
fn help_count_is_linear_over_a_stretch_with_no_newline() {
    let d = tmpdir("linear");
    const MIB: u64 = 1024 * 1024;
    let small = nul_journal(&d, "small.jsonl", 25 * MIB / 2);
    let large = nul_journal(&d, "large.jsonl", 50 * MIB);
    let t_small = best_count(&small, 5);
    let t_large = best_count(&large, 3);
    let ratio = t_large / t_small;
    eprintln!("help_count: 12.5 MiB {t_small:.3}s, 50 MiB {t_large:.3}s, ratio {ratio:.1}");
    assert!(ratio < 8.0, "50 MiB took {ratio:.1}x the time of 12.5 MiB (linear is 4, quadratic 16)");
    let _ = fs::remove_dir_all(&d);
}

fn set_mtime(p: &Path, sec: i64, nsec: i64) {
    let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    let ts = [libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_OMIT }, libc::timespec { tv_sec: sec as libc::time_t, tv_nsec: nsec as _ }];
    // SAFETY: a valid path and two timespecs.
    assert_eq!(unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), ts.as_ptr(), 0) }, 0);
}

/// A `dos.toml` rewritten in place at the same size with its mtime put
/// back (`cp -p`, `rsync -t`, `tar x`) is read again, not served stale.
#[test]
fn config_cache_sees_a_same_size_rewrite_with_mtime_restored() {
    use std::os::unix::fs::MetadataExt;
    let d = tmpdir("cfgcache");
    let root = d.to_str().unwrap().to_string();
    let toml = d.join("dos.toml");
    fs::write(&toml, "[lanes]\nexclusive = [\"aa\"]\n").unwrap();
    let lanes = || {
        let l = boundary::cached("{}", Some(&root), || boundary::load_workspace_config(Some(&root), Preset::Generic)).unwrap();
        l.config.lanes.exclusive.clone()
    };
    assert_eq!(lanes(), vec!["aa".to_string()]);
    let m = fs::metadata(&toml).unwrap();
    let (sec, nsec) = (m.mtime(), m.mtime_nsec());
    // Let the clock move on so the rewrite's ctime differs.
    std::thread::sleep(Duration::from_millis(30));
    fs::write(&toml, "[lanes]\nexclusive = [\"bb\"]\n").unwrap();
    set_mtime(&toml, sec, nsec);
    let m2 = fs::metadata(&toml).unwrap();
    assert_eq!((m2.len(), m2.mtime(), m2.mtime_nsec()), (m.len(), sec, nsec));
    assert_eq!(lanes(), vec!["bb".to_string()], "the cache served the dos.toml it read before the rewrite");
    let _ = fs::remove_dir_all(&d);
}

fn help_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".help-"))
        .collect();
    v.sort();
    v
}

/// Many sessions that were each denied once leave a bounded number of
/// help tallies beside the journal, and the current session's is kept.
#[test]
fn help_caches_do_not_pile_up() {
    let d = tmpdir("pileup");
    let j = d.join("lane-journal.jsonl");
    let text: String = (0..80).map(|i| enforce(&format!("sess-{i}"), i + 1)).collect();
    fs::write(&j, text).unwrap();
    for i in 0..80 {
        assert_eq!(hook::help_count(&j, &format!("sess-{i}")).total, 1);
    }
    let files = help_files(&d);
    assert!(files.len() <= 32, "{} help caches after 80 sessions", files.len());
    // The tally just written is among those kept.
    let before = files.len();
    assert_eq!(hook::help_count(&j, "sess-79").total, 1);
    assert_eq!(help_files(&d).len(), before);
    let _ = fs::remove_dir_all(&d);
}

/// A pid that has exited (and been reaped).
fn dead_pid() -> u32 {
    let mut c = std::process::Command::new("true").spawn().unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

fn age(p: &Path, secs: u64) {
    let t = SystemTime::now() - Duration::from_secs(secs);
    let f = fs::OpenOptions::new().write(true).open(p).unwrap();
    f.set_modified(t).unwrap();
}

/// Temp files a killed writer left beside the journal (the fold sidecar's
/// and the help tallies') are swept once their pid is gone; a live
/// writer's, and a fresh one, are not.
#[test]
fn stale_temp_files_of_dead_writers_are_swept() {
    let d = tmpdir("sweep");
    let j = d.join("lane-journal.jsonl");
    fs::write(&j, enforce("s1", 1)).unwrap();
    let dead = dead_pid();
    let mut live = std::process::Command::new("sleep").arg("60").spawn().unwrap();
    let me = live.id();
    let stale = [
        format!(".lane-journal.jsonl.fold.{dead}.tmp"),
        format!(".lane-journal.jsonl.help-0123456789abcdef.fold.{dead}.tmp"),
        format!(".lane-journal.jsonl.help-0123456789abcdef.tmp{dead}"),
    ];
    let kept = [format!(".lane-journal.jsonl.fold.{me}.tmp"), ".lane-journal.jsonl.fold.1.tmp".to_string()];
    let fresh = format!(".lane-journal.jsonl.help-fedcba9876543210.fold.{dead}.tmp");
    for n in stale.iter().chain(kept.iter()) {
        fs::write(d.join(n), "{}").unwrap();
        age(&d.join(n), 60);
    }
    fs::write(d.join(&fresh), "{}").unwrap();
    fs::write(d.join("unrelated.1.tmp"), "x").unwrap();
    age(&d.join("unrelated.1.tmp"), 7200);
    // The sidecar is written (a first fold), and a session's tally.
    let swept = (journal::live_view(&j).is_ok(), hook::help_count(&j, "s1").total);
    let _ = live.kill();
    let _ = live.wait();
    assert_eq!(swept, (true, 1));
    for n in &stale {
        assert!(!d.join(n).exists(), "{n} left behind");
    }
    for n in kept.iter().chain([&fresh, &"unrelated.1.tmp".to_string()]) {
        assert!(d.join(n).exists(), "{n} removed");
    }
    let _ = fs::remove_dir_all(&d);
}
