//! Workspace files as untrusted input: the one place the durable readers
//! and appenders open them.
//!
//! A workspace is whatever is on disk, and a hook runs on every tool call,
//! so a file that is not what its name says must cost little and never
//! hang the caller:
//!
//! - every open is non-blocking (`O_NONBLOCK`, `O_NOCTTY`), so a FIFO in
//!   place of `dos.toml`, the journal or a session file returns at once;
//! - whatever the open found must be a regular file (after symlinks), else
//!   the call fails as an unreadable file does (`/dev/zero`, `/dev/urandom`,
//!   a directory, a socket, a tty);
//! - reads are capped ([`read_whole`]) or read only the tail
//!   ([`read_tail`]) where the tail is all that matters, and the journal is
//!   streamed ([`stream_lines`]) in bounded memory, whatever its lines look
//!   like;
//! - caches are replaced through a fresh `<name>.<pid>.tmp` (never a file
//!   that is already there), and [`sweep_stale_tmp`] removes the temp files
//!   a killed writer left.

use super::host;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::time::{Duration, SystemTime};

fn not_regular(path: &Path) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{} is not a regular file", path.display()))
}

fn too_large(path: &Path, cap: u64) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{} is larger than {cap} bytes", path.display()))
}

/// Keep `f` only if it is a regular file, and make its reads blocking again
/// (a regular file ignores the flag, but later readers need not know).
fn settle(f: File, path: &Path) -> io::Result<File> {
    if !f.metadata()?.file_type().is_file() {
        return Err(not_regular(path));
    }
    let fd = f.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own; F_GETFL/F_SETFL touch only its flags.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 && flags & libc::O_NONBLOCK != 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(f)
}

/// Open `path` for reading: never blocks, and fails unless it is a regular file.
pub fn open_read(path: &Path) -> io::Result<File> {
    let f = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)?;
    settle(f, path)
}

/// Open `path` for appending, creating it with `mode` (less the umask);
/// `read` also opens it for reading (to look at its last byte). Never
/// blocks, and fails unless it is a regular file.
pub fn open_append(path: &Path, mode: u32, read: bool) -> io::Result<File> {
    let f =
        OpenOptions::new().read(read).append(true).create(true).mode(mode).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)?;
    settle(f, path)
}

