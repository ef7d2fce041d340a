//! `json.dumps(obj, indent=N, ...)`: the pretty layout, byte for byte.
//!
//! With an indent Python puts every list item and object member on its own
//! line, indented by one step per level, and closes the container on a line
//! of its own at the parent's depth. Empty containers stay `[]` and `{}`.
//! The item separator ends each line, so the caller passes the one Python
//! uses with an indent (`","` unless `separators=` says otherwise).

use super::value::Value;
use super::write::{write_value, LoneSurrogate, Options};

/// Serialize `v` with `opts` laid out with `indent` spaces per level.
pub fn dumps_indented(v: &Value, opts: &Options, indent: usize) -> Result<Vec<u8>, LoneSurrogate> {
    let mut out = Vec::with_capacity(128);
    write_indented(&mut out, v, opts, indent, 1)?;
    Ok(out)
}

fn newline(out: &mut Vec<u8>, indent: usize, level: usize) {
    out.push(b'\n');
    out.extend(std::iter::repeat(b' ').take(indent * level));
}

fn write_indented(out: &mut Vec<u8>, v: &Value, opts: &Options, indent: usize, level: usize) -> Result<(), LoneSurrogate> {
    match v {
        Value::List(items) if !items.is_empty() => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(opts.item_separator.as_bytes());
                }
                newline(out, indent, level);
                write_indented(out, item, opts, indent, level + 1)?;
            }
            newline(out, indent, level - 1);
            out.push(b']');
        }
        Value::Dict(d) if !d.is_empty() => {
            out.push(b'{');
            let entries = d.entries();
            let mut order: Vec<usize> = (0..entries.len()).collect();
            if opts.sort_keys {
                order.sort_by(|&a, &b| entries[a].0.py_cmp(&entries[b].0));
            }
            for (n, &i) in order.iter().enumerate() {
                if n > 0 {
                    out.extend_from_slice(opts.item_separator.as_bytes());
                }
                newline(out, indent, level);
                write_value(out, &Value::Str(entries[i].0.clone()), opts)?;
                out.extend_from_slice(opts.key_separator.as_bytes());
                write_indented(out, &entries[i].1, opts, indent, level + 1)?;
            }
            newline(out, indent, level - 1);
            out.push(b'}');
        }
        scalar => write_value(out, scalar, opts)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::parse_str;

    fn pretty(json: &str) -> String {
        let opts = Options::SORTED_ASCII.with_separators(",", ": ");
        String::from_utf8(dumps_indented(&parse_str(json).unwrap(), &opts, 2).unwrap()).unwrap()
    }

    #[test]
    fn layout_matches_python() {
        // json.dumps(x, indent=2, sort_keys=True) for these inputs.
        assert_eq!(pretty("{}"), "{}");
        assert_eq!(pretty("[]"), "[]");
        assert_eq!(pretty("3"), "3");
        assert_eq!(pretty(r#"{"b": 1, "a": null}"#), "{\n  \"a\": null,\n  \"b\": 1\n}");
        assert_eq!(
            pretty(r#"{"k": [1, {"z": [], "y": {}}], "é": "é"}"#),
            "{\n  \"k\": [\n    1,\n    {\n      \"y\": {},\n      \"z\": []\n    }\n  ],\n  \"\\u00e9\": \"\\u00e9\"\n}"
        );
    }
}
