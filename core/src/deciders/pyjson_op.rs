//! `pyjson.dumps`: Python's `json.dumps` through the envelope.
//!
//! Hosts use it to produce the exact bytes the reference writes (hook stdout,
//! durable records, digest input) without a JSON library of their own, and the
//! golden corpus uses it to pin the codec against CPython.
//!
//! Args: `{"obj": <any JSON>, "sort_keys": bool = false, "ensure_ascii": bool =
//! true, "errors": "surrogatepass" | "strict" | "replace" = "surrogatepass",
//! "separators": [item, key] = [", ", ": "]}`. Verdict: `{"text": <str>}`.
//!
//! `text` is the `str` that `json.dumps` returns. With `ensure_ascii` off it
//! may hold a lone surrogate (from a `"\ud800"` escape in `obj`); `errors`
//! says what to do with one, as `text.encode("utf-8", errors)` would:
//! - `surrogatepass` (default): keep it, so `text` is exactly what Python
//!   returns. The envelope's response writes it as a `\udXXX` escape, which a
//!   Python reader turns back into the same surrogate.
//! - `replace`: each lone surrogate becomes `?`.
//! - `strict`: refuse with `BAD_ARGS` (Python raises `UnicodeEncodeError`).
//!
//! `null` in an option means "absent", as everywhere in the envelope; `obj`
//! itself may be `null` (giving `"null"`).

use crate::dict;
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::{self, LoneSurrogate, Options, Surrogates, Value};

/// What to do with a lone surrogate in the output (`str.encode`'s `errors`).
fn surrogates_of(a: &Args) -> Result<Surrogates, CallError> {
    match a.opt_str("errors")? {
        None | Some("surrogatepass") => Ok(Surrogates::Pass),
        Some("strict") => Ok(Surrogates::Refuse),
        Some("replace") => Ok(Surrogates::Replace),
        Some(other) => Err(a.err(format_args!("argument \"errors\" must be \"surrogatepass\", \"strict\" or \"replace\", not {other:?}"))),
    }
}

/// `separators=(item, key)`, given as a list of two strings.
fn separators_of(a: &Args) -> Result<Option<(String, String)>, CallError> {
    let Some(list) = a.opt_list("separators")? else {
        return Ok(None);
    };
    let [item, key] = list else {
        return Err(a.err(format_args!("argument \"separators\" must be a list of two strings [item, key], not a list of {}", list.len())));
    };
    let one = |v: &Value, which: &str| -> Result<String, CallError> {
        match v {
            Value::Str(s) => s.as_str().map(str::to_owned).ok_or_else(|| {
                a.err(format_args!("the {which} separator in \"separators\" holds a lone surrogate, which this operation cannot take"))
            }),
            other => Err(a.err(format_args!("the {which} separator in \"separators\" must be a string, not {}", other.type_name()))),
        }
    };
    Ok(Some((one(item, "item")?, one(key, "key")?)))
}

/// The `Options` an `args` object asks for.
pub fn options_from_args(a: &Args) -> Result<Options, CallError> {
    let mut opts = Options::PLAIN;
    opts.sort_keys = a.opt_bool("sort_keys")?.unwrap_or(false);
    opts.ensure_ascii = a.opt_bool("ensure_ascii")?.unwrap_or(true);
    opts.surrogates = surrogates_of(a)?;
    if let Some((item, key)) = separators_of(a)? {
        opts = opts.with_separators(item, key);
    }
    Ok(opts)
}

fn op_dumps(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    // Not `Args::get`: an explicit `null` is a value to serialize here.
    let obj = a.dict().get("obj").ok_or_else(|| a.err("missing required argument \"obj\""))?;
    let opts = options_from_args(a)?;
    let text = pyjson::dumps_str(obj, opts).map_err(|LoneSurrogate(unit)| {
        a.err(format_args!("the output holds a lone surrogate (U+{unit:04X}) that UTF-8 cannot encode with errors=\"strict\""))
    })?;
    Ok(Value::Dict(dict! { "text" => Value::Str(text) }))
}

pub(crate) const OPS: &[OpSpec] =
    &[OpSpec { name: "pyjson.dumps", args: &["obj", "sort_keys", "ensure_ascii", "errors", "separators"], run: op_dumps }];

#[cfg(test)]
mod tests {
    use crate::pyjson::{parse, Str, Value};

    fn run(args: &str) -> Result<Value, String> {
        let req = format!(r#"{{"abi":1,"op":"pyjson.dumps","args":{args}}}"#);
        let (ok, out) = crate::envelope::call_pure(req.as_bytes());
        let resp = parse(&out).map_err(|e| e.to_string())?;
        if ok {
            resp.get("verdict").and_then(|v| v.get("text")).cloned().ok_or_else(|| "no text".into())
        } else {
            Err(resp.get("error").and_then(|e| e.get("code")).and_then(Value::as_str).unwrap_or("").to_owned())
        }
    }

    #[test]
    fn defaults_are_python_defaults() {
        assert_eq!(run(r#"{"obj":{"b":[1,2.0],"a":"\u00e9"}}"#), Ok(Value::str(r#"{"b": [1, 2.0], "a": "\u00e9"}"#)));
        assert_eq!(run(r#"{"obj":null}"#), Ok(Value::str("null")));
        assert_eq!(run(r#"{"obj":{"b":1,"a":2},"sort_keys":true,"separators":[",",":"]}"#), Ok(Value::str(r#"{"a":2,"b":1}"#)));
    }

    #[test]
    fn lone_surrogates_follow_errors() {
        let lone = Value::Str(Str::Utf16(vec![b'"' as u16, 0xD800, b'"' as u16]));
        assert_eq!(run(r#"{"obj":"\ud800","ensure_ascii":false}"#), Ok(lone));
        assert_eq!(run(r#"{"obj":"\ud800","ensure_ascii":false,"errors":"replace"}"#), Ok(Value::str("\"?\"")));
        assert_eq!(run(r#"{"obj":"\ud800","ensure_ascii":false,"errors":"strict"}"#), Err("BAD_ARGS".into()));
        assert_eq!(run(r#"{"obj":"\ud800","errors":"strict"}"#), Ok(Value::str(r#""\ud800""#)));
    }

    #[test]
    fn bad_args_are_refused() {
        for args in [
            r#"{}"#,
            r#"{"obj":1,"sort_keys":"yes"}"#,
            r#"{"obj":1,"errors":"ignore"}"#,
            r#"{"obj":1,"separators":[","]}"#,
            r#"{"obj":1,"separators":[",",1]}"#,
            r#"{"obj":1,"separators":["\udc00",":"]}"#,
            r#"{"obj":1,"indent":2}"#,
        ] {
            assert_eq!(run(args), Err("BAD_ARGS".into()), "{args}");
        }
    }
}
