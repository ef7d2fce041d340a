//! Journal line bytes, both ways.
//!
//! Writing: `json.dumps(entry, sort_keys=True, ensure_ascii=False)` plus one
//! `\n`. Reading: the file is decoded as UTF-8 with U+FFFD for bad bytes,
//! `\r\n` and `\r` become `\n`, and the text is cut where Python's
//! `str.splitlines` cuts it (which includes U+0085, U+2028 and U+2029). Each
//! stripped, non-empty line must parse as a JSON object; an unparseable line
//! becomes a `_CORRUPT` sentinel unless it is the very last line (a torn tail,
//! dropped); a line holding valid JSON that is not an object is dropped.

use super::OP_CORRUPT;
use crate::pyjson::{self, Dict, LoneSurrogate, Options, Value};
use crate::pystr;

/// The bytes of one journal line for `entry`, newline included. A string
/// holding a lone surrogate cannot be written as UTF-8 and is refused.
pub fn encode_line(entry: &Value) -> Result<Vec<u8>, LoneSurrogate> {
    let mut out = pyjson::dumps(entry, Options::SORTED_UTF8)?;
    out.push(b'\n');
    Ok(out)
}

/// Python's `str.splitlines` boundaries, after newline translation.
fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// What one logical line read back as.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    /// A JSON object: a record.
    Record(Dict),
    /// An unparseable line that is not the file's last.
    Corrupt { raw: String, line: usize },
    /// An unparseable last line: a torn tail.
    Torn,
    /// Blank, or JSON that is not an object: nothing.
    Skip,
}

impl Decoded {
    /// The record this line contributes to `read_all`, if any.
    pub fn into_entry(self) -> Option<Dict> {
        match self {
            Decoded::Record(d) => Some(d),
            Decoded::Corrupt { raw, line } => Some(corrupt_sentinel(raw, line)),
            Decoded::Torn | Decoded::Skip => None,
        }
    }
}

/// The sentinel `read_all` puts where a corrupt line stood.
pub fn corrupt_sentinel(raw: String, line: usize) -> Dict {
    let mut d = Dict::with_capacity(3);
    d.push("op", Value::str(OP_CORRUPT));
    d.push("_raw", Value::str(raw));
    d.push("_line", Value::int(line as i64));
    d
}

/// Decodes journal text in pieces, keeping the logical line count so the
/// `_line` of a sentinel is the same as a whole-file read gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoder {
    /// Logical lines consumed so far.
    pub lines: usize,
    /// Bytes consumed so far (the file offset of the next piece when the
    /// pieces are the file's bytes in order).
    pub offset: u64,
}

/// Where a logical line stands and what it holds, as [`Decoder::feed_lines`]
/// reports it.
#[derive(Debug, Clone, Copy)]
pub struct LineRef<'t> {
    /// The logical line's index (the reference's `_line`).
    pub index: usize,
    /// The byte offset of the line's first byte.
    pub offset: u64,
    /// The line's text, stripped of Python whitespace.
    pub text: &'t str,
}

impl Decoder {
    /// Decode `bytes`, which must start at a line start. When `at_eof` is
    /// false the caller promises more lines follow, so no line here is the
    /// file's last; when true, the final logical line may be a torn tail.
    pub fn feed(&mut self, bytes: &[u8], at_eof: bool, mut sink: impl FnMut(Decoded)) {
        self.feed_lines(bytes, at_eof, |_, d| sink(d));
    }

    /// [`Decoder::feed`], with each line's position and stripped text.
    pub fn feed_lines(&mut self, bytes: &[u8], at_eof: bool, mut sink: impl FnMut(LineRef<'_>, Decoded)) {
        let text = String::from_utf8_lossy(bytes);
        let map = OffsetMap::new(bytes, &text);
        let lines = split_lines(&text);
        let n = lines.len();
        for (k, line) in lines.into_iter().enumerate() {
            let index = self.lines + k;
            let last = at_eof && k + 1 == n;
            let start = line.as_ptr() as usize - text.as_ptr() as usize;
            let at = LineRef { index, offset: self.offset + map.byte_of(start), text: pystr::strip(line) };
            sink(at, decode_line(line, index, last));
        }
        self.lines += n;
        self.offset += bytes.len() as u64;
    }
}

/// Maps a position in the lossily decoded text back to the raw bytes (each
/// invalid UTF-8 run became one 3-byte U+FFFD).
struct OffsetMap {
    /// `(text position, byte position)` just after each replaced run.
    anchors: Vec<(usize, usize)>,
}

impl OffsetMap {
    fn new(bytes: &[u8], text: &str) -> OffsetMap {
        let mut anchors = Vec::new();
        if text.len() != bytes.len() || text.as_ptr() != bytes.as_ptr() {
            let (mut t, mut b) = (0, 0);
            for chunk in bytes.utf8_chunks() {
                t += chunk.valid().len();
                b += chunk.valid().len();
                if !chunk.invalid().is_empty() {
                    t += char::REPLACEMENT_CHARACTER.len_utf8();
                    b += chunk.invalid().len();
                    anchors.push((t, b));
                }
            }
        }
        OffsetMap { anchors }
    }

