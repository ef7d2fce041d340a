//! Appending one JSON line to a journal-like file, the way the lane journal
//! appends (see [`super::journal`]): one `O_APPEND` write followed by
//! `fsync`, a newline first when the file ends in a torn line (so the new
//! record is not glued to it and lost), and the record's U+2028, U+2029 and
//! U+0085 written as `\u` escapes (the reference's reader splits lines there).
//! The verdict journal and the intent ledger use it. Files are opened
//! through [`super::wsfile`] (non-blocking, regular files only).

use dos_core::pyjson::{Dict, LoneSurrogate};
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The bytes appended for `record` (newline included).
pub fn line_of(record: &Dict) -> Result<Vec<u8>, LoneSurrogate> {
    super::journal::encode_record(record)
}

/// Append `line` (which ends in a newline) to `path`, creating the file
/// (with `mode`, less the umask) and its directory as needed.
pub fn append_line(path: &Path, line: &[u8], mode: u32) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let f = super::wsfile::open_append(path, mode, true)?;
    let len = f.metadata()?.len();
    let mut buf = Vec::with_capacity(line.len() + 1);
    if len > 0 {
        let mut last = [0u8; 1];
        if f.read_exact_at(&mut last, len - 1).is_ok() && last[0] != b'\n' {
            buf.push(b'\n');
        }
    }
    buf.extend_from_slice(line);
    (&f).write_all(&buf)?;
    f.sync_all()
}

/// A file's bytes; `None` when it is missing, unreadable or not a regular
/// file (opened without blocking, so a FIFO does not hang the reader).
pub fn read_bytes(path: &Path) -> Option<Vec<u8>> {
    let f = super::wsfile::open_read(path).ok()?;
    let mut out = Vec::new();
    io::Read::read_to_end(&mut &f, &mut out).ok()?;
    Some(out)
}