/// `pread` that retries on `EINTR`.
pub fn read_at(f: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    loop {
        match f.read_at(buf, offset) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// The whole of a regular file of at most `cap` bytes (a larger one is an
/// error, as an unreadable one is).
pub fn read_whole(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let f = open_read(path)?;
    let len = f.metadata()?.len();
    if len > cap {
        return Err(too_large(path, cap));
    }
    let mut out = Vec::with_capacity(len as usize);
    (&f).take(cap.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > cap {
        return Err(too_large(path, cap));
    }
    Ok(out)
}

/// The last `cap` bytes of a regular file at most, from a line start: all
/// of a file that is not larger; otherwise what follows the first `\n` of
/// its last `cap` bytes (nothing when there is none).
pub fn read_tail(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let f = open_read(path)?;
    let len = f.metadata()?.len();
    // One byte before the window too: when it is a `\n`, the window
    // starts at a line start.
    let start = len.saturating_sub(cap).saturating_sub(1);
    let want = (len - start) as usize;
    let mut out = vec![0u8; want];
    let mut got = 0;
    while got < want {
        match read_at(&f, &mut out[got..], start + got as u64)? {
            0 => break,
            n => got += n,
        }
    }
    out.truncate(got);
    if start > 0 {
        match memchr::memchr(b'\n', &out) {
            Some(i) => {
                out.drain(..=i);
            }
            None => out.clear(),
        }
    }
    Ok(out)
}

/// Replace `dest` with `bytes` by writing `<dest>.<pid>.tmp` and renaming
/// it over `dest` (no fsync: for caches). The temp file is created fresh
/// (`O_EXCL`, so never a FIFO or symlink someone left there) and removed
/// when anything fails.
pub fn replace_file(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = dest.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dest.with_file_name(format!("{name}.{}.tmp", std::process::id()));
    let create =
        || OpenOptions::new().write(true).create_new(true).mode(0o644).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(&tmp);
    let mut f = match create() {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            // Ours from an earlier life of this pid: it is stale.
            fs::remove_file(&tmp)?;
            create()?
        }
        Err(e) => return Err(e),
    };
    let written = f.write_all(bytes);
    drop(f);
    match written.and_then(|_| fs::rename(&tmp, dest)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// How old a temp file must be before its writer may be judged gone.
pub const TMP_GRACE: Duration = Duration::from_secs(5);
/// Past this age a temp file is stale whatever its pid says (pids are reused).
pub const TMP_MAX_AGE: Duration = Duration::from_secs(3600);

/// The pid a temp file name carries: `<stem>.<pid>.tmp` (written by
/// [`replace_file`] and the journal sidecar) or the older `<stem>.tmp<pid>`.
fn tmp_pid(name: &str) -> Option<i64> {
    let digits = if let Some(rest) = name.strip_suffix(".tmp") { rest.rsplit_once('.')?.1 } else { name.rsplit_once(".tmp")?.1 };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 10 {
        return None;
    }
    digits.parse().ok()
}

/// Remove the temp files in `dir` whose name starts with `prefix` and whose
/// writer is gone: older than [`TMP_GRACE`] with a pid that no longer runs
/// here (`kill(pid, 0)` says `ESRCH`), or older than [`TMP_MAX_AGE`].
/// Returns how many were removed. Best effort.
pub fn sweep_stale_tmp(dir: &Path, prefix: &str) -> usize {
    let Ok(rd) = fs::read_dir(dir) else { return 0 };
    let now = SystemTime::now();
    let mut removed = 0;
    for e in rd.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(prefix) {
            continue;
        }
        let Some(pid) = tmp_pid(name) else { continue };
        let Ok(meta) = e.metadata() else { continue };
        if !meta.file_type().is_file() {
            continue;
        }
        let age = meta.modified().ok().and_then(|m| now.duration_since(m).ok()).unwrap_or_default();
        let gone = age >= TMP_MAX_AGE
            || (age >= TMP_GRACE && (pid as u64 != std::process::id() as u64) && host::probe_pid(Some(pid), "", "") == Some(false));
        if gone && fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

// ------------------------------------------------------------ line streaming

/// Bytes read per `pread`.
pub const CHUNK: usize = 256 * 1024;
/// A partial line longer than this is looked into (breaks, poison bytes).
const LONG: usize = 1 << 20;
/// A line longer than this is read as a corrupt line: it is not kept.
pub const MAX_LINE: usize = 64 << 20;

/// The byte classes of [`stream_lines`]' scan.
const PLAIN: u8 = 0;
const BREAK: u8 = 1;
const LEAD: u8 = 2;
const POISON: u8 = 3;

const fn classes() -> [u8; 256] {
    let mut t = [PLAIN; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = POISON;
        b += 1;
    }
    // Python's str.splitlines breaks (ASCII), and the bytes JSON or
    // str.strip accept (tab, the separators' neighbour 0x1f).
    t[b'\n' as usize] = BREAK;
    t[b'\r' as usize] = BREAK;
    t[0x0b] = BREAK;
    t[0x0c] = BREAK;
    t[0x1c] = BREAK;
    t[0x1d] = BREAK;
    t[0x1e] = BREAK;
    t[b'\t' as usize] = PLAIN;
    t[0x1f] = PLAIN;
    // U+0085 (C2 85), U+2028 and U+2029 (E2 80 A8/A9).
    t[0xc2] = LEAD;
    t[0xe2] = LEAD;
    t
}

static CLASS: [u8; 256] = classes();

/// At a lead byte: `Some(Some(len))` for a line break of `len` bytes,
/// `Some(None)` for none, `None` when more bytes are needed to tell.
fn break_len(s: &[u8]) -> Option<Option<usize>> {
    match s {
        [0xc2] | [0xe2] | [0xe2, 0x80] => None,
        [0xc2, 0x85, ..] => Some(Some(2)),
        [0xe2, 0x80, 0xa8 | 0xa9, ..] => Some(Some(3)),
        _ => Some(None),
    }
}

/// The scan of a long partial line (see [`stream_lines`]).
#[derive(Default)]
struct Scan {
    /// Bytes of the carry already classified.
    scanned: usize,
    /// End of the last line break found in the carry.
    cut: usize,
    /// The partial line after `cut` holds a byte no JSON text can hold.
    poisoned: bool,
}

/// The first byte at or after `from` that may start a line break (its
/// class is `BREAK` or `LEAD`), or `hay.len()`. `next` remembers each
/// byte set's next hit (`usize::MAX`: not searched yet) so a run of lead
/// bytes that start no break costs no re-search.
fn candidate(hay: &[u8], from: usize, next: &mut [usize; 3]) -> usize {
    let mut best = hay.len();
    for (k, at) in next.iter_mut().enumerate() {
        if *at == usize::MAX || *at < from {
            let rest = &hay[from..];
            let hit = match k {
                0 => memchr::memchr3(b'\n', b'\r', 0x0b, rest),
                1 => memchr::memchr3(0x0c, 0x1c, 0x1d, rest),
                _ => memchr::memchr3(0x1e, 0xc2, 0xe2, rest),
            };
            *at = hit.map_or(hay.len(), |h| from + h);
        }
        best = best.min(*at);
    }
    best
}

impl Scan {
    fn run(&mut self, carry: &[u8]) {
        let mut i = self.scanned;
        let mut next = [usize::MAX; 3];
        while i < carry.len() {
            if self.poisoned {
                // Nothing but the next break matters in a poisoned line.
                i = candidate(carry, i, &mut next);
                if i == carry.len() {
                    break;
                }
            }
            match CLASS[carry[i] as usize] {
                PLAIN => {}
                POISON => self.poisoned = true,
                BREAK => {
                    // A `\r` might be the first half of `\r\n`: wait for the next byte.
                    if carry[i] == b'\r' && i + 1 == carry.len() {
                        break;
                    }
                    self.cut = i + 1;
                    self.poisoned = false;
                }
                _ => match break_len(&carry[i..]) {
                    None => break,
                    Some(Some(k)) => {
                        i += k;
                        self.cut = i;
                        self.poisoned = false;
                        continue;
                    }
                    Some(None) => {}
                },
            }
            i += 1;
        }
        self.scanned = i;
    }
}

/// What [`stream_lines`] leaves after the last complete line.
#[derive(Debug, Default)]
pub struct Remainder {
    /// File offset where the remainder starts (the end of the last piece).
    pub start: u64,
    /// The partial last line (possibly shortened, see [`stream_lines`]).
    pub bytes: Vec<u8>,
}

/// Read `f` from `from` to its end and hand `piece` runs of whole lines,
/// in order, in bounded memory and linear time; return what follows the
/// last line break (a last line still being written, or a torn one).
///
/// Every piece starts at a line start and ends just after a line break (a
/// `\n`, or for a very long run without one, any of Python's
/// `str.splitlines` breaks), so decoding the pieces one after another reads
/// the same logical lines as decoding the whole file at once. One thing is
/// shortened: a line longer than 1 MiB that holds a byte JSON never allows
/// unescaped (a control byte other than tab and the line breaks, such as
/// the NULs a crash can leave), or any line longer than [`MAX_LINE`], is
/// handed on as a single NUL byte plus whatever follows in the same line.
/// Neither can parse as a record either way, so readers that fold records
/// see the same thing; only the text of the corrupt line is not kept.
pub fn stream_lines(f: &File, from: u64, piece: impl FnMut(&[u8])) -> io::Result<Remainder> {
    stream_with(f, from, Limits { chunk: CHUNK, long: LONG, max_line: MAX_LINE }, piece)
}

/// The sizes [`stream_lines`] works with (smaller ones in tests).
#[derive(Clone, Copy)]
struct Limits {
    chunk: usize,
    long: usize,
    max_line: usize,
}

fn stream_with(f: &File, from: u64, lim: Limits, mut piece: impl FnMut(&[u8])) -> io::Result<Remainder> {
    let mut chunk = vec![0u8; lim.chunk];
    let mut pos = from;
    let mut done = from;
    let mut carry: Vec<u8> = Vec::new();
    let mut scan = Scan::default();
    loop {
        let n = read_at(f, &mut chunk, pos)?;
        if n == 0 {
            break;
        }
        let data = &chunk[..n];
        pos += n as u64;
        match memchr::memrchr(b'\n', data) {
            Some(i) => {
                if carry.is_empty() {
                    piece(&data[..=i]);
                } else {
                    carry.extend_from_slice(&data[..=i]);
                    piece(&carry);
                    carry.clear();
                }
                done = pos - (n - i - 1) as u64;
                carry.extend_from_slice(&data[i + 1..]);
                scan = Scan::default();
            }
            None => carry.extend_from_slice(data),
        }
        if carry.len() > lim.long {
            scan.run(&carry);
            if scan.cut > 0 {
                piece(&carry[..scan.cut]);
                done = pos - (carry.len() - scan.cut) as u64;
                carry.drain(..scan.cut);
                scan.scanned -= scan.cut;
                scan.cut = 0;
            }
            if scan.poisoned || scan.scanned > lim.max_line {
                // Keep one poison byte for the line and the bytes not yet
                // classified (at most a split break).
                carry.drain(..scan.scanned);
                carry.insert(0, 0);
                scan.scanned = 1;
                scan.poisoned = true;
            }
        }
    }
    Ok(Remainder { start: done, bytes: carry })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dos_core::journal::codec::{decode_lines, Decoded};

    fn tmpdir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("dos-wsfile-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn records(bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        decode_lines(bytes, |_, text, d| {
            if let Decoded::Record(_) = d {
                out.push(text.to_string());
            }
        });
        out
    }

    fn streamed(p: &Path) -> Vec<String> {
        let f = open_read(p).unwrap();
        let mut out = Vec::new();
        let rem = stream_lines(&f, 0, |b| out.extend(records(b))).unwrap();
        out.extend(records(&rem.bytes));
        out
    }

    #[test]
    fn special_files_are_refused_without_blocking() {
        let d = tmpdir("special");
        let fifo = d.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        std::os::unix::fs::symlink("/dev/zero", d.join("zero")).unwrap();
        for p in [fifo.clone(), d.join("zero"), d.clone()] {
            assert!(open_read(&p).is_err(), "{p:?}");
            assert!(read_whole(&p, 10).is_err());
            assert!(read_tail(&p, 10).is_err());
        }
        assert!(open_append(&fifo, 0o644, false).is_err());
        assert!(open_append(&fifo, 0o644, true).is_err());
        assert!(open_append(&d.join("zero"), 0o644, false).is_err());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn caps_and_tails() {
        let d = tmpdir("caps");
        let p = d.join("f");
        fs::write(&p, b"aa\nbb\ncc\n").unwrap();
        assert_eq!(read_whole(&p, 9).unwrap(), b"aa\nbb\ncc\n");
        assert!(read_whole(&p, 8).is_err());
        assert_eq!(read_tail(&p, 9).unwrap(), b"aa\nbb\ncc\n");
        assert_eq!(read_tail(&p, 7).unwrap(), b"bb\ncc\n");
        assert_eq!(read_tail(&p, 6).unwrap(), b"bb\ncc\n");
        assert_eq!(read_tail(&p, 5).unwrap(), b"cc\n");
        assert_eq!(read_tail(&p, 2).unwrap(), b"");
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn streamed_lines_match_a_whole_read() {
        let d = tmpdir("stream");
        let p = d.join("j");
        let rec = |i: usize| format!("{{\"op\": \"X\", \"i\": {i}}}");
        let mut body = Vec::new();
        body.extend(rec(0).as_bytes());
        body.push(b'\n');
        // A long run with no \n: records split by other Python breaks, a
        // poisoned stretch, a long clean line, a split U+2028.
        body.extend(rec(1).as_bytes());
        body.push(b'\r');
        body.extend(vec![0u8; 3 * CHUNK + 17]);
        body.extend("\u{2028}".as_bytes());
        body.extend(rec(2).as_bytes());
        body.push(0x1c);
        body.extend(format!("{{\"pad\": \"{}\"}}", "x".repeat(2 * LONG)).as_bytes());
        body.push(0x0b);
        body.extend(vec![b'z'; CHUNK - 1]);
        body.extend("\u{2029}".as_bytes());
        body.extend(rec(3).as_bytes());
        body.extend(b"\r\n");
        body.extend(vec![0u8; 2 * LONG]);
        body.extend(b"\x85\xc2\x85");
        body.extend(rec(4).as_bytes());
        fs::write(&p, &body).unwrap();
        let whole = records(&body);
        assert_eq!(whole.len(), 6);
        assert_eq!(streamed(&p), whole);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_nul_stretch_keeps_memory_flat() {
        let d = tmpdir("nul");
        let p = d.join("j");
        let f = File::create(&p).unwrap();
        f.set_len(8 * LONG as u64).unwrap();
        drop(f);
        let f = open_read(&p).unwrap();
        let mut pieces = 0;
        let rem = stream_lines(&f, 0, |_| pieces += 1).unwrap();
        assert_eq!(pieces, 0);
        assert_eq!(rem.start, 0);
        assert!(rem.bytes.len() <= LONG + CHUNK);
        let _ = fs::remove_dir_all(&d);
    }

    /// What a sequence of decoded lines says, for comparing a streamed
    /// read with a whole one: records with their line index, and how many
    /// lines there were (an unparseable line is the same whatever its text).
    fn summary(out: &mut Vec<String>, index: usize, d: Decoded) {
        match d {
            Decoded::Record(r) => out.push(format!(
                "{index}:{}",
                dos_core::pyjson::dumps_string(&dos_core::pyjson::Value::Dict(r), dos_core::pyjson::Options::SORTED_ASCII)
                    .unwrap_or_default()
            )),
            Decoded::Corrupt { .. } | Decoded::Torn => out.push(format!("{index}:bad")),
            Decoded::Skip => out.push(format!("{index}:skip")),
        }
    }

    const ATOMS: [&[u8]; 20] = [
        b"{\"a\": 1}",
        b"{\"b\": \"x y\"}",
        b"\n",
        b"\r",
        b"\r\n",
        b"\x0b",
        b"\x1c",
        b"\x1e",
        b"\0",
        b"\x07",
        b"\xc2\x85",
        b"\xe2\x80\xa8",
        b"\xe2\x80\xa9",
        b"\xe2\x80",
        b"\xc2",
        b"\xc2\xa9",
        b"x",
        b" ",
        b"\t",
        b"\x1f",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        /// With tiny chunk and line sizes, the pieces and the remainder decode
        /// to the same records, on the same lines, as the whole file; a
        /// poisoned long line only loses its text.
        #[test]
        fn streamed_equals_whole(atoms in proptest::collection::vec(0..ATOMS.len(), 0..120), chunk in 1usize..9, long in 1usize..12, from_cut in 0usize..4) {
            let body: Vec<u8> = atoms.iter().flat_map(|&i| ATOMS[i].iter().copied()).collect();
            // Start at a line start: after the `from_cut`-th '\n' (if any).
            let from = body.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1).nth(from_cut.saturating_sub(1)).filter(|_| from_cut > 0).unwrap_or(0);
            let d = std::env::temp_dir().join(format!("dos-wsfile-prop-{}-{:?}", std::process::id(), std::thread::current().id()));
            fs::create_dir_all(&d).unwrap();
            let p = d.join("j");
            fs::write(&p, &body).unwrap();
            let mut whole = Vec::new();
            let mut dec = dos_core::journal::codec::Decoder::default();
            dec.feed(&body[from..], true, |x| { let i = whole.len(); summary(&mut whole, i, x) });
            let f = open_read(&p).unwrap();
            let mut streamed = Vec::new();
            let mut dec = dos_core::journal::codec::Decoder::default();
            let lim = Limits { chunk, long, max_line: usize::MAX };
            let rest = stream_with(&f, from as u64, lim, |b| {
                let base = dec.lines;
                let mut k = 0;
                dec.feed(b, false, |x| { summary(&mut streamed, base + k, x); k += 1 });
            }).unwrap();
            let base = dec.lines;
            let mut k = 0;
            dec.feed(&rest.bytes, true, |x| { summary(&mut streamed, base + k, x); k += 1 });
            // Drop trailing skips (a remainder that is empty adds none) and
            // compare records and line count.
            let norm = |v: &Vec<String>| -> (Vec<String>, usize) {
                (v.iter().filter(|s| !s.ends_with(":bad") && !s.ends_with(":skip")).cloned().collect(), v.len())
            };
            let (w, s) = (norm(&whole), norm(&streamed));
            proptest::prop_assert_eq!(&w.0, &s.0, "body {:?}", String::from_utf8_lossy(&body));
            proptest::prop_assert_eq!(w.1, s.1, "line count; body {:?}", String::from_utf8_lossy(&body));
            proptest::prop_assert!(rest.start as usize <= body.len());
            let _ = fs::remove_dir_all(&d);
        }
    }

    #[test]
    fn temp_names() {
        assert_eq!(tmp_pid(".j.fold.123.tmp"), Some(123));
        assert_eq!(tmp_pid(".j.help-ab.tmp77"), Some(77));
        assert_eq!(tmp_pid(".j.fold"), None);
        assert_eq!(tmp_pid(".j.fold.x.tmp"), None);
    }
}