    fn byte_of(&self, text_pos: usize) -> u64 {
        let k = self.anchors.partition_point(|&(t, _)| t <= text_pos);
        let (t, b) = if k == 0 { (0, 0) } else { self.anchors[k - 1] };
        (b + (text_pos - t)) as u64
    }
}

/// `raw.splitlines()` after universal-newline translation (no allocation
/// for the translation: `\r\n` and `\r` are simply breaks).
fn split_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if is_line_break(c) {
            out.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' && bytes.get(end) == Some(&b'\n') {
                it.next();
                end += 1;
            }
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn decode_line(line: &str, index: usize, last: bool) -> Decoded {
    let s = pystr::strip(line);
    if s.is_empty() {
        return Decoded::Skip;
    }
    match pyjson::parse_str(s) {
        Ok(Value::Dict(d)) => Decoded::Record(d),
        Ok(_) => Decoded::Skip,
        Err(_) if last => Decoded::Torn,
        Err(_) => Decoded::Corrupt { raw: s.to_string(), line: index },
    }
}

/// Every logical line of a whole file: its index, its stripped text and
/// what it decoded to (for readers that keep the raw text of a record, such
/// as the intent ledger's schema gate).
pub fn decode_lines(bytes: &[u8], mut sink: impl FnMut(usize, &str, Decoded)) {
    let text = String::from_utf8_lossy(bytes);
    let lines = split_lines(&text);
    let n = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        sink(i, pystr::strip(line), decode_line(line, i, i + 1 == n));
    }
}

/// `read_all` over a whole file's bytes: every record in append order.
pub fn decode(bytes: &[u8]) -> Vec<Dict> {
    let mut out = Vec::new();
    Decoder::default().feed(bytes, true, |d| {
        if let Some(e) = d.into_entry() {
            out.push(e);
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(bytes: &[u8]) -> Vec<String> {
        decode(bytes).iter().map(|d| d.get("op").and_then(Value::as_str).unwrap_or("?").to_string()).collect()
    }

    #[test]
    fn torn_tail_is_dropped_and_middle_corruption_kept() {
        assert_eq!(ops(b"{\"op\": \"A\"}\n{\"op\": \"B\"}\n{\"op\": \"C"), ["A", "B"]);
        assert_eq!(ops(b"{\"op\": \"A\"}\n{garbage\n{\"op\": \"C\"}\n"), ["A", "_CORRUPT", "C"]);
        // A corrupt complete last line is a torn tail too.
        assert_eq!(ops(b"{\"op\": \"A\"}\n{garbage\n"), ["A"]);
    }

    #[test]
    fn separators_python_splits_on() {
        let text = "{\"op\": \"A\", \"x\": \"a\u{2028}b\"}\n{\"op\": \"B\"}\r\n{\"op\": \"C\"}\r";
        let got = decode(text.as_bytes());
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].get("_line"), Some(&Value::int(0)));
        assert_eq!(got[1].get("_line"), Some(&Value::int(1)));
        assert_eq!(got[3].get("op").and_then(Value::as_str), Some("C"));
    }

    #[test]
    fn non_objects_vanish_and_bom_corrupts() {
        assert_eq!(ops(b"[1]\n3\nnull\n{\"op\": \"A\"}\n"), ["A"]);
        assert_eq!(ops("\u{feff}{\"op\": \"A\"}\n{\"op\": \"B\"}\n".as_bytes()), ["_CORRUPT", "B"]);
    }

    #[test]
    fn pieces_number_lines_like_a_whole_read() {
        let a = b"{\"op\": \"A\"}\n{bad\n";
        let b = b"{bad2\n{\"op\": \"B\"}\n";
        let mut dec = Decoder::default();
        let mut got = Vec::new();
        dec.feed(a, false, |d| got.extend(d.into_entry()));
        dec.feed(b, true, |d| got.extend(d.into_entry()));
        let whole: Vec<u8> = [&a[..], &b[..]].concat();
        assert_eq!(got, decode(&whole));
    }

    #[test]
    fn lines_are_python_bytes() {
        let v = pyjson::parse_str(r#"{"b": [1, 2.5, "é—\u007f\u001f"], "a": {"z": null, "y": true}}"#).unwrap();
        let line = encode_line(&v).unwrap();
        assert_eq!(String::from_utf8(line).unwrap(), "{\"a\": {\"y\": true, \"z\": null}, \"b\": [1, 2.5, \"é—\u{7f}\\u001f\"]}\n");
    }
}
